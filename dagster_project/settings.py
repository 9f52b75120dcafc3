"""Every path and knob, read once from environment variables.

One setting, one place: the CLI, the Dagster resources and the dbt profile all derive the
warehouse from ALCAP_HOME (the profile reads it itself; see dbt/profiles.yml). Reading the
settings has no side effects: nothing is created and no environment variable is changed here.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt"
# The dbt installed beside this Python, whether or not the virtualenv is on PATH.
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")

# The vocabulary: one unit table and one metric table, read by ingest, extract and dbt alike.
# They live in the dbt seeds folder because dbt loads them there natively as seeds, while Python
# reads the same CSV files with the standard library: one copy, no export step. They are part of
# the code, not of the data, so no environment variable moves them.
VOCABULARY_DIR = PROJECT_ROOT / "dbt" / "seeds"
UNITS_TABLE = VOCABULARY_DIR / "units.csv"
METRICS_TABLE = VOCABULARY_DIR / "metrics.csv"


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
    def dagster_home(self) -> Path:
        return self.home / "dagster_home"


def load_settings() -> Settings:
    raw_dir = Path(os.environ.get("ALCAP_RAW_DIR", PROJECT_ROOT / "raw")).resolve()
    home = Path(os.environ.get("ALCAP_HOME", PROJECT_ROOT / ".alcap")).resolve()
    return Settings(raw_dir=raw_dir, home=home)
