"""Publish what BI users read as a read-only serving snapshot, swapped in atomically.

Readers (the CLI's queries, BI tools) open the snapshot, never the warehouse, so they never
block the single writer and never see a half-finished refresh. The snapshot is written in
DuckDB's v1.2.0 storage format so that every DuckDB 1.2 or later reader opens it (BI drivers
embed 1.x), and holds only what BI users need: the marts, two audit tables of the raw layer and
the build history in schema `meta`, with the dbt descriptions as comments and primary keys.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import duckdb

from dagster_project.publish import builds
from dagster_project.publish.catalog import Table, read_tables
from dagster_project.publish.sql_text import literal, quote
from dagster_project.settings import NO_PROGRESS_BAR, load_settings

# The oldest storage format that keeps comments and keys; DuckDB 1.2 and later read it.
STORAGE_VERSION = "v1.2.0"
# Keys of published raw tables (the marts' keys come from their dbt contracts).
RAW_PRIMARY_KEYS = {("raw", "file_loads"): ("file",)}
# Old DuckDB clients need pytz for TIMESTAMP WITH TIME ZONE: publish plain UTC timestamps.
TIMESTAMP_WITH_TIME_ZONE = "TIMESTAMP WITH TIME ZONE"
UTC_NOTE = "(UTC, without time zone)"


def read_source_descriptions(manifest_path: Path | None) -> dict[tuple[str, str], dict]:
    """dbt source descriptions by (schema, table): raw tables carry no persisted comments."""
    if manifest_path is None or not manifest_path.exists():
        return {}
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    return {
        (source["schema"], source["identifier"]): {
            "table": source.get("description") or None,
            "columns": {
                name: column.get("description") or None
                for name, column in source.get("columns", {}).items()
            },
        }
        for source in manifest.get("sources", {}).values()
    }


def published_tables(
    connection: duckdb.DuckDBPyConnection, catalog: str, manifest_path: Path | None
) -> list[Table]:
    """The tables to publish, read from the warehouse catalog (dbt's persist_docs writes the
    marts' comments and contracts their keys), with the raw tables' descriptions from dbt."""
    sources = read_source_descriptions(manifest_path)
    tables = []
    for table in read_tables(connection, catalog):
        described = sources.get((table.schema, table.name), {"table": None, "columns": {}})
        columns = tuple(
            replace(column, comment=column.comment or described["columns"].get(column.name))
            for column in table.columns
        )
        tables.append(
            replace(
                table,
                comment=table.comment or described["table"],
                columns=columns,
                primary_key=table.primary_key
                or RAW_PRIMARY_KEYS.get((table.schema, table.name), ()),
            )
        )
    return tables


def copy_table(
    connection: duckdb.DuckDBPyConnection, table: Table, source_catalog: str, target: str
) -> None:
    definitions, selected = [], []
    for column in table.columns:
        data_type, expression = column.data_type, quote(column.name)
        if data_type == TIMESTAMP_WITH_TIME_ZONE:
            data_type, expression = "TIMESTAMP", f"timezone('UTC', {expression})"
        not_null = " not null" if column.not_null or column.name in table.primary_key else ""
        definitions.append(f"{quote(column.name)} {data_type}{not_null}")
        selected.append(f"{expression} as {quote(column.name)}")
    qualified = f"{quote(target)}.{quote(table.schema)}.{quote(table.name)}"
    connection.execute(f"create schema if not exists {quote(target)}.{quote(table.schema)}")
    connection.execute(f"create table {qualified} ({', '.join(definitions)})")
    connection.execute(
        f"insert into {qualified} select {', '.join(selected)}"
        f" from {quote(source_catalog)}.{quote(table.schema)}.{quote(table.name)}"
    )
    if table.primary_key:
        # After the rows, not in `create table`: inserting into a keyed table checks every row
        # against the index as it grows; building the index over the loaded rows at once costs
        # a fraction of that (fct_claims at scale 100: 10 M keys).
        connection.execute(
            f"alter table {qualified} add primary key ({', '.join(map(quote, table.primary_key))})"
        )
    if table.comment:
        connection.execute(f"comment on table {qualified} is {literal(table.comment)}")
    for column in table.columns:
        comment = column.comment
        if column.data_type == TIMESTAMP_WITH_TIME_ZONE:
            comment = f"{(comment or '').rstrip('. ')} {UTC_NOTE}.".lstrip()
        if comment:
            connection.execute(
                f"comment on column {qualified}.{quote(column.name)} is {literal(comment)}"
            )


def publish_snapshot(
    warehouse: Path,
    snapshot: Path,
    manifest_path: Path | None = None,
    duckdb_config: Mapping[str, object] | None = None,
) -> builds.Build:
    """Build the serving file beside `snapshot`, record the build, and rename it over
    `snapshot`. Returns the build, whose id is also the newest row of meta.builds.
    `duckdb_config` bounds the connection (threads, memory_limit); the settings' by default."""
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    building = snapshot.with_name(snapshot.name + ".building")
    leftovers = (building, building.with_name(building.name + ".wal"))
    for leftover in leftovers:
        leftover.unlink(missing_ok=True)
    try:
        with duckdb.connect(str(warehouse), config=bounded(duckdb_config)) as connection:
            connection.execute(NO_PROGRESS_BAR)
            connection.execute("checkpoint")
            catalog = connection.execute("select current_database()").fetchone()[0]
            connection.execute(
                f"attach {literal(str(building))} as serving_building"
                f" (storage_version {literal(STORAGE_VERSION)})"
            )
            try:
                for table in published_tables(connection, catalog, manifest_path):
                    copy_table(connection, table, catalog, "serving_building")
                build = builds.record_build(
                    connection,
                    source_catalog=catalog,
                    target="serving_building",
                    previous_snapshot=snapshot,
                    manifest_path=manifest_path,
                    storage_version=STORAGE_VERSION,
                )
            finally:
                connection.execute("detach serving_building")
    except BaseException:
        for leftover in leftovers:
            leftover.unlink(missing_ok=True)
        raise
    os.replace(building, snapshot)  # atomic on one filesystem: readers see old or new
    return build


def bounded(duckdb_config: Mapping[str, object] | None) -> dict[str, object]:
    """Threads and a memory limit for a publishing connection: DuckDB's default, 80 % of RAM,
    let the report's query over 10 M claims grow to 8 GB; past the limit DuckDB spills."""
    return dict(load_settings().duckdb_config if duckdb_config is None else duckdb_config)


def open_snapshot(
    snapshot: Path, duckdb_config: Mapping[str, object] | None = None
) -> duckdb.DuckDBPyConnection:
    """The published snapshot, read-only; a clear error before the first refresh."""
    if not snapshot.exists():
        raise FileNotFoundError(
            f"{snapshot} does not exist yet: run `alcap refresh` to build and publish it"
        )
    connection = duckdb.connect(str(snapshot), read_only=True, config=bounded(duckdb_config))
    connection.execute(NO_PROGRESS_BAR)
    return connection
