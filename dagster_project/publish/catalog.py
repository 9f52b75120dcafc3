"""What BI users are given, and how a DuckDB file's tables are read for publishing them.

The serving snapshot holds exactly the published tables (its builder picks them from the
warehouse); every later publication (Postgres, Parquet, the report) reads the snapshot and
publishes what is in it.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

# Every table of these schemas is published, and these tables of other schemas.
PUBLISHED_SCHEMAS = ("marts", "meta")
PUBLISHED_TABLES = (("raw", "rejected_rows"), ("raw", "file_loads"))


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str
    not_null: bool
    comment: str | None


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    comment: str | None
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]


def is_published(schema: str, name: str) -> bool:
    return schema in PUBLISHED_SCHEMAS or (schema, name) in PUBLISHED_TABLES


def read_tables(connection: duckdb.DuckDBPyConnection, catalog: str) -> list[Table]:
    """The published tables of `catalog`: comments, NOT NULL columns and primary keys."""
    rows = connection.execute(
        "select schema_name, table_name, comment from duckdb_tables()"
        " where database_name = ? order by schema_name, table_name",
        [catalog],
    ).fetchall()
    tables = []
    for schema, name, comment in rows:
        if not is_published(schema, name):
            continue
        columns = tuple(
            Column(column_name, data_type, not is_nullable, column_comment)
            for column_name, data_type, is_nullable, column_comment in connection.execute(
                "select column_name, data_type, is_nullable, comment from duckdb_columns()"
                " where database_name = ? and schema_name = ? and table_name = ?"
                " order by column_index",
                [catalog, schema, name],
            ).fetchall()
        )
        # fetchall, not fetchone: DuckDB keeps an unfinished result open until it is read out.
        keys = connection.execute(
            "select constraint_column_names from duckdb_constraints()"
            " where database_name = ? and schema_name = ? and table_name = ?"
            " and constraint_type = 'PRIMARY KEY'",
            [catalog, schema, name],
        ).fetchall()
        primary_key = tuple(keys[0][0]) if keys else ()
        tables.append(Table(schema, name, comment, columns, primary_key))
    return tables
