"""What every published table holds, in a form that is cheap to compare between builds.

A table is cut into partitions: the rows of one raw file when it has a `file` column (a change
to one raw file then touches few of them), else the whole table. A partition's fingerprint is
its row count and the sum of its rows' 64-bit hashes: equal for the same rows (in any order),
different for any other rows but with a chance of about 2^-64. One grouped pass over each
warehouse table measures them all.

The fingerprints of a build are kept beside its snapshot (`<snapshot>.fingerprints.parquet`)
with the build id they describe, so that the next publication knows what that snapshot holds
and copies only the partitions that changed. Nothing else reads them; a missing or mismatched
file only means a full publication.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from dagster_project.publish.catalog import Table
from dagster_project.publish.sql_text import literal, quote

PARTITION_COLUMN = "file"
# Raise it when publication writes something else for the same warehouse rows (column
# expressions, comments, keys, meta tables): fingerprints of older builds then describe
# snapshots this code would not write, and the next publication is a full one.
FORMAT = "1"
CURRENT = "publish_fingerprints"
PREVIOUS = "publish_previous_fingerprints"
COLUMNS = """
    table_schema varchar not null,
    table_name varchar not null,
    definition varchar not null,
    partition_key varchar not null,
    row_count bigint not null,
    content_hash varchar not null
"""


@dataclass(frozen=True)
class Previous:
    """The fingerprints kept with the previous build, and what they were made under."""

    build_id: str
    setup: str
    full_bytes: int  # size of the snapshot file when it was last written in full


def state_path(snapshot: Path) -> Path:
    return snapshot.with_name(snapshot.name + ".fingerprints.parquet")


def setup_key(storage_version: str, meta_tables: object) -> str:
    """What every fingerprint depends on besides the table: the code's format, the storage
    version, the DuckDB version (its hash function and file writer) and the meta tables."""
    text = json.dumps(
        [FORMAT, storage_version, duckdb.__version__, repr(meta_tables)], sort_keys=True
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def partition_expression(table: Table) -> str:
    """The partition of a row, as a non-null text: its raw file, or '' for the whole table.
    Any expression works as long as fingerprints, deletes and inserts all use the same one."""
    if any(column.name == PARTITION_COLUMN for column in table.columns):
        return f"coalesce(cast({quote(PARTITION_COLUMN)} as varchar), '')"
    return "''"


def definition(table: Table) -> str:
    """Everything about a table that is not its rows: columns, types, keys, comments."""
    text = json.dumps([asdict(table), partition_expression(table)], sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def measure(connection: duckdb.DuckDBPyConnection, catalog: str, tables: list[Table]) -> None:
    """Fill the temporary table publish_fingerprints with every partition of `tables`."""
    connection.execute(f"create or replace temporary table {CURRENT} ({COLUMNS})")
    for table in tables:
        row = ", ".join(quote(column.name) for column in table.columns)
        source = f"{quote(catalog)}.{quote(table.schema)}.{quote(table.name)}"
        # An empty table is one empty partition: its definition is still recorded.
        connection.execute(
            f"insert into {CURRENT}"
            f" select {literal(table.schema)}, {literal(table.name)}, {literal(definition(table))},"
            f" {partition_expression(table)} as partition_key, count(*),"
            f" cast(sum(hash(row({row}))) as varchar) from {source} group by partition_key"
            f" union all select {literal(table.schema)}, {literal(table.name)},"
            f" {literal(definition(table))}, '', 0, '0' where not exists (from {source})"
        )


def save(
    connection: duckdb.DuckDBPyConnection,
    path: Path,
    build_id: str,
    setup: str,
    full_bytes: int,
) -> None:
    """Write the measured fingerprints for `build_id` to `path` (via `<path>.new`, so a reader
    never sees half a file). The caller renames it into place once the build is published."""
    new = pending(path)
    new.unlink(missing_ok=True)
    connection.execute(
        f"copy (select {literal(build_id)} as build_id, {literal(setup)} as setup,"
        f" cast({int(full_bytes)} as bigint) as full_bytes, * from {CURRENT})"
        f" to {literal(str(new))} (format parquet, compression zstd)"
    )


def pending(path: Path) -> Path:
    return path.with_name(path.name + ".new")


def commit(path: Path) -> None:
    """Put the fingerprints written by `save` in place, after their build was published."""
    os.replace(pending(path), path)


def load_previous(connection: duckdb.DuckDBPyConnection, path: Path) -> Previous | None:
    """Read the previous build's fingerprints into the temporary table
    publish_previous_fingerprints; None when there are none or they cannot be read."""
    connection.execute(f"create or replace temporary table {PREVIOUS} ({COLUMNS})")
    if not path.exists():
        return None
    source = f"read_parquet({literal(str(path))})"
    try:
        headers = connection.execute(
            f"select distinct build_id, setup, full_bytes from {source}"
        ).fetchall()
        if len(headers) != 1:
            return None
        connection.execute(
            f"insert into {PREVIOUS} select table_schema, table_name, definition,"
            f" partition_key, row_count, content_hash from {source}"
        )
    except duckdb.Error:
        return None
    build_id, setup, full_bytes = headers[0]
    return Previous(build_id, setup, full_bytes)


def previous_row_counts(connection: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], int]:
    """Rows per table in the previous build, by its fingerprints."""
    return {
        (schema, name): rows
        for schema, name, rows in connection.execute(
            f"select table_schema, table_name, sum(row_count) from {PREVIOUS} group by all"
        ).fetchall()
    }


def unchanged_definitions(connection: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    """Tables whose definition is the same as in the previous build (their partitions can be
    compared); any other table is copied whole."""
    # Distinct definitions before the join: joining the partitions themselves pairs every
    # partition with every other of the same table (22,000² for raw.file_loads at scale 100).
    definitions = "select distinct table_schema, table_name, definition from {}"
    return set(
        connection.execute(
            f"select table_schema, table_name from ({definitions.format(CURRENT)})"
            f" join ({definitions.format(PREVIOUS)}) using (table_schema, table_name, definition)"
        ).fetchall()
    )


def changed_partitions(connection: duckdb.DuckDBPyConnection, changes: str) -> None:
    """Fill the temporary table `changes` (table_schema, table_name, partition_key, row_count)
    with every partition added, removed or changed since the previous build; row_count is its
    new count (0 when removed)."""
    connection.execute(
        f"create or replace temporary table {quote(changes)} as"
        " select table_schema, table_name, partition_key,"
        " coalesce(current_rows.row_count, 0) as row_count"
        f" from {CURRENT} as current_rows"
        f" full outer join {PREVIOUS} as previous_rows"
        " using (table_schema, table_name, partition_key)"
        " where current_rows.row_count is distinct from previous_rows.row_count"
        " or current_rows.content_hash is distinct from previous_rows.content_hash"
    )


def table_fingerprints(connection: duckdb.DuckDBPyConnection, path: Path, build_id: str) -> dict:
    """One fingerprint per table of the build `build_id` ('schema.name' → text), from the file
    `save` wrote; empty when the file is missing or describes another build."""
    if not path.exists():
        return {}
    source = f"read_parquet({literal(str(path))})"
    try:
        rows = connection.execute(
            "select table_schema || '.' || table_name, any_value(setup), any_value(definition),"
            " sum(row_count), cast(sum(hash(partition_key, row_count, content_hash)) as varchar)"
            f" from {source} where build_id = ? group by all",
            [build_id],
        ).fetchall()
    except duckdb.Error:
        return {}
    return {name: "|".join(map(str, parts)) for name, *parts in rows}
