"""Publish what BI users read as a read-only serving snapshot, swapped in atomically.

Readers (the CLI's queries, BI tools) open the snapshot, never the warehouse, so they never
block the single writer and never see a half-finished refresh. The snapshot is written in
DuckDB's v1.2.0 storage format so that every DuckDB 1.2 or later reader opens it (BI drivers
embed 1.x), and holds only what BI users need: the marts, two audit tables of the raw layer and
the build history in schema `meta`, with the dbt descriptions as comments and primary keys.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path

import duckdb

from dagster_project.publish import builds, fingerprints
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
BUILDING = "serving_building"
CHANGES = "publish_changed_partitions"
# Replaced rows leave free blocks and a rewritten index in the file: past this many times its
# size when last written in full, the snapshot is written afresh.
GROWTH_LIMIT = 2.0


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
            comment = f"{(comment or '').rstrip('. ')} {UTC_NOTE}.".lstrip()
        if comment:
            connection.execute(
                f"comment on column {qualified}.{quote(column.name)} is {literal(comment)}"
            )


def target_table(table: Table, target: str) -> str:
    return f"{quote(target)}.{quote(table.schema)}.{quote(table.name)}"


def select_rows(table: Table, source_catalog: str, where: str = "true") -> str:
    """The published form of the warehouse table's rows (timestamps with a time zone as UTC)."""
    selected = []
    for column in table.columns:
        expression = quote(column.name)
        if column.data_type == TIMESTAMP_WITH_TIME_ZONE:
            expression = f"timezone('UTC', {expression})"
        selected.append(f"{expression} as {quote(column.name)}")
    return (
        f"select {', '.join(selected)}"
        f" from {quote(source_catalog)}.{quote(table.schema)}.{quote(table.name)} where {where}"
    )


def publish_snapshot(
    warehouse: Path,
    snapshot: Path,
    manifest_path: Path | None = None,
    duckdb_config: Mapping[str, object] | None = None,
) -> builds.Build:
    """Build the serving file beside `snapshot`, record the build, and rename it over
    `snapshot`. Returns the build, whose id is also the newest row of meta.builds.
    `duckdb_config` bounds the connection (threads, memory_limit); the settings' by default.

    The new file starts as a copy of the previous snapshot when that snapshot's fingerprints
    are at hand (`fingerprints.py`), and only the partitions whose rows changed are replaced;
    otherwise every table is copied from the warehouse. Both give the same tables."""
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    building = snapshot.with_name(snapshot.name + ".building")
    state = fingerprints.state_path(snapshot)
    leftovers = (building, building.with_name(building.name + ".wal"), fingerprints.pending(state))
    for leftover in leftovers:
        leftover.unlink(missing_ok=True)
    try:
        with duckdb.connect(str(warehouse), config=bounded(duckdb_config)) as connection:
            connection.execute(NO_PROGRESS_BAR)
            connection.execute("checkpoint")
            catalog = connection.execute("select current_database()").fetchone()[0]
            tables = published_tables(connection, catalog, manifest_path)
            setup = fingerprints.setup_key(STORAGE_VERSION, builds.META_TABLES)
            fingerprints.measure(connection, catalog, tables)
            previous, reason = reusable_previous(connection, snapshot, state, setup)
            build = None
            if previous is not None:
                try:
                    build = publish_changes(
                        connection, tables, catalog, snapshot, building, manifest_path, previous
                    )
                    full_bytes = previous.full_bytes
                except (duckdb.Error, OSError, CopyNotUsable) as error:
                    reason = f"the copy of the previous snapshot was not usable ({error})"
                    for leftover in leftovers[:2]:
                        leftover.unlink(missing_ok=True)
            if build is None:
                build = publish_in_full(
                    connection, tables, catalog, snapshot, building, manifest_path, reason
                )
                full_bytes = building.stat().st_size
            fingerprints.save(connection, state, build.build_id, setup, full_bytes)
    except BaseException:
        for leftover in leftovers:
            leftover.unlink(missing_ok=True)
        raise
    os.replace(building, snapshot)  # atomic on one filesystem: readers see old or new
    # Only now: until this rename, the fingerprints in place still describe the old snapshot.
    fingerprints.commit(state)
    return build


class CopyNotUsable(Exception):
    """The copy of the previous snapshot is not the build its fingerprints describe."""


def reusable_previous(
    connection: duckdb.DuckDBPyConnection, snapshot: Path, state: Path, setup: str
) -> tuple[fingerprints.Previous | None, str]:
    """The previous build's fingerprints if its snapshot can be the start of the new one, else
    None and why not."""
    if not snapshot.exists():
        return None, "no previous snapshot"
    previous = fingerprints.load_previous(connection, state)
    if previous is None:
        return None, "no fingerprints of the previous snapshot"
    if previous.setup != setup:
        return None, "another publication format, storage version or DuckDB version"
    latest = builds.latest_build(snapshot)
    if latest is None or latest["build_id"] != previous.build_id:
        return None, "the fingerprints are not those of the previous snapshot's build"
    if latest["storage_version"] != STORAGE_VERSION:
        return None, f"the previous snapshot is in storage {latest['storage_version']}"
    if snapshot.stat().st_size > GROWTH_LIMIT * previous.full_bytes:
        return None, "the previous snapshot has grown with replaced rows: written afresh"
    return previous, ""


