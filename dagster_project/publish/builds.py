"""Every published build, recorded in the snapshot's schema `meta`.

meta.builds has one row per build (the newest is `order by finished_at desc limit 1`);
meta.build_files holds the SHA-256 of every raw file the build read, meta.build_tables the row
count of every published table. The history is that of the previous snapshot at the same path.

It grows with every build (22,515 file rows a build at benchmark scale 100), so it is not
copied from the previous snapshot at each publication, which cost 1 s of every publication
after 46 builds: the marts file, which the snapshot starts as a byte copy of, keeps the meta
tables too (dbt leaves schema meta alone). Before the copy, keep_history makes them the
previous snapshot's history (usually they are already: each publication appends its build's
rows to both); only a marts file that lacks some of those builds (a new one, or one last
published elsewhere) has the history copied into it again.
"""

from __future__ import annotations

import json
import secrets
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import duckdb

from dagster_project.publish import figure_changes
from dagster_project.publish.sql_text import literal
from dagster_project.settings import PROJECT_ROOT

META_TABLES = {
    "builds": (
        """
        build_id varchar not null,
        finished_at timestamp not null,
        git_commit varchar,
        dbt_version varchar,
        duckdb_version varchar,
        storage_version varchar
        """,
        ("build_id",),
        "Every build published to this snapshot, newest last by finished_at.",
        {
            "build_id": "Id of the build: finish time (UTC), then 8 random hex digits.",
            "finished_at": "When the build finished (UTC, without time zone).",
            "git_commit": "Git commit of the alcap project that built it (null outside git).",
            "dbt_version": "Version of dbt-core that built the marts.",
            "duckdb_version": "Version of DuckDB that wrote the snapshot.",
            "storage_version": "DuckDB storage format of the snapshot: readers of it or later.",
        },
    ),
    "build_files": (
        """
        build_id varchar not null,
        file varchar not null,
        dataset varchar,
        sha256 varchar,
        status varchar
        """,
        ("build_id", "file"),
        "The SHA-256 of every raw file a build read (path relative to raw/).",
        {
            "build_id": "The build (meta.builds.build_id).",
            "file": "File under raw/.",
            "dataset": "The raw table it loads into (articles for article texts).",
            "sha256": "SHA-256 of the file's bytes when the build read it.",
            "status": (
                "How the load went: loaded, loaded_with_rejections, failed, unlisted;"
                " extracted or unchanged for article texts."
            ),
        },
    ),
    "build_tables": (
        """
        build_id varchar not null,
        table_schema varchar not null,
        table_name varchar not null,
        row_count bigint not null
        """,
        ("build_id", "table_schema", "table_name"),
        "The row count of every table a build published.",
        {
            "build_id": "The build (meta.builds.build_id).",
            "table_schema": "Schema of the published table (marts or raw).",
            "table_name": "Name of the published table.",
            "row_count": "Rows in the table in that build.",
        },
    ),
    "figure_changes": figure_changes.TABLE,
}

# Every raw file, articles included, is in raw.file_loads.
RAW_FILES_SQL = """
select file, dataset, sha256, status from {catalog}.raw.file_loads
"""


@dataclass(frozen=True)
class Build:
    build_id: str
    finished_at: datetime
    git_commit: str | None
    dbt_version: str | None
    duckdb_version: str
    storage_version: str
    table_rows: dict[str, int] = field(default_factory=dict)
    file_hashes: dict[str, str | None] = field(default_factory=dict)
    # How the snapshot's file was made (not recorded): the bytes rewritten in the previous
    # snapshot's file, or None when the marts file was copied to a new one (spare.py).
    file_written: int | None = None


def new_build_id(finished_at: datetime) -> str:
    """Its finish time in UTC to the millisecond, then random digits: ids sort by time even
    when two builds finish within one second (a small publish takes a fraction of one)."""
    milliseconds = f"{finished_at.microsecond // 1000:03d}"
    return finished_at.strftime("%Y%m%dT%H%M%S") + milliseconds + "Z-" + secrets.token_hex(4)


