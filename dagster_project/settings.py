"""Every path and knob, read once from environment variables.

One setting, one place: the dbt profile, the Dagster resources and the CLI all take the
warehouse path from here (exported as ALCAP_WAREHOUSE for dbt).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    raw_dir: Path
    home: Path

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def serving_dir(self) -> Path:
        return self.home / "serving"

    @property
    def serving_snapshot(self) -> Path:
        return self.serving_dir / "alcap.duckdb"

    @property
    def serving_parquet(self) -> Path:
        """A link to the folder of the newest build's Parquet files and their manifest."""
        return self.serving_dir / "parquet"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster_home"

    @property
    def dbt_project_dir(self) -> Path:
        return PROJECT_ROOT / "dbt"

    @property
    def registry_file(self) -> Path:
        return self.raw_dir / "sources.yml"

    def export(self) -> None:
        """Publish the derived paths to child processes (dbt, dagster dev)."""
        self.home.mkdir(parents=True, exist_ok=True)
        self.dagster_home.mkdir(parents=True, exist_ok=True)
        os.environ["ALCAP_HOME"] = str(self.home)
        os.environ["ALCAP_RAW_DIR"] = str(self.raw_dir)
        os.environ["ALCAP_WAREHOUSE"] = str(self.warehouse)
        os.environ.setdefault("DAGSTER_HOME", str(self.dagster_home))
        # dagster-dbt finds `dbt` on PATH: make it the one installed beside this Python.
        scripts = str(Path(sys.executable).parent)
        if scripts not in os.environ.get("PATH", "").split(os.pathsep):
            os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")


def load_settings() -> Settings:
    raw_dir = Path(os.environ.get("ALCAP_RAW_DIR", PROJECT_ROOT / "raw")).resolve()
    home = Path(os.environ.get("ALCAP_HOME", PROJECT_ROOT / ".alcap")).resolve()
    return Settings(raw_dir=raw_dir, home=home)
