"""Postgres publication against a real PostgreSQL server, read the way BI tools read it.

Needs ALCAP_TEST_POSTGRES_URL (a superuser URL). `make test-postgres` starts a throw-away
cluster on 127.0.0.1 for these tests; `make test` does the same when CI is set. Each session
works in a database and a reader role of its own, dropped at the end.
"""

from __future__ import annotations

import datetime
import decimal
import json
import logging
import os
import re
import secrets
import shutil
import subprocess
import threading
import time
import traceback
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dagster as dg
import duckdb
import psycopg
import pytest
from conftest import run_alcap, throwaway_python
from psycopg import errors, sql

from dagster_project.publish.postgres import PublicationError, publish_postgres, scrub
from dagster_project.settings import PROJECT_ROOT, read_postgres_url

SCHEMA = "alcap"
HOW_TO_RUN = (
    "no PostgreSQL for the Postgres tests: run `make test-postgres` (starts a throw-away"
    " cluster on 127.0.0.1) or set ALCAP_TEST_POSTGRES_URL to a superuser URL"
)


def with_credentials(url: str, user: str, password: str, database: str) -> str:
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    netloc = f"{user}:{password}@{parts.hostname}{port}"
    return urlunsplit((parts.scheme, netloc, "/" + database, parts.query, ""))


@pytest.fixture(scope="session")
def server_url() -> str:
    url = os.environ.get("ALCAP_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI is set but ALCAP_TEST_POSTGRES_URL is not: " + HOW_TO_RUN)
        pytest.skip(HOW_TO_RUN)
    return url


@pytest.fixture(scope="session")
def reader_role() -> str:
    return "alcap_reader_test_" + secrets.token_hex(4)


@pytest.fixture(scope="session")
def database_url(server_url, reader_role):
    """A database of this session's own, as the server's superuser."""
    name = "alcap_test_" + secrets.token_hex(4)
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    parts = urlsplit(server_url)
    yield urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("drop database {} with (force)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("drop role if exists {}").format(sql.Identifier(reader_role)))


@pytest.fixture(scope="session")
def snapshot_path(refreshed) -> Path:
    return refreshed / "serving" / "alcap.duckdb"


def publish(snapshot: Path, url: str, role: str, schema: str = SCHEMA):
    return publish_postgres(snapshot, url, schema=schema, reader_role=role)


@pytest.fixture(scope="session")
def published(database_url, reader_role, snapshot_path):
    return publish(snapshot_path, database_url, reader_role)


@pytest.fixture(scope="session")
def reader_url(published, database_url, reader_role) -> str:
    """The reader role with a password, as an administrator would set it (see the README)."""
    password = secrets.token_hex(12)
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute(
            sql.SQL("alter role {} login password {}").format(
                sql.Identifier(reader_role), sql.Literal(password)
            )
        )
    return with_credentials(database_url, reader_role, password, urlsplit(database_url).path[1:])


@pytest.fixture
def admin(database_url):
    with psycopg.connect(database_url, autocommit=True) as connection:
        yield connection


def expected_tables(snapshot: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str | None]]:
    """What BI users should get, asked of DuckDB independently of the publisher's code."""
    rows = snapshot.execute(
        """
        select table_name, schema_name, comment from duckdb_tables()
        where schema_name in ('marts', 'meta')
           or (schema_name = 'raw' and table_name in ('rejected_rows', 'file_loads'))
        """
    ).fetchall()
    return {name: (schema, comment) for name, schema, comment in rows}


def comparable(value):
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.astimezone(datetime.UTC)
    return value


def sorted_rows(rows) -> list[str]:
    return sorted(repr(tuple(comparable(value) for value in row)) for row in rows)


