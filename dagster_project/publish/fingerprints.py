"""What every published table holds, in a form that is cheap to compare between builds.

A table's fingerprint is its definition (columns, types, keys, comments), its row count and the
sum of its rows' 64-bit hashes: equal for the same rows (in any order), different for any other
rows but with a chance of about 2^-64. One pass over each table of the new snapshot measures it.

The fingerprints of a build are kept beside its snapshot (`<snapshot>.fingerprints.parquet`)
with the build id they describe. The Parquet export reads them to write again only the marts
whose rows changed; a missing or mismatched file only means every mart is written.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from pathlib import Path

import duckdb

from dagster_project.publish.catalog import Table
from dagster_project.publish.sql_text import literal, quote

# Raise it when publication writes something else for the same warehouse rows (column
# expressions, comments, keys, meta tables): fingerprints of older builds then no longer match.
FORMAT = "2"
CURRENT = "publish_fingerprints"
COLUMNS = """
    table_schema varchar not null,
    table_name varchar not null,
    definition varchar not null,
    row_count bigint not null,
    content_hash varchar not null
"""


def state_path(snapshot: Path) -> Path:
    return snapshot.with_name(snapshot.name + ".fingerprints.parquet")


def setup_key(storage_version: str, meta_tables: object) -> str:
    """What every fingerprint depends on besides the table: the code's format, the storage
    version, the DuckDB version (its hash function and file writer) and the meta tables."""
    text = json.dumps(
        [FORMAT, storage_version, duckdb.__version__, repr(meta_tables)], sort_keys=True
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def definition(table: Table) -> str:
    """Everything about a table that is not its rows: columns, types, keys, comments."""
    text = json.dumps(asdict(table), sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def measure(connection: duckdb.DuckDBPyConnection, catalog: str, tables: list[Table]) -> None:
    """Fill the temporary table publish_fingerprints with one row per table of `tables`."""
    connection.execute(f"create or replace temporary table {CURRENT} ({COLUMNS})")
    for table in tables:
        row = ", ".join(quote(column.name) for column in table.columns)
        source = f"{quote(catalog)}.{quote(table.schema)}.{quote(table.name)}"
        connection.execute(
            f"insert into {CURRENT}"
            f" select {literal(table.schema)}, {literal(table.name)}, {literal(definition(table))},"
            f" count(*), cast(coalesce(sum(hash(row({row}))), 0) as varchar) from {source}"
        )


def save(
    connection: duckdb.DuckDBPyConnection,
    path: Path,
    build_id: str,
    setup: str,
) -> None:
    """Write the measured fingerprints for `build_id` to `path` (via `<path>.new`, so a reader
    never sees half a file). The caller renames it into place once the build is published."""
    new = pending(path)
    new.unlink(missing_ok=True)
    connection.execute(
        f"copy (select {literal(build_id)} as build_id, {literal(setup)} as setup, *"
        f" from {CURRENT})"
        f" to {literal(str(new))} (format parquet, compression zstd)"
    )


def pending(path: Path) -> Path:
    return path.with_name(path.name + ".new")


def commit(path: Path) -> None:
    """Put the fingerprints written by `save` in place, after their build was published."""
    os.replace(pending(path), path)


def table_fingerprints(connection: duckdb.DuckDBPyConnection, path: Path, build_id: str) -> dict:
    """One fingerprint per table of the build `build_id` ('schema.name' → text), from the file
    `save` wrote; empty when the file is missing or describes another build."""
    if not path.exists():
        return {}
    source = f"read_parquet({literal(str(path))})"
    try:
        rows = connection.execute(
            "select table_schema || '.' || table_name, setup, definition, row_count, content_hash"
            f" from {source} where build_id = ?",
            [build_id],
        ).fetchall()
    except duckdb.Error:
        return {}
    return {name: "|".join(map(str, parts)) for name, *parts in rows}
