"""Publish the serving snapshot's tables to PostgreSQL, the database every BI tool speaks.

The tables BI users read (schemas `marts` and `meta`, plus `raw.rejected_rows` and
`raw.file_loads`) are copied into one schema (default `alcap`) with their comments, primary
keys, NOT NULL columns and indexes on join keys. A publication loads into `<schema>__loading`
and swaps it in with renames inside one transaction: a dashboard sees the old build or the new
one, never a half-loaded or missing table. The build it replaces stays as `<schema>__previous`.

Data goes through Arrow: DuckDB hands each table over as Arrow and the ADBC PostgreSQL driver
ingests it with binary COPY (a fraction of the time a row-by-row or text COPY takes). DDL and
the swap go through psycopg.

The connection URL carries a password: it is never logged, and any error raised from here has
it scrubbed out (see `scrub`).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import adbc_driver_postgresql.dbapi as adbc
import duckdb
import psycopg
from psycopg import sql

from dagster_project.publish import catalog
from dagster_project.publish.builds import newest_build
from dagster_project.publish.catalog import Column, Table
from dagster_project.publish.snapshot import open_snapshot

logger = logging.getLogger(__name__)

DEFAULT_SCHEMA = "alcap"
DEFAULT_READER_ROLE = "alcap_reader"
# Built-in roles that would let the reader touch server files or every table.
FORBIDDEN_READER_MEMBERSHIPS = (
    "pg_read_server_files",
    "pg_write_server_files",
    "pg_execute_server_program",
    "pg_read_all_data",
    "pg_write_all_data",
)
# DuckDB types that travel through Arrow to a matching PostgreSQL type as they are; any other
# type (TINYINT, HUGEINT, UUID, STRUCT, MAP, ...) is cast first, see `_select_expression`.
PORTABLE_TYPES = re.compile(
    r"(BOOLEAN|SMALLINT|INTEGER|BIGINT|FLOAT|DOUBLE|DATE|TIMESTAMP|TIMESTAMP WITH TIME ZONE"
    r"|VARCHAR|BLOB|DECIMAL\(\d+,\d+\))(\[\])?"
)
CASTS = {"TINYINT": "SMALLINT", "UTINYINT": "SMALLINT", "USMALLINT": "INTEGER"}
CASTS |= {"UINTEGER": "BIGINT", "UBIGINT": "DECIMAL(20,0)"}  # HUGEINT outgrows Arrow: text
CASTS |= {"TIMESTAMP_S": "TIMESTAMP", "TIMESTAMP_MS": "TIMESTAMP", "TIMESTAMP_NS": "TIMESTAMP"}


class PublicationError(RuntimeError):
    """A publication failed; the previously published schema is still in place."""


def join_key_columns(table: Table) -> list[str]:
    """Columns named `*_id` worth an index: not already the primary key's leading column."""
    leading = table.primary_key[:1]
    return [c.name for c in table.columns if c.name.endswith("_id") and (c.name,) != leading]


@dataclass(frozen=True)
class Publication:
    schema: str
    build_id: str | None
    row_counts: dict[str, int]
    seconds: float
    load_seconds: float  # of which the Arrow ingest alone


def scrub(text: str, url: str) -> str:
    """`text` without the URL or its password, in any spelling the drivers may echo."""
    secrets = {url}
    # A URL's password, or a libpq key/value string's (`host=... password=...`).
    found = re.search(r"password\s*=\s*'?([^'\s]+)", url)
    password = found.group(1) if found else urlsplit(url).password
    if password:
        secrets |= {password, unquote(password)}
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def libpq_url(url: str) -> str:
    """Accept SQLAlchemy spellings (`postgresql+psycopg2://`) as well as libpq's."""
    return re.sub(r"^postgres(ql)?\+\w+://", "postgresql://", url.strip())


def read_tables(snapshot: duckdb.DuckDBPyConnection) -> list[Table]:
    """The snapshot's published tables; they land in one schema, so names must not clash."""
    result = catalog.read_tables(
        snapshot, snapshot.execute("select current_database()").fetchall()[0][0]
    )
    names = [table.name for table in result]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise PublicationError(f"tables of the same name in several schemas: {duplicates}")
    return result