def test_every_table_arrives_with_its_rows_comments_keys_and_not_null(
    published, snapshot_path, admin
):
    with duckdb.connect(str(snapshot_path), read_only=True) as snapshot:
        tables = expected_tables(snapshot)
        assert {"fct_claims", "dim_sources", "rejected_rows", "file_loads"} <= set(tables)
        published_tables = {
            name
            for (name,) in admin.execute(
                "select table_name from information_schema.tables where table_schema = %s",
                [SCHEMA],
            ).fetchall()
        }
        assert published_tables == set(tables)
        for name, (schema, comment) in tables.items():
            source_rows = snapshot.execute(f'select * from "{schema}"."{name}"').fetchall()
            target_rows = admin.execute(
                sql.SQL("select * from {}").format(sql.Identifier(SCHEMA, name))
            ).fetchall()
            assert published.row_counts[name] == len(source_rows)
            assert sorted_rows(target_rows) == sorted_rows(source_rows), name
            assert (
                admin.execute(
                    "select obj_description(%s::regclass)", [f"{SCHEMA}.{name}"]
                ).fetchone()[0]
                == comment
            )
            columns = snapshot.execute(
                "select column_name, is_nullable, comment from duckdb_columns()"
                " where schema_name = ? and table_name = ? order by column_index",
                [schema, name],
            ).fetchall()
            target_columns = admin.execute(
                """
                select attname, not attnotnull, col_description(attrelid, attnum) from pg_attribute
                where attrelid = %s::regclass and attnum > 0 and not attisdropped order by attnum
                """,
                [f"{SCHEMA}.{name}"],
            ).fetchall()
            assert target_columns == columns, name
            keys = snapshot.execute(
                "select constraint_column_names from duckdb_constraints()"
                " where schema_name = ? and table_name = ? and constraint_type = 'PRIMARY KEY'",
                [schema, name],
            ).fetchall()
            target_key = admin.execute(
                """
                select array_agg(attname order by array_position(indkey::int2[], attnum))
                from pg_index join pg_attribute on attrelid = indrelid and attnum = any(indkey)
                where indrelid = %s::regclass and indisprimary
                """,
                [f"{SCHEMA}.{name}"],
            ).fetchone()[0]
            assert target_key == (list(keys[0][0]) if keys else None), name
        has_builds = "builds" in tables and tables["builds"][0] == "meta"
        if has_builds:
            newest = snapshot.execute(
                "select build_id from meta.builds order by finished_at desc limit 1"
            ).fetchall()[0][0]
            assert published.build_id == str(newest)
        else:
            assert published.build_id is None
    indexed = admin.execute(
        """
        select attname from pg_index join pg_attribute on attrelid = indrelid
            and attnum = any(indkey)
        where indrelid = %s::regclass and not indisprimary
        """,
        [f"{SCHEMA}.fct_claims"],
    ).fetchall()
    assert ("source_id",) in indexed and ("entity_id",) in indexed
    assert ("claim_id",) not in indexed, "the primary key already serves its own column"


def test_the_reader_selects_the_published_schema_and_nothing_else(
    published, reader_url, reader_role, admin
):
    admin.execute("create schema if not exists private")
    admin.execute("create table if not exists private.secrets as select 1 as secret")
    admin.execute("create table if not exists public.elsewhere as select 1 as value")
    memberships = admin.execute(
        "select pg_has_role(%s, 'pg_read_server_files', 'member')", [reader_role]
    ).fetchone()[0]
    assert memberships is False
    with psycopg.connect(reader_url, autocommit=True) as reader:
        assert reader.execute(f"select count(*) from {SCHEMA}.fct_claims").fetchone()[0] > 0
        # Sessions start read-only; below, the reader turns that off to meet the grants alone.
        with pytest.raises(errors.ReadOnlySqlTransaction):
            reader.execute(f"delete from {SCHEMA}.fct_claims")
        reader.execute("set default_transaction_read_only = off")
        denied = [
            f"create table {SCHEMA}.mine (value int)",
            "create table public.mine (value int)",
            "create schema mine",
            "create temporary table mine (value int)",
            f"alter table {SCHEMA}.fct_claims add column mine int",
            f"comment on table {SCHEMA}.fct_claims is 'mine'",
            f"insert into {SCHEMA}.dim_metrics (metric_id) values ('mine')",
            f"update {SCHEMA}.fct_claims set claim_id = claim_id",
            f"delete from {SCHEMA}.fct_claims",
            f"truncate {SCHEMA}.fct_claims",
            f"drop table {SCHEMA}.fct_claims",
            "select * from private.secrets",
            "select * from public.elsewhere",
            "select pg_read_file('/etc/hostname')",
            f"copy {SCHEMA}.dim_metrics from '/etc/hostname'",
            "copy (select 1) to '/tmp/alcap-reader-was-here'",
        ]
        for statement in denied:
            with pytest.raises(errors.InsufficientPrivilege):
                reader.execute(statement)
    assert not Path("/tmp/alcap-reader-was-here").exists()


