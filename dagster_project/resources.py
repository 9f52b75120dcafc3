"""The paths the assets work on, as a resource: assets never read the environment themselves."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from dagster_project.settings import Settings, load_settings


class AlcapPaths(dg.ConfigurableResource):
    """Where raw files are read from and where the warehouse writes (see settings.py)."""

    raw_dir: str
    home: str

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> AlcapPaths:
        settings = settings or load_settings()
        return cls(raw_dir=str(settings.raw_dir), home=str(settings.home))

    @property
    def settings(self) -> Settings:
        return Settings(raw_dir=Path(self.raw_dir), home=Path(self.home))
