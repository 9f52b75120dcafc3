"""Every path and knob, read once from environment variables.

One setting, one place: the CLI, the Dagster resources and the dbt profile all derive the
warehouse and the marts file from ALCAP_HOME (the profile reads it itself; see
dbt/profiles.yml). Reading the settings has no side effects: nothing is created and no
environment variable is changed here.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt"
# The dbt installed beside this Python, whether or not the virtualenv is on PATH.
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")
# What dagster-dbt starts as dbt: a console script of this project that hands the command to a
# dbt started ahead when a refresh has one (dbt_warm.py).
DBT_CLIENT = str(Path(sys.executable).parent / "alcap-dbt")

# The vocabulary: one unit table and one metric table, read by ingest, extract and dbt alike.
# They live in the dbt seeds folder because dbt loads them there natively as seeds, while Python
# reads the same CSV files with the standard library: one copy, no export step. They are part of
# the code, not of the data, so no environment variable moves them.
VOCABULARY_DIR = PROJECT_ROOT / "dbt" / "seeds"
UNITS_TABLE = VOCABULARY_DIR / "units.csv"
METRICS_TABLE = VOCABULARY_DIR / "metrics.csv"
# The job `alcap refresh`, the schedule and the sensor run (jobs.py), and its run tag that lets
# the claims models go by file (refresh_plan.py sets it, assets/dbt.py reads it).
REFRESH_JOB = "refresh"
CLAIMS_INCREMENTAL_TAG = "alcap/claims_incremental"
# Run on every in-process DuckDB connection: DuckDB draws a progress bar on the refresh's own
# output for any statement longer than two seconds, and it is a session setting, so it cannot
# go in a connection's config.
NO_PROGRESS_BAR = "set enable_progress_bar = false"
# The marts file's catalog name, as dbt's profile attaches it (dbt/profiles.yml).
MARTS_CATALOG = "alcap_marts"


@dataclass(frozen=True)
class Settings:
    raw_dir: Path
    home: Path
    # A URL with a password: kept out of repr() so that it never lands in a log or traceback.
    postgres_url: str | None = field(default=None, repr=False)
    postgres_schema: str = "alcap"
    postgres_reader_role: str = "alcap_reader"
    duckdb_memory_limit: str = "1GB"

    @property
    def duckdb_config(self) -> dict[str, object]:
        """How the loaders' and the publishing DuckDB connections run. Every core: polars and
        DuckDB take turns (a file is parsed, then written), never run at once, and the publish
        steps run one after another. A memory limit: DuckDB's default, 80 % of RAM, would let it
        grow beside the polars frames of a large file, and let the publish steps' scans of
        10 M claims reach 8 GB; past the limit it spills to disk instead
        (ALCAP_DUCKDB_MEMORY_LIMIT)."""
        return {"threads": os.cpu_count() or 1, "memory_limit": self.duckdb_memory_limit}

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def marts(self) -> Path:
        """The marts dbt builds, in a file of their own that publishing copies (profiles.yml)."""
        return self.home / "alcap_marts.duckdb"

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
    def raw_file_hashes(self) -> Path:
        """The raw files' hashes with their file-system status when hashed (inputs.py)."""
        return self.home / "raw_file_hashes.json"


def read_postgres_url() -> str | None:
    """ALCAP_POSTGRES_URL, or the first line of the file ALCAP_POSTGRES_URL_FILE names.

    The file must live outside the repository, so that a password is never committed.
    """
    url = os.environ.get("ALCAP_POSTGRES_URL", "").strip()
    if url:
        return url
    file_name = os.environ.get("ALCAP_POSTGRES_URL_FILE", "").strip()
    if not file_name:
        return None
    path = Path(file_name).expanduser().resolve()
    if path.is_relative_to(PROJECT_ROOT):
        raise ValueError(
            f"ALCAP_POSTGRES_URL_FILE points inside the repository ({path}): keep credentials"
            " outside it, e.g. in ~/.config/alcap/postgres-url"
        )
    lines = path.read_text(encoding="utf-8").strip().splitlines()
    return lines[0].strip() if lines else None


def alcap_home() -> Path:
    return Path(os.environ.get("ALCAP_HOME", PROJECT_ROOT / ".alcap")).resolve()


def load_settings() -> Settings:
    raw_dir = Path(os.environ.get("ALCAP_RAW_DIR", PROJECT_ROOT / "raw")).resolve()
    return Settings(
        raw_dir=raw_dir,
        home=alcap_home(),
        postgres_url=read_postgres_url(),
        postgres_schema=os.environ.get("ALCAP_POSTGRES_SCHEMA", "alcap"),
        postgres_reader_role=os.environ.get("ALCAP_POSTGRES_READER_ROLE", "alcap_reader"),
        duckdb_memory_limit=os.environ.get("ALCAP_DUCKDB_MEMORY_LIMIT", "1GB"),
    )