def test_previous_build_is_kept_but_closed_to_the_reader(
    database_url, reader_role, reader_url, admin, snapshot_path
):
    publish(snapshot_path, database_url, reader_role)
    previous = admin.execute(f"select count(*) from {SCHEMA}__previous.fct_claims").fetchone()[0]
    assert previous > 0
    with psycopg.connect(reader_url, autocommit=True) as reader:
        with pytest.raises(errors.InsufficientPrivilege):
            reader.execute(f"select count(*) from {SCHEMA}__previous.fct_claims")
        assert reader.execute(f"select count(*) from {SCHEMA}.fct_claims").fetchone()[0] > 0


def test_readers_querying_during_publications_see_no_error_and_no_empty_table(
    database_url, reader_role, reader_url, published, snapshot_path
):
    tables = [name for name, count in published.row_counts.items() if count > 0]
    queries = 0
    failures: list[str] = []
    started = threading.Event()
    stop = threading.Event()

    def read_in_a_loop() -> None:
        nonlocal queries
        deadline = time.monotonic() + 60
        with psycopg.connect(reader_url, autocommit=True) as reader:
            while not stop.is_set() and time.monotonic() < deadline and queries < 20_000:
                for name in tables:
                    try:
                        count = reader.execute(
                            sql.SQL("select count(*) from {}").format(sql.Identifier(SCHEMA, name))
                        ).fetchone()[0]
                    except psycopg.Error as error:
                        failures.append(f"{name}: {error}")
                        continue
                    finally:
                        queries += 1
                    if count == 0:
                        failures.append(f"{name}: empty")
                started.set()

    reader_thread = threading.Thread(target=read_in_a_loop)
    reader_thread.start()
    try:
        assert started.wait(30), "the reader never got going"
        before = queries
        for _ in range(3):
            publish(snapshot_path, database_url, reader_role)
        during = queries - before
    finally:
        stop.set()
        reader_thread.join(60)
    assert failures == []
    assert during > 0, "no query ran while publishing"


@pytest.fixture
def fewer_claims(snapshot_path, tmp_path) -> Path:
    """A copy of the snapshot with ten claims: a build that is easy to tell apart."""
    copy = tmp_path / "alcap.duckdb"
    shutil.copy(snapshot_path, copy)
    with duckdb.connect(str(copy)) as connection:
        connection.execute(
            "delete from marts.fct_claims where claim_id not in"
            " (select claim_id from marts.fct_claims order by claim_id limit 10)"
        )
    return copy


def claims_in(admin, schema: str) -> int:
    return admin.execute(
        sql.SQL("select count(*) from {}").format(sql.Identifier(schema, "fct_claims"))
    ).fetchone()[0]


def test_a_publication_that_fails_in_the_swap_leaves_every_build_in_place(
    database_url, reader_role, admin, snapshot_path, fewer_claims
):
    publish(snapshot_path, database_url, reader_role)
    publish(snapshot_path, database_url, reader_role)
    current, previous = claims_in(admin, SCHEMA), claims_in(admin, SCHEMA + "__previous")
    assert current > 10
    # A real failure in the middle of the swap transaction, after the old previous build was
    # dropped and while the published schema is being renamed.
    admin.execute(
        """
        create function fail_schema_renames() returns event_trigger language plpgsql as
        $$ begin raise exception 'injected failure during the swap'; end $$
        """
    )
    admin.execute(
        "create event trigger fail_schema_renames on ddl_command_end"
        " when tag in ('ALTER SCHEMA') execute function fail_schema_renames()"
    )
    try:
        with pytest.raises(PublicationError, match="injected failure"):
            publish(fewer_claims, database_url, reader_role)
    finally:
        admin.execute("drop event trigger fail_schema_renames")
        admin.execute("drop function fail_schema_renames()")
    assert claims_in(admin, SCHEMA) == current
    assert claims_in(admin, SCHEMA + "__previous") == previous
    loading = admin.execute(
        "select count(*) from pg_namespace where nspname = %s", [SCHEMA + "__loading"]
    ).fetchone()[0]
    assert loading == 0
    publish(fewer_claims, database_url, reader_role)
    assert claims_in(admin, SCHEMA) == 10
    assert claims_in(admin, SCHEMA + "__previous") == current
    publish(snapshot_path, database_url, reader_role)


def test_a_reader_role_with_server_file_access_is_refused(
    database_url, reader_role, published, admin, fewer_claims
):
    before = claims_in(admin, SCHEMA)
    admin.execute(sql.SQL("grant pg_read_server_files to {}").format(sql.Identifier(reader_role)))
    try:
        with pytest.raises(PublicationError, match="pg_read_server_files"):
            publish(fewer_claims, database_url, reader_role)
    finally:
        admin.execute(
            sql.SQL("revoke pg_read_server_files from {}").format(sql.Identifier(reader_role))
        )
    assert claims_in(admin, SCHEMA) == before


