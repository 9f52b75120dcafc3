"""The paths the assets work on, as a resource: assets never read the environment themselves."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Self

import dagster as dg

from dagster_project.refresh_lock import refresh_lock
from dagster_project.settings import Settings, load_settings, read_postgres_url


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


class PostgresTarget(dg.ConfigurableResource):
    """Where the Postgres publication goes. The URL holds a password, so it is never part of
    the resource's config (which Dagster shows): it is read when the publication runs."""

    schema_name: str = "alcap"
    reader_role: str = "alcap_reader"

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> PostgresTarget:
        settings = settings or load_settings()
        return cls(schema_name=settings.postgres_schema, reader_role=settings.postgres_reader_role)

    def url(self) -> str | None:
        return read_postgres_url()


class RefreshLockResource(dg.ConfigurableResource):
    """Holds $ALCAP_HOME/refresh.lock for the whole run, so that a run the daemon launches and
    an `alcap refresh` never write the warehouse at once (see refresh_lock.py)."""

    home: str

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> RefreshLockResource:
        settings = settings or load_settings()
        return cls(home=str(settings.home))

    @contextlib.contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[Self]:
        with refresh_lock(Path(self.home)):
            yield self