def git_commit(project_root: Path = PROJECT_ROOT) -> str | None:
    """The commit checked out in the project, or None when it is not a git checkout."""
    try:
        result = subprocess.run(
            ["git", "-C", str(project_root), "rev-parse", "--show-toplevel", "HEAD"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    lines = result.stdout.split()
    if result.returncode != 0 or len(lines) != 2:
        return None
    toplevel, commit = lines
    # A project copied inside some other repository is not a checkout of its own.
    return commit if Path(toplevel).resolve() == project_root.resolve() else None


def dbt_version(manifest_path: Path | None) -> str | None:
    """The dbt version that wrote the manifest of this build, else the installed one."""
    if manifest_path is not None and manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        return manifest.get("metadata", {}).get("dbt_version")
    try:
        return metadata.version("dbt-core")
    except metadata.PackageNotFoundError:
        return None


def create_meta_tables(connection: duckdb.DuckDBPyConnection, target: str) -> None:
    """The meta tables, without their keys yet (add_meta_keys, once their rows are in)."""
    connection.execute(f'create schema if not exists "{target}".meta')
    for name, (columns, _, table_comment, column_comments) in META_TABLES.items():
        qualified = f'"{target}".meta.{name}'
        connection.execute(f"create table {qualified} ({columns})")
        connection.execute(f"comment on table {qualified} is {literal(table_comment)}")
        for column, comment in column_comments.items():
            connection.execute(f"comment on column {qualified}.{column} is {literal(comment)}")


def add_meta_keys(connection: duckdb.DuckDBPyConnection, target: str) -> None:
    """The meta tables' primary keys, over the rows already in: inserting the history into keyed
    tables checked each row against the growing index (the 250,000 file rows of eleven builds
    at scale 100: 0.4 s against 0.17 s), and the history grows with every build."""
    for name, (_, key, _, _) in META_TABLES.items():
        connection.execute(f'alter table "{target}".meta.{name} add primary key ({", ".join(key)})')


def _column_names(definition: str) -> list[str]:
    return [line.split()[0] for line in definition.strip().splitlines()]


def _meta_columns(connection: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, list[str]]:
    """The columns of each table in `catalog`'s schema meta, in order."""
    found: dict[str, list[str]] = {}
    for name, column in connection.execute(
        "select table_name, column_name from duckdb_columns()"
        " where database_name = ? and schema_name = 'meta' order by table_name, column_index",
        [catalog],
    ).fetchall():
        found.setdefault(name, []).append(column)
    return found


def _build_ids(connection: duckdb.DuckDBPyConnection, catalog: str) -> set[str]:
    if "builds" not in _meta_columns(connection, catalog):
        return set()
    rows = connection.execute(f'select build_id from "{catalog}".meta.builds').fetchall()
    return {build_id for (build_id,) in rows}


def keep_history(connection: duckdb.DuckDBPyConnection, target: str, previous: Path) -> str:
    """Make the meta tables of the attached `target` hold the history of the snapshot at
    `previous` (none if there is none): as they are when they hold all its builds (the rows of
    any other build, from a publication that failed or went elsewhere, deleted); copied from it
    otherwise, and when their columns are not this code's. Returns "kept" or "copied"."""
    attached = previous.exists()
    if attached:
        connection.execute(f"attach '{previous}' as serving_previous (read_only)")
    try:
        published = _build_ids(connection, "serving_previous") if attached else set()
        expected = {name: _column_names(columns) for name, (columns, *_) in META_TABLES.items()}
        if _meta_columns(connection, target) == expected:
            held = _build_ids(connection, target)
            if published <= held:
                others = sorted(held - published)
                for name in META_TABLES if others else ():
                    connection.execute(
                        f'delete from "{target}".meta.{name} where build_id in'
                        f" (select unnest(?::varchar[]))",
                        [others],
                    )
                return "kept"
        connection.execute(f'drop schema if exists "{target}".meta cascade')
        create_meta_tables(connection, target)
        if attached:
            found = _meta_columns(connection, "serving_previous")
            for name in META_TABLES:
                if name in found:
                    connection.execute(
                        f'insert into "{target}".meta.{name} by name'
                        f" select * from serving_previous.meta.{name}"
                    )
        add_meta_keys(connection, target)
        return "copied"
    finally:
        if attached:
            connection.execute("detach serving_previous")


def append_build(
    connection: duckdb.DuckDBPyConnection, source: str, target: str, build_id: str
) -> None:
    """Add build `build_id`'s rows of every meta table of `source` to those of `target`."""
    for name in META_TABLES:
        connection.execute(
            f'insert into "{target}".meta.{name}'
            f' select * from "{source}".meta.{name} where build_id = ?',
            [build_id],
        )


def record_build(
    connection: duckdb.DuckDBPyConnection,
    *,
    source_catalog: str,
    target: str,
    previous_snapshot: Path,
    manifest_path: Path | None,
    storage_version: str,
) -> Build:
    """Add this build to the meta tables of the snapshot being built, which hold the history
    so far (keep_history, before it was copied from the marts file)."""
    table_rows = {
        f"{schema}.{name}": connection.execute(
            f'select count(*) from "{target}"."{schema}"."{name}"'
        ).fetchone()[0]
        for schema, name in connection.execute(
            "select schema_name, table_name from duckdb_tables()"
            " where database_name = ? and schema_name <> 'meta' order by all",
            [target],
        ).fetchall()
    }
    raw_files_sql = RAW_FILES_SQL.format(catalog=f'"{source_catalog}"')
    raw_files = connection.execute(raw_files_sql).fetchall()
    finished_at = datetime.now(UTC).replace(tzinfo=None)
    build = Build(
        build_id=new_build_id(finished_at),
        finished_at=finished_at,
        git_commit=git_commit(),
        dbt_version=dbt_version(manifest_path),
        duckdb_version=duckdb.__version__,
        storage_version=storage_version,
        table_rows=table_rows,
        file_hashes={file: sha256 for file, _, sha256, _ in raw_files},
    )
    connection.execute(
        f'insert into "{target}".meta.builds'
        " (build_id, finished_at, git_commit, dbt_version, duckdb_version, storage_version)"
        " values (?, ?, ?, ?, ?, ?)",
        [
            build.build_id,
            build.finished_at,
            build.git_commit,
            build.dbt_version,
            build.duckdb_version,
            build.storage_version,
        ],
    )
    # One statement, not one per file: at scale 100 (22,000 files) row by row took a minute.
    connection.execute(
        f'insert into "{target}".meta.build_files select ?, * from ({raw_files_sql})',
        [build.build_id],
    )
    connection.executemany(
        f'insert into "{target}".meta.build_tables values (?, ?, ?, ?)',
        [[build.build_id, *name.split(".", 1), rows] for name, rows in table_rows.items()],
    )
    figure_changes.record_changes(connection, target, previous_snapshot, build.build_id)
    return build


def latest_build(snapshot: Path) -> dict | None:
    """The newest build of a published snapshot as a dict, or None if there is none yet."""
    if not snapshot.exists():
        return None
    with duckdb.connect(str(snapshot), read_only=True) as connection:
        return newest_build(connection)


def newest_build(connection: duckdb.DuckDBPyConnection) -> dict | None:
    """The newest row of meta.builds in the connection's current database as a dict; None
    when it has no builds (or, an older snapshot, no meta.builds)."""
    # fetchall, not fetchone: DuckDB keeps an unfinished result open until it is read out, and
    # refuses the connection's next streamed query (the Postgres copy's Arrow reads) meanwhile.
    ((has_builds,),) = connection.execute(
        "select count(*) from duckdb_tables() where database_name = current_database()"
        " and schema_name = 'meta' and table_name = 'builds'"
    ).fetchall()
    if not has_builds:
        return None
    cursor = connection.execute("select * from meta.builds order by finished_at desc limit 1")
    rows = cursor.fetchall()
    if not rows:
        return None
    return dict(zip([column[0] for column in cursor.description], rows[0], strict=True))