def read_build_id(snapshot: duckdb.DuckDBPyConnection) -> str | None:
    newest = newest_build(snapshot)
    if newest is None:
        logger.info("the snapshot has no build in meta.builds: publishing without a build id")
        return None
    return str(newest["build_id"])


def _select_expression(column: Column) -> str:
    quoted = '"' + column.name.replace('"', '""') + '"'
    if PORTABLE_TYPES.fullmatch(column.data_type):
        return quoted
    return f"cast({quoted} as {CASTS.get(column.data_type, 'VARCHAR')}) as {quoted}"


def _arrow(snapshot: duckdb.DuckDBPyConnection, table: Table):
    columns = ", ".join(_select_expression(column) for column in table.columns)
    return snapshot.sql(f'select {columns} from "{table.schema}"."{table.name}"')


def _constraint_statements(schema: str, table: Table) -> Iterator[sql.Composable]:
    target = sql.Identifier(schema, table.name)
    # One ALTER TABLE for every NOT NULL and the key: PostgreSQL checks them in one scan.
    clauses = [
        sql.SQL("alter column {} set not null").format(sql.Identifier(column.name))
        for column in table.columns
        if column.not_null
    ]
    if table.primary_key:
        clauses.append(
            sql.SQL("add primary key ({})").format(
                sql.SQL(", ").join(map(sql.Identifier, table.primary_key))
            )
        )
    if clauses:
        yield sql.SQL("alter table {} {}").format(target, sql.SQL(", ").join(clauses))
    for column in join_key_columns(table):
        yield sql.SQL("create index on {} ({})").format(target, sql.Identifier(column))
    if table.comment:
        yield sql.SQL("comment on table {} is {}").format(target, sql.Literal(table.comment))
    for column in table.columns:
        if column.comment:
            yield sql.SQL("comment on column {} is {}").format(
                sql.Identifier(schema, table.name, column.name), sql.Literal(column.comment)
            )


def ensure_reader_role(connection: psycopg.Connection, role: str) -> None:
    """Create the BI role if missing (NOLOGIN, read-only sessions); refuse one with more power.

    Its password and LOGIN are the administrator's to set (README: "Connecting a BI tool"):
    the project never stores or sends one.
    """
    exists = connection.execute("select 1 from pg_roles where rolname = %s", [role]).fetchone()
    if not exists:
        logger.info("creating role %s (NOLOGIN until an administrator sets a password)", role)
        connection.execute(sql.SQL("create role {} nologin").format(sql.Identifier(role)))
        connection.execute(
            sql.SQL("alter role {} set default_transaction_read_only = on").format(
                sql.Identifier(role)
            )
        )
    powers = connection.execute(
        """
        select array_remove(array[
            case when rolsuper then 'superuser' end,
            case when rolcreatedb then 'createdb' end,
            case when rolcreaterole then 'createrole' end,
            case when rolreplication then 'replication' end,
            case when rolbypassrls then 'bypassrls' end
        ], null) || array(
            select forbidden from unnest(%s::text[]) as forbidden
            where pg_has_role(%s, forbidden, 'member')
        )
        from pg_roles where rolname = %s
        """,
        [list(FORBIDDEN_READER_MEMBERSHIPS), role, role],
    ).fetchone()[0]
    if powers:
        raise PublicationError(f"role {role} is not read-only: it has {', '.join(powers)}")


