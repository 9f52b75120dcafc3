"""Publish what BI users read as a read-only serving snapshot, swapped in atomically.

Readers (the CLI's queries, BI tools) open the snapshot, never the warehouse, so they never
block the single writer and never see a half-finished refresh. The snapshot is written in
DuckDB's v1.2.0 storage format so that every DuckDB 1.2 or later reader opens it (BI drivers
embed 1.x), and holds only what BI users need: the marts, two audit tables of the raw layer and
the build history in schema `meta`, with the dbt descriptions as comments and primary keys.

dbt builds the marts into a file of their own in that storage format
(`$ALCAP_HOME/alcap_marts.duckdb`, see dbt/profiles.yml), with their comments and keys.
Publishing copies that file whole and adds the rest: the marts' rows are never rewritten (row
by row, the 10 M claims of scale 100 took 27 s to copy, against a fraction of a second for the
file).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import duckdb

from dagster_project.marts_file import MARTS_SCHEMA, STORAGE_VERSION, attach_marts
from dagster_project.publish import builds, fingerprints, spare
from dagster_project.publish.catalog import PUBLISHED_TABLES, Table, read_tables
from dagster_project.publish.sql_text import literal, quote
from dagster_project.settings import MARTS_CATALOG, NO_PROGRESS_BAR, load_settings

# Keys of published raw tables (the marts' keys come from their dbt contracts).
RAW_PRIMARY_KEYS = {("raw", "file_loads"): ("file",)}
# Old DuckDB clients need pytz for TIMESTAMP WITH TIME ZONE: publish plain UTC timestamps.
TIMESTAMP_WITH_TIME_ZONE = "TIMESTAMP WITH TIME ZONE"
UTC_NOTE = "(UTC, without time zone)"
BUILDING = "serving_building"


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
    """The raw layer's tables to publish, read from the warehouse catalog, with their
    descriptions from dbt's sources."""
    sources = read_source_descriptions(manifest_path)
    tables = []
    for table in read_tables(connection, catalog):
        if (table.schema, table.name) not in PUBLISHED_TABLES:
            continue  # the marts come with the copy of the marts file
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
    definitions = []
    for column in table.columns:
        data_type = column.data_type
        if data_type == TIMESTAMP_WITH_TIME_ZONE:
            data_type = "TIMESTAMP"
        not_null = " not null" if column.not_null or column.name in table.primary_key else ""
        definitions.append(f"{quote(column.name)} {data_type}{not_null}")
    qualified = target_table(table, target)
    connection.execute(f"create schema if not exists {quote(target)}.{quote(table.schema)}")
    connection.execute(f"create table {qualified} ({', '.join(definitions)})")
    connection.execute(f"insert into {qualified} {select_rows(table, source_catalog)}")
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
            comment = utc_comment(comment)
        if comment:
            connection.execute(
                f"comment on column {qualified}.{quote(column.name)} is {literal(comment)}"
            )


def utc_comment(comment: str | None) -> str:
    """A column comment that says its timestamps are in UTC, without a time zone."""
    return f"{(comment or '').rstrip('. ')} {UTC_NOTE}.".lstrip()


def target_table(table: Table, target: str) -> str:
    return f"{quote(target)}.{quote(table.schema)}.{quote(table.name)}"


def select_rows(table: Table, source_catalog: str) -> str:
    """The published form of the warehouse table's rows (timestamps with a time zone as UTC)."""
    selected = []
    for column in table.columns:
        expression = quote(column.name)
        if column.data_type == TIMESTAMP_WITH_TIME_ZONE:
            expression = f"timezone('UTC', {expression})"
        selected.append(f"{expression} as {quote(column.name)}")
    return (
        f"select {', '.join(selected)}"
        f" from {quote(source_catalog)}.{quote(table.schema)}.{quote(table.name)}"
    )


