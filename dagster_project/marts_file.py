"""The marts file: dbt builds the marts into `$ALCAP_HOME/alcap_marts.duckdb`, attached to
the warehouse as MARTS_CATALOG (dbt/profiles.yml), in the serving snapshot's storage format so
that publishing copies the file instead of its rows (publish/snapshot.py)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from dagster_project.settings import MARTS_CATALOG

# The oldest storage format that keeps comments and keys; DuckDB 1.2 and later read it.
STORAGE_VERSION = "v1.2.0"
# The schema of the marts in the file (dbt_project.yml), as in the snapshot.
MARTS_SCHEMA = "marts"


def attach_marts(
    connection: duckdb.DuckDBPyConnection, marts: Path, *, read_only: bool = False
) -> None:
    """Attach the marts file to a warehouse connection; `marts.<name>` then finds its tables
    (the search path names its schema marts, once dbt has created it)."""
    options = "read_only" if read_only else f"storage_version '{STORAGE_VERSION}'"
    path = str(marts).replace("'", "''")
    connection.execute(f"attach if not exists '{path}' as {MARTS_CATALOG} ({options})")
    (built,) = connection.execute(
        "select count(*) from duckdb_schemas() where database_name = ? and schema_name = ?",
        [MARTS_CATALOG, MARTS_SCHEMA],
    ).fetchone()
    if built:
        connection.execute(f"set search_path = 'main,{MARTS_CATALOG}.{MARTS_SCHEMA}'")