def test_types_without_a_postgres_twin_arrive_readable(database_url, reader_role, tmp_path, admin):
    snapshot = tmp_path / "types.duckdb"
    with duckdb.connect(str(snapshot)) as connection:
        connection.execute(
            """
            create schema marts;
            create table marts.unusual (
                unusual_id tinyint primary key, amount decimal(18, 3) not null, big hugeint,
                nested struct(a integer), mapping map(varchar, integer), at_ns timestamp_ns,
                small utinyint, tags varchar[]
            );
            insert into marts.unusual values (1, 12.345, 170141183460469231731687303715884105727,
                {'a': 1}, map {'k': 1}, timestamp '2024-05-06 07:08:09', 200, ['x', 'y']);
            """
        )
    publish(snapshot, database_url, reader_role, schema="unusual_types")
    row = admin.execute("select * from unusual_types.unusual").fetchone()
    assert row == (
        1,
        decimal.Decimal("12.345"),
        "170141183460469231731687303715884105727",
        "{'a': 1}",
        "{k=1}",
        datetime.datetime(2024, 5, 6, 7, 8, 9),
        200,
        ["x", "y"],
    )


def test_the_build_id_is_the_newest_in_meta_builds(database_url, reader_role, tmp_path, admin):
    snapshot = tmp_path / "with_builds.duckdb"
    with duckdb.connect(str(snapshot)) as connection:
        connection.execute(
            """
            create schema meta;
            create table meta.builds (build_id varchar primary key, finished_at timestamptz);
            insert into meta.builds values
                ('build-new', timestamptz '2026-12-02 10:00:00+00'),
                ('build-old', timestamptz '2026-12-01 10:00:00+00');
            """
        )
    publication = publish(snapshot, database_url, reader_role, schema="with_builds")
    assert publication.build_id == "build-new"
    note = admin.execute("select obj_description('with_builds'::regnamespace)").fetchone()[0]
    assert note.startswith("alcap build build-new, published ")
    assert admin.execute("select count(*) from with_builds.builds").fetchone()[0] == 2


# Superset's own pins (SQLAlchemy 1.4, psycopg2), in an environment of their own: the project's
# environment keeps SQLAlchemy 2 for Dagster.
SUPERSET_CLIENT = ["sqlalchemy==1.4.54", "psycopg2-binary==2.9.6"]
SUPERSET_PROBE = """
import json, sys
import sqlalchemy

url, schema, engine_parameters = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
engine = sqlalchemy.create_engine(url, **engine_parameters)
inspector = sqlalchemy.inspect(engine)
report = {
    "sqlalchemy": sqlalchemy.__version__,
    "schemas": inspector.get_schema_names(),
    "tables": inspector.get_table_names(schema=schema),
    "columns": [
        [column["name"], column["nullable"], column["comment"]]
        for column in inspector.get_columns("fct_claims", schema=schema)
    ],
    "primary_key": inspector.get_pk_constraint("fct_claims", schema=schema)["constrained_columns"],
    "table_comment": inspector.get_table_comment("fct_claims", schema=schema)["text"],
}
with engine.connect() as connection:
    report["count"] = connection.execute(
        sqlalchemy.text(f"select count(*) from {schema}.fct_claims")
    ).scalar()
    try:
        connection.execute(sqlalchemy.text(f"delete from {schema}.fct_claims"))
        report["delete"] = "allowed"
    except sqlalchemy.exc.DBAPIError as error:
        report["delete"] = str(error.orig).splitlines()[0]
print(json.dumps(report))
"""