def publish_snapshot(
    warehouse: Path,
    marts: Path,
    snapshot: Path,
    manifest_path: Path | None = None,
    duckdb_config: Mapping[str, object] | None = None,
) -> builds.Build:
    """Build the serving file beside `snapshot`, record the build, and rename it over
    `snapshot`. Returns the build, whose id is also the newest row of meta.builds.
    `duckdb_config` bounds the connection (threads, memory_limit); the settings' by default.

    The new file starts as a copy of the marts file dbt built (`marts`, already in the
    snapshot's storage format, with the marts' comments and keys); the raw layer's audit tables
    are copied into it from `warehouse`, and the build history is added in schema meta."""
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    building = snapshot.with_name(snapshot.name + ".building")
    state = fingerprints.state_path(snapshot)
    leftovers = (building, building.with_name(building.name + ".wal"), fingerprints.pending(state))
    for leftover in leftovers:
        leftover.unlink(missing_ok=True)
    try:
        with duckdb.connect(str(warehouse), config=bounded(duckdb_config)) as connection:
            connection.execute(NO_PROGRESS_BAR)
            catalog = connection.execute("select current_database()").fetchone()[0]
            written, measured = copy_and_measure_marts(connection, marts, building, snapshot)
            with attached(connection, building):
                keep_published_marts(connection, manifest_path)
                publish_timestamps_as_utc(connection)
                for table in published_tables(connection, catalog, manifest_path):
                    copy_table(connection, table, catalog, BUILDING)
                build = record_build(connection, catalog, snapshot, manifest_path)
                tables = read_tables(connection, BUILDING)
                fingerprints.measure(connection, BUILDING, tables, measured)
                fingerprints.save(connection, state, build.build_id, fingerprint_setup())
                # The marts file holds the history as the new snapshot will (builds.py); if this
                # publication fails after all, the next one deletes the build from it.
                with marts_attached(connection, marts):
                    builds.append_build(connection, BUILDING, MARTS_CATALOG, build.build_id)
    except BaseException:
        for leftover in leftovers:
            leftover.unlink(missing_ok=True)
        raise
    spare.keep_as_spare(snapshot)
    os.replace(building, snapshot)  # atomic on one filesystem: readers see old or new
    # Only now: until this rename, the fingerprints in place still describe the old snapshot.
    fingerprints.commit(state)
    return replace(build, file_written=written)


def fingerprint_setup() -> str:
    """What the fingerprints of tables published by this code depend on besides the tables."""
    return fingerprints.setup_key(STORAGE_VERSION, builds.META_TABLES)


def copy_and_measure_marts(
    connection: duckdb.DuckDBPyConnection, marts: Path, building: Path, snapshot: Path
) -> tuple[int | None, dict[Table, list[tuple]]]:
    """Copy the marts file to `building` once all that dbt wrote is in the file itself (a
    checkpoint moves what is still in its write-ahead log, which a copy would leave behind),
    and measure the marts' fingerprints (fingerprints.measure_parts) in the marts file while
    the copy runs: reading and comparing bytes leaves DuckDB a core, and measured afterwards in
    the copy they took 2 s of a one-file refresh at benchmark scale. The copy rewrites the
    previous snapshot's file where it can (spare.py). Returns the bytes it rewrote there (None
    for a new file) and the fingerprints, for fingerprints.measure."""
    if not marts.exists():
        raise FileNotFoundError(f"{marts} does not exist: dbt has not built the marts yet")
    with marts_attached(connection, marts):
        builds.keep_history(connection, MARTS_CATALOG, snapshot)
        connection.execute(f"checkpoint {MARTS_CATALOG}")
        marts_tables = [
            table
            for table in read_tables(connection, MARTS_CATALOG)
            if table.schema == MARTS_SCHEMA and "__dbt_" not in table.name
        ]
        with connection.cursor() as measuring, ThreadPoolExecutor(max_workers=1) as pool:
            measured = pool.submit(
                fingerprints.measure_parts, measuring, MARTS_CATALOG, marts_tables
            )
            written = spare.copy_file(marts, building, snapshot)
            return written, measured.result()


def keep_published_marts(connection: duckdb.DuckDBPyConnection, manifest_path: Path | None) -> None:
    """Drop from the copy whatever is not a mart of this project or the build history: tables
    of models since removed (dbt never drops them), dbt's temporary tables left by an
    interrupted run, and any view (it would name the warehouse, which readers do not have)."""
    models = mart_models(manifest_path)
    for schema, name, kind in connection.execute(
        "select schema_name, table_name, 'table' from duckdb_tables() where database_name = ?"
        " union all select schema_name, view_name, 'view' from duckdb_views()"
        " where database_name = ? and not internal",
        [BUILDING, BUILDING],
    ).fetchall():
        is_mart = schema == MARTS_SCHEMA and kind == "table" and "__dbt_" not in name
        if is_mart and (models is None or name in models):
            continue
        if schema == "meta" and kind == "table" and name in builds.META_TABLES:
            continue
        connection.execute(f"drop {kind} {quote(BUILDING)}.{quote(schema)}.{quote(name)}")