@contextlib.contextmanager
def attached(
    connection: duckdb.DuckDBPyConnection, building: Path, options: str = ""
) -> Iterator[None]:
    """The file being built, attached as BUILDING while the block runs."""
    connection.execute(f"attach {literal(str(building))} as {BUILDING}{options}")
    try:
        yield
    finally:
        connection.execute(f"detach {BUILDING}")


def record_build(
    connection: duckdb.DuckDBPyConnection,
    catalog: str,
    snapshot: Path,
    manifest_path: Path | None,
    history_in_target: bool = False,
) -> builds.Build:
    """The new build's rows in BUILDING's meta tables (builds.record_build)."""
    return builds.record_build(
        connection,
        source_catalog=catalog,
        target=BUILDING,
        previous_snapshot=snapshot,
        manifest_path=manifest_path,
        storage_version=STORAGE_VERSION,
        history_in_target=history_in_target,
    )


def publish_in_full(
    connection: duckdb.DuckDBPyConnection,
    tables: list[Table],
    catalog: str,
    snapshot: Path,
    building: Path,
    manifest_path: Path | None,
    reason: str,
) -> builds.Build:
    with attached(connection, building, f" (storage_version {literal(STORAGE_VERSION)})"):
        for table in tables:
            copy_table(connection, table, catalog, BUILDING)
        build = record_build(connection, catalog, snapshot, manifest_path)
    return replace(build, publication=f"full: {reason}")


def publish_changes(
    connection: duckdb.DuckDBPyConnection,
    tables: list[Table],
    catalog: str,
    snapshot: Path,
    building: Path,
    manifest_path: Path | None,
    previous: fingerprints.Previous,
) -> builds.Build:
    """Copy the previous snapshot (immutable once published) and bring each table up to date:
    a table whose definition changed is copied whole, otherwise only its changed partitions
    are deleted and inserted again, which keeps its key and comments."""
    shutil.copyfile(snapshot, building)
    with attached(connection, building):
        check_copy(connection, previous)
        comparable = fingerprints.unchanged_definitions(connection)
        fingerprints.changed_partitions(connection, CHANGES)
        published = {(table.schema, table.name) for table in tables}
        for schema, name in connection.execute(
            "select schema_name, table_name from duckdb_tables()"
            " where database_name = ? and schema_name <> 'meta'",
            [BUILDING],
        ).fetchall():
            if (schema, name) not in published or (schema, name) not in comparable:
                connection.execute(f"drop table {quote(BUILDING)}.{quote(schema)}.{quote(name)}")
        updated = []
        for table in tables:
            if (table.schema, table.name) not in comparable:
                copy_table(connection, table, catalog, BUILDING)
            elif not replace_partitions(connection, table, catalog):
                continue
            updated.append(f"{table.schema}.{table.name}")
        build = record_build(connection, catalog, snapshot, manifest_path, history_in_target=True)
    return replace(
        build,
        publication=f"changes since {previous.build_id}: updated {', '.join(updated) or 'nothing'}",
        previous_build_id=previous.build_id,
    )


def check_copy(connection: duckdb.DuckDBPyConnection, previous: fingerprints.Previous) -> None:
    """The copy must be the build the fingerprints describe, with the rows they count."""
    newest = connection.execute(
        f"select build_id from {BUILDING}.meta.builds order by finished_at desc limit 1"
    ).fetchall()
    if newest != [(previous.build_id,)]:
        raise CopyNotUsable(f"its newest build is {newest}, not {previous.build_id}")
    for (schema, name), rows in fingerprints.previous_row_counts(connection).items():
        found = connection.execute(
            f"select count(*) from {quote(BUILDING)}.{quote(schema)}.{quote(name)}"
        ).fetchone()[0]
        if found != rows:
            raise CopyNotUsable(f"{schema}.{name} has {found} rows, its fingerprints {rows}")


def replace_partitions(connection: duckdb.DuckDBPyConnection, table: Table, catalog: str) -> int:
    """Delete the table's changed partitions from the copy and insert their new rows; the
    whole table when most of it changed (loading and indexing at once is then faster).
    Returns whether anything changed."""
    changed_partitions, changed_rows = connection.execute(
        f"select count(*), coalesce(sum(row_count), 0) from {CHANGES}"
        " where table_schema = ? and table_name = ?",
        [table.schema, table.name],
    ).fetchone()
    if not changed_partitions:
        return False
    qualified = target_table(table, BUILDING)
    total_rows = connection.execute(f"select count(*) from {qualified}").fetchone()[0]
    if changed_rows > total_rows / 2:
        connection.execute(f"drop table {qualified}")
        copy_table(connection, table, catalog, BUILDING)
        return True
    partition = fingerprints.partition_expression(table)
    keys = (
        f"select partition_key from {CHANGES}"
        f" where table_schema = {literal(table.schema)} and table_name = {literal(table.name)}"
    )
    # Two statements, each its own transaction: DuckDB checks a key against rows deleted in
    # the same transaction as if they were still there.
    connection.execute(f"delete from {qualified} where {partition} in ({keys})")
    connection.execute(
        f"insert into {qualified} {select_rows(table, catalog, f'{partition} in ({keys})')}"
    )
    return True


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
