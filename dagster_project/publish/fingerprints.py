"""What every published table holds, in a form that is cheap to compare between builds.

A table is measured in parts of consecutive row ids (`PART_ROWS` rows each): DuckDB appends new
rows at the end and leaves the others where they are, so a refresh that replaces a few rows of
a large table changes the parts that held them and the last one. A part's fingerprint is the
table's definition (columns, types, keys, comments), the part's row count and the sum of its
rows' 64-bit hashes: equal for the same rows (in any order), different for any other rows but
with a chance of about 2^-64. One pass over each table of the new snapshot measures it.

The fingerprints of a build are kept beside its snapshot (`<snapshot>.fingerprints.parquet`)
with the build id they describe. The Parquet export, which writes a file per part, reads them
to write again only the parts whose rows changed.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path

import duckdb

from dagster_project.publish.catalog import Table
from dagster_project.publish.sql_text import literal, quote

# Raise it when publication writes something else for the same warehouse rows (column
# expressions, comments, keys, meta tables): fingerprints of older builds then no longer match.
FORMAT = "4"
CURRENT = "publish_fingerprints"
COLUMNS = """
    table_schema varchar not null,
    table_name varchar not null,
    part bigint not null,
    definition varchar not null,
    row_count bigint not null,
    content_hash varchar not null
"""
# Four of DuckDB's row groups (122,880 rows each): a part reads whole row groups. At scale 100
# fct_claims has 21 parts; a one-file refresh changes two or three of them.
PART_ROWS = 4 * 122_880


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


def hides_row_id(table: Table) -> bool:
    """A column named rowid hides DuckDB's row id: such a table is one part."""
    return any(column.name.lower() == "rowid" for column in table.columns)


def part_of(table: Table) -> str:
    """The expression giving a row's part."""
    return "0" if hides_row_id(table) else f"rowid // {PART_ROWS}"


def part_filter(table: Table, part: int) -> str:
    """A condition selecting the rows of `part`: a range of row ids, which DuckDB reads without
    scanning the rest of the table."""
    if hides_row_id(table):
        return "true"
    return f"rowid >= {part * PART_ROWS} and rowid < {(part + 1) * PART_ROWS}"


def parts_sql(catalog: str, table: Table) -> str:
    """One row per part of `table`, named as in COLUMNS (the hash sum is content_hash); a table
    without rows is one empty part, so every table has at least one."""
    # hash(a, b, ...) combines the columns' hashes; hash(row(a, b, ...)) gave the same
    # guarantee 30 % slower (it builds a struct per row first: fct_claims 0.96 -> 0.66 s).
    row = ", ".join(quote(column.name) for column in table.columns)
    source = f"{quote(catalog)}.{quote(table.schema)}.{quote(table.name)}"
    named = f"{literal(table.schema)} as table_schema, {literal(table.name)} as table_name"
    described = literal(definition(table))
    return (
        f"select {named}, {part_of(table)} as part, {described} as definition,"
        f" count(*) as row_count, cast(sum(hash({row})) as varchar) as content_hash"
        f" from {source} group by all"
        f" union all select {named}, 0, {described}, 0, '0'"
        f" where not exists (select 1 from {source})"
    )


# A part's fingerprint as one text, from rows named as in COLUMNS plus `setup`.
TEXTS = (
    "select table_schema || '.' || table_name, part,"
    " concat_ws('|', setup, definition, row_count, content_hash)"
)


def measure(
    connection: duckdb.DuckDBPyConnection,
    catalog: str,
    tables: list[Table],
    measured: Mapping[Table, list[tuple]] | None = None,
) -> None:
    """Fill the temporary table publish_fingerprints with one row per part of each table. A
    table found in `measured` (measure_parts of a file this one is a byte copy of, where the
    table is defined the same) takes those rows: a byte copy keeps every row id."""
    connection.execute(f"create or replace temporary table {CURRENT} ({COLUMNS})")
    for table in tables:
        rows = (measured or {}).get(table)
        if rows is None:
            connection.execute(f"insert into {CURRENT} {parts_sql(catalog, table)}")
        else:
            connection.executemany(f"insert into {CURRENT} values (?, ?, ?, ?, ?, ?)", rows)


def measure_parts(
    connection: duckdb.DuckDBPyConnection, catalog: str, tables: list[Table]
) -> dict[Table, list[tuple]]:
    """Each table's parts, as `measure` writes them."""
    return {table: connection.execute(parts_sql(catalog, table)).fetchall() for table in tables}


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


def part_fingerprints(
    connection: duckdb.DuckDBPyConnection, path: Path, build_id: str
) -> dict[str, dict[int, str]]:
    """The fingerprint of each part of each table of the build `build_id` ('schema.name' →
    part → text), from the file `save` wrote; empty when the file is missing or describes
    another build."""
    if not path.exists():
        return {}
    source = f"read_parquet({literal(str(path))})"
    try:
        rows = connection.execute(f"{TEXTS} from {source} where build_id = ?", [build_id])
        return by_table(rows.fetchall())
    except duckdb.Error:
        return {}


def measure_now(
    connection: duckdb.DuckDBPyConnection, catalog: str, table: Table, setup: str
) -> dict[int, str]:
    """The fingerprint of each part of one table, measured now (when no saved ones describe
    the build)."""
    rows = connection.execute(
        f"{TEXTS} from (select {literal(setup)} as setup, * from ({parts_sql(catalog, table)}))"
    ).fetchall()
    return by_table(rows).get(f"{table.schema}.{table.name}", {})


def by_table(rows: list[tuple]) -> dict[str, dict[int, str]]:
    """(table, part, text) rows → table → part → text."""
    texts: dict[str, dict[int, str]] = {}
    for name, part, text in rows:
        texts.setdefault(name, {})[part] = text
    return texts