def mart_models(manifest_path: Path | None) -> set[str] | None:
    """The names of the models dbt builds into the marts file; None without a manifest."""
    if manifest_path is None or not manifest_path.exists():
        return None
    nodes = json.loads(manifest_path.read_text(encoding="utf-8")).get("nodes", {}).values()
    return {
        node["alias"]
        for node in nodes
        if node.get("resource_type") == "model"
        and node.get("database") == MARTS_CATALOG
        and node.get("schema") == MARTS_SCHEMA
    }


def publish_timestamps_as_utc(connection: duckdb.DuckDBPyConnection) -> None:
    """Turn any mart column of TIMESTAMP WITH TIME ZONE into a plain UTC timestamp, as
    copy_table does for the raw tables (old clients need pytz to read time zones)."""
    for schema, name, column, comment in connection.execute(
        "select schema_name, table_name, column_name, comment from duckdb_columns()"
        " where database_name = ? and data_type = ?",
        [BUILDING, TIMESTAMP_WITH_TIME_ZONE],
    ).fetchall():
        qualified = f"{quote(BUILDING)}.{quote(schema)}.{quote(name)}"
        connection.execute(
            f"alter table {qualified} alter column {quote(column)} set data type timestamp"
            f" using timezone('UTC', {quote(column)})"
        )
        connection.execute(
            f"comment on column {qualified}.{quote(column)} is {literal(utc_comment(comment))}"
        )


@contextlib.contextmanager
def attached(connection: duckdb.DuckDBPyConnection, building: Path) -> Iterator[None]:
    """The file being built, attached as BUILDING while the block runs."""
    connection.execute(f"attach {literal(str(building))} as {BUILDING}")
    try:
        yield
    finally:
        connection.execute(f"detach {BUILDING}")


@contextlib.contextmanager
def marts_attached(connection: duckdb.DuckDBPyConnection, marts: Path) -> Iterator[None]:
    """The marts file, attached as MARTS_CATALOG (read-write) while the block runs."""
    attach_marts(connection, marts)
    try:
        yield
    finally:
        connection.execute(f"detach {MARTS_CATALOG}")
        connection.execute("reset search_path")


def record_build(
    connection: duckdb.DuckDBPyConnection,
    catalog: str,
    snapshot: Path,
    manifest_path: Path | None,
) -> builds.Build:
    """The new build's rows in BUILDING's meta tables (builds.record_build)."""
    return builds.record_build(
        connection,
        source_catalog=catalog,
        target=BUILDING,
        previous_snapshot=snapshot,
        manifest_path=manifest_path,
        storage_version=STORAGE_VERSION,
    )


def bounded(duckdb_config: Mapping[str, object] | None) -> dict[str, object]:
    """Threads and a memory limit for a publishing connection: DuckDB's default, 80 % of RAM,
    let the report's query over 10 M claims grow to 8 GB; past the limit DuckDB spills."""
    return dict(load_settings().duckdb_config if duckdb_config is None else duckdb_config)


def open_snapshot(
    snapshot: Path, duckdb_config: Mapping[str, object] | None = None
) -> duckdb.DuckDBPyConnection:
    """The published snapshot, read-only; a clear error before the first refresh.

    Attached to a database of the connection's own, not opened with duckdb.connect(path): that
    shares one database per file within the process, and refuses a second connection with
    other settings while the first is open (the Parquet export, the report and the Postgres
    copy read the snapshot side by side, and `set` changes the shared database's settings)."""
    if not snapshot.exists():
        raise FileNotFoundError(
            f"{snapshot} does not exist yet: run `alcap refresh` to build and publish it"
        )
    connection = duckdb.connect(config=bounded(duckdb_config))
    try:
        # Named as duckdb.connect(path) names it: after the file (the catalog queries may name).
        connection.execute(f"attach {literal(str(snapshot))} as {quote(snapshot.stem)} (read_only)")
        connection.execute(f"use {quote(snapshot.stem)}")
        connection.execute(NO_PROGRESS_BAR)
    except BaseException:
        connection.close()
        raise
    return connection
