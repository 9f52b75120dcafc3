"""The build history kept in the marts file (publish/builds.py: keep_history, append_build): it
becomes the previous snapshot's history before each publication, copied only when it must be."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from dagster_project.publish import builds


def _add_build(connection: duckdb.DuckDBPyConnection, catalog: str, build_id: str) -> None:
    connection.execute(
        f'insert into "{catalog}".meta.builds (build_id, finished_at) values (?, ?)',
        [build_id, datetime(2026, 12, 1, int(build_id[-1]))],
    )
    connection.execute(
        f'insert into "{catalog}".meta.build_files values (?, ?, ?, ?, ?)',
        [build_id, "statistics/a.csv", "point_statistics", f"sha-{build_id}", "loaded"],
    )
    connection.execute(
        f'insert into "{catalog}".meta.build_tables values (?, ?, ?, ?)',
        [build_id, "marts", "fct_claims", 3],
    )


def _snapshot(path: Path, build_ids: list[str]) -> Path:
    with duckdb.connect(str(path)) as connection:
        catalog = connection.execute("select current_database()").fetchone()[0]
        builds.create_meta_tables(connection, catalog)
        for build_id in build_ids:
            _add_build(connection, catalog, build_id)
        builds.add_meta_keys(connection, catalog)
    return path


def _history(connection: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, list]:
    return {
        name: connection.execute(
            f'select build_id from "{catalog}".meta.{name} order by all'
        ).fetchall()
        for name in ("builds", "build_files", "build_tables")
    }


@pytest.fixture
def marts(tmp_path):
    with duckdb.connect() as connection:
        connection.execute(f"attach '{tmp_path / 'marts.duckdb'}' as marts_file")
        yield connection


def test_a_marts_file_without_history_gets_the_snapshots(marts, tmp_path):
    snapshot = _snapshot(tmp_path / "alcap.duckdb", ["build-1", "build-2"])
    assert builds.keep_history(marts, "marts_file", snapshot) == "copied"
    assert _history(marts, "marts_file")["builds"] == [("build-1",), ("build-2",)]
    assert _history(marts, "marts_file")["build_files"] == [("build-1",), ("build-2",)]
    keys = marts.execute(
        "select table_name from duckdb_constraints() where database_name = 'marts_file'"
        " and constraint_type = 'PRIMARY KEY' order by 1"
    ).fetchall()
    assert [name for (name,) in keys] == sorted(builds.META_TABLES)


def test_the_history_kept_is_not_copied_and_a_build_never_published_goes(marts, tmp_path):
    snapshot = _snapshot(tmp_path / "alcap.duckdb", ["build-1", "build-2"])
    builds.keep_history(marts, "marts_file", snapshot)
    # a publication that recorded build-3 in the marts file, then failed before its rename
    _add_build(marts, "marts_file", "build-3")
    # a mark the snapshot does not have: a copy from it would not keep it
    marts.execute(
        "update marts_file.meta.build_tables set row_count = 7 where build_id = 'build-1'"
    )
    assert builds.keep_history(marts, "marts_file", snapshot) == "kept"
    assert _history(marts, "marts_file") == {
        name: [("build-1",), ("build-2",)] for name in ("builds", "build_files", "build_tables")
    }
    assert marts.execute(
        "select row_count from marts_file.meta.build_tables where build_id = 'build-1'"
    ).fetchall() == [(7,)]


def test_a_marts_file_missing_a_published_build_or_with_other_columns_is_copied_anew(
    marts, tmp_path
):
    snapshot = _snapshot(tmp_path / "alcap.duckdb", ["build-1", "build-2"])
    _snapshot(tmp_path / "older.duckdb", ["build-1"])
    builds.keep_history(marts, "marts_file", tmp_path / "older.duckdb")
    assert builds.keep_history(marts, "marts_file", snapshot) == "copied"
    assert _history(marts, "marts_file")["builds"] == [("build-1",), ("build-2",)]

    marts.execute("alter table marts_file.meta.build_tables add column note varchar")
    assert builds.keep_history(marts, "marts_file", snapshot) == "copied"
    columns = marts.execute(
        "select column_name from duckdb_columns() where database_name = 'marts_file'"
        " and table_name = 'build_tables'"
    ).fetchall()
    assert ("note",) not in columns


def test_publishing_where_no_snapshot_is_leaves_no_history(marts, tmp_path):
    snapshot = _snapshot(tmp_path / "alcap.duckdb", ["build-1"])
    builds.keep_history(marts, "marts_file", snapshot)
    assert builds.keep_history(marts, "marts_file", tmp_path / "elsewhere.duckdb") == "kept"
    assert _history(marts, "marts_file")["builds"] == []


def test_a_build_is_appended_with_its_rows_of_every_table(marts, tmp_path):
    snapshot = _snapshot(tmp_path / "alcap.duckdb", ["build-1"])
    builds.keep_history(marts, "marts_file", snapshot)
    marts.execute(f"attach '{tmp_path / 'building.duckdb'}' as building")
    builds.create_meta_tables(marts, "building")
    _add_build(marts, "building", "build-1")  # the history, as the byte copy brings it
    _add_build(marts, "building", "build-2")
    builds.append_build(marts, "building", "marts_file", "build-2")
    assert _history(marts, "marts_file") == _history(marts, "building")