def _swap_statements(
    schema: str, role: str, database: str, build_id: str | None, has_published: bool
) -> Iterator[sql.Composable]:
    published = sql.Identifier(schema)
    loading = sql.Identifier(schema + "__loading")
    previous = sql.Identifier(schema + "__previous")
    reader = sql.Identifier(role)
    if has_published:
        yield sql.SQL("drop schema if exists {} cascade").format(previous)
        yield sql.SQL("alter schema {} rename to {}").format(published, previous)
        # The previous build is for rollback, not for readers. Revoking on its tables also
        # invalidates plans that readers cached against them, so they re-plan on the new ones.
        yield sql.SQL("revoke all on all tables in schema {} from {}").format(previous, reader)
        yield sql.SQL("revoke all on schema {} from {}").format(previous, reader)
    yield sql.SQL("alter schema {} rename to {}").format(loading, published)
    yield sql.SQL("grant usage on schema {} to {}").format(published, reader)
    yield sql.SQL("grant select on all tables in schema {} to {}").format(published, reader)
    # Nobody but owners creates anything in this database: not the reader, not through PUBLIC.
    yield sql.SQL("revoke create on schema public from public")
    yield sql.SQL("revoke create, temporary on database {} from public").format(
        sql.Identifier(database)
    )
    yield sql.SQL("grant connect on database {} to {}").format(sql.Identifier(database), reader)
    published_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    note = f"alcap build {build_id or '(unknown)'}, published {published_at}"
    yield sql.SQL("comment on schema {} is {}").format(published, sql.Literal(note))


def publish_postgres(
    snapshot: Path,
    url: str,
    schema: str = DEFAULT_SCHEMA,
    reader_role: str = DEFAULT_READER_ROLE,
) -> Publication:
    """Copy the snapshot's BI tables into `schema` at `url` and swap them in atomically."""
    url = libpq_url(url)
    try:
        return _publish(snapshot, url, schema, reader_role)
    except PublicationError as error:
        raise PublicationError(scrub(str(error), url)) from None
    except Exception as error:
        # Driver errors may quote the connection string: re-raise without it or its cause.
        message = scrub(f"{type(error).__name__}: {error}", url)
        raise PublicationError(f"Postgres publication failed: {message}") from None


def _publish(snapshot_path: Path, url: str, schema: str, reader_role: str) -> Publication:
    started = time.perf_counter()
    loading = schema + "__loading"
    with (
        open_snapshot(snapshot_path) as snapshot,
        psycopg.connect(url, autocommit=True, application_name="alcap publish") as connection,
    ):
        tables = read_tables(snapshot)
        build_id = read_build_id(snapshot)
        # One publication at a time per schema, whatever process starts it.
        connection.execute("select pg_advisory_lock(hashtext(%s))", ["alcap publish " + schema])
        connection.execute(
            sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(loading))
        )
        connection.execute(sql.SQL("create schema {}").format(sql.Identifier(loading)))
        try:
            load_started = time.perf_counter()
            row_counts = _load(snapshot, url, loading, tables)
            load_seconds = time.perf_counter() - load_started
            with connection.transaction():
                for table in tables:
                    for statement in _constraint_statements(loading, table):
                        connection.execute(statement)
            for table in tables:  # fresh statistics for the planner
                connection.execute(
                    sql.SQL("analyze {}").format(sql.Identifier(loading, table.name))
                )
            ensure_reader_role(connection, reader_role)
            with connection.transaction():
                swap = _swap_statements(
                    schema,
                    reader_role,
                    connection.info.dbname,
                    build_id,
                    has_published=_schema_exists(connection, schema),
                )
                for statement in swap:
                    connection.execute(statement)
        except BaseException:
            # The published schema is untouched; clear the half-built one if the server lets us
            # (it may be the server that failed: then the next publication drops it first).
            with suppress(psycopg.Error):
                connection.execute(
                    sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(loading))
                )
            raise
    seconds = time.perf_counter() - started
    logger.info(
        "published %d tables (%d rows) to schema %s in %.2f s, build %s",
        len(tables),
        sum(row_counts.values()),
        schema,
        seconds,
        build_id,
    )
    return Publication(schema, build_id, row_counts, seconds, load_seconds)


def _schema_exists(connection: psycopg.Connection, schema: str) -> bool:
    query = "select 1 from pg_namespace where nspname = %s"
    return connection.execute(query, [schema]).fetchone() is not None


def _load(
    snapshot: duckdb.DuckDBPyConnection, url: str, loading: str, tables: list[Table]
) -> dict[str, int]:
    row_counts = {}
    with adbc.connect(url) as connection, connection.cursor() as cursor:
        for table in tables:
            data = _arrow(snapshot, table).to_arrow_table()
            cursor.adbc_ingest(table.name, data, mode="create", db_schema_name=loading)
            row_counts[table.name] = data.num_rows
        connection.commit()
    return row_counts