def test_superset_discovers_the_tables_through_sqlalchemy(
    published, reader_url, snapshot_path, tmp_path_factory
):
    """The inspector calls Superset makes, with the SQLAlchemy and driver it pins."""
    python = throwaway_python(tmp_path_factory.mktemp("superset") / "venv", *SUPERSET_CLIENT)
    # The engine parameters the README gives for Superset, exactly as written there.
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    engine_parameters = re.search(r"Engine Parameters `(\{.*?\})`", readme).group(1)
    result = subprocess.run(
        [
            str(python),
            "-c",
            SUPERSET_PROBE,
            reader_url.replace("postgresql://", "postgresql+psycopg2://", 1),
            SCHEMA,
            engine_parameters,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, scrub(result.stderr[-2000:])
    report = json.loads(result.stdout)
    assert report["sqlalchemy"].startswith("1.4.")
    assert SCHEMA in report["schemas"]
    with duckdb.connect(str(snapshot_path), read_only=True) as snapshot:
        tables = expected_tables(snapshot)
        columns = snapshot.execute(
            "select column_name, is_nullable, comment from duckdb_columns()"
            " where schema_name = 'marts' and table_name = 'fct_claims'"
            " order by column_index"
        ).fetchall()
    assert set(report["tables"]) == set(tables)
    assert [tuple(column) for column in report["columns"]] == columns
    assert report["primary_key"] == ["claim_id"]
    assert report["table_comment"] == tables["fct_claims"][1]
    assert report["count"] == published.row_counts["fct_claims"]
    assert "read-only transaction" in report["delete"]


def test_the_password_never_appears_in_logs_or_errors(
    database_url, reader_role, snapshot_path, refreshed, caplog
):
    password = urlsplit(database_url).password
    assert password
    caplog.set_level(logging.DEBUG)
    publish(snapshot_path, database_url, reader_role)
    assert password not in caplog.text

    wrong = "wrong-" + secrets.token_hex(8)
    parts = urlsplit(database_url)
    wrong_url = with_credentials(database_url, parts.username, wrong, parts.path[1:])
    with pytest.raises(PublicationError) as failure:
        publish(snapshot_path, wrong_url, reader_role)
    shown = "".join(traceback.format_exception(failure.value))
    assert "password authentication failed" in shown
    assert wrong not in shown and wrong not in caplog.text

    # Through the command and Dagster's logs, failing and succeeding.
    for url, expected_returncode in [(wrong_url, 1), (database_url, 0)]:
        result = run_alcap(
            refreshed,
            PROJECT_ROOT / "raw",
            "publish",
            "postgres",
            environment={
                "ALCAP_POSTGRES_URL": url,
                "ALCAP_POSTGRES_SCHEMA": "alcap_from_cli",
                "ALCAP_POSTGRES_READER_ROLE": reader_role,
            },
        )
        output = result.stdout + result.stderr
        assert result.returncode == expected_returncode, output[-3000:]
        assert urlsplit(url).password not in output
    assert "published" in result.stdout and "alcap_from_cli" in result.stdout


def test_the_postgres_asset_is_skipped_without_a_url(monkeypatch, tmp_path):
    monkeypatch.delenv("ALCAP_POSTGRES_URL", raising=False)
    monkeypatch.delenv("ALCAP_POSTGRES_URL_FILE", raising=False)
    monkeypatch.setenv("ALCAP_HOME", str(tmp_path))
    from dagster_project.assets.outputs import serving_outputs
    from dagster_project.assets.postgres import POSTGRES
    from dagster_project.resources import AlcapPaths, PostgresTarget

    result = dg.materialize(
        [serving_outputs],
        selection=[POSTGRES.key],
        resources={"paths": AlcapPaths.from_settings(), "postgres": PostgresTarget()},
        instance=dg.DagsterInstance.ephemeral(),
    )
    (event,) = result.get_asset_materialization_events()
    assert event.materialization.metadata["status"].value == "skipped: no Postgres configured"


def test_the_url_comes_from_a_file_outside_the_repository(monkeypatch, tmp_path):
    monkeypatch.delenv("ALCAP_POSTGRES_URL", raising=False)
    outside = tmp_path / "postgres-url"
    outside.write_text("postgresql://someone:secret@127.0.0.1:5432/bi\n")
    monkeypatch.setenv("ALCAP_POSTGRES_URL_FILE", str(outside))
    assert read_postgres_url() == "postgresql://someone:secret@127.0.0.1:5432/bi"
    monkeypatch.setenv("ALCAP_POSTGRES_URL_FILE", str(PROJECT_ROOT / "postgres-url"))
    with pytest.raises(ValueError, match="outside"):
        read_postgres_url()
    monkeypatch.setenv("ALCAP_POSTGRES_URL", "postgresql://from-the-environment")
    assert read_postgres_url() == "postgresql://from-the-environment"


def test_scrub_removes_the_password_in_every_spelling():
    url = "postgresql://bi:p%40ss%2Fword@127.0.0.1:5432/bi"
    text = f"failed for {url}: p%40ss%2Fword / p@ss/word"
    assert "p@ss" not in scrub(text, url) and "p%40ss" not in scrub(text, url)
    assert scrub("bad password=s3cret!", "host=127.0.0.1 password=s3cret! dbname=bi") == (
        "bad password=***"
    )
