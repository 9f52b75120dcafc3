"""Publishing only what changed: the new snapshot starts as a copy of the previous one and only
the partitions whose rows changed are replaced (dagster_project/publish/fingerprints.py). It
must equal, table for table, a snapshot published in full from the same warehouse; whatever
cannot be shown unchanged is published in full.

Real DuckDB files: copies of the session's refresh of the shipped raw/, whose warehouse the
tests edit directly. A refresh after one edited raw file is checked in test_build_status.py, on
the refresh that module already runs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import assert_same_snapshot

from dagster_project.publish import fingerprints
from dagster_project.publish.builds import latest_build
from dagster_project.publish.parquet import export_parquet
from dagster_project.publish.snapshot import publish_snapshot
from dagster_project.settings import PROJECT_ROOT

MANIFEST = PROJECT_ROOT / "dbt" / "target" / "manifest.json"


def publish_in_full(warehouse: Path, folder: Path) -> Path:
    """A snapshot of the same warehouse with no previous snapshot: every table copied."""
    snapshot = folder / "alcap.duckdb"
    build = publish_snapshot(warehouse, snapshot, MANIFEST)
    assert build.previous_build_id is None and build.publication.startswith("full")
    return snapshot


@pytest.fixture
def home(refreshed, tmp_path) -> Path:
    """A copy of the session's home (its runs left out)."""
    copy = tmp_path / "home"
    shutil.copytree(refreshed, copy, ignore=shutil.ignore_patterns("dagster_home"), symlinks=True)
    return copy


def test_changed_added_and_removed_partitions_are_replaced(home, tmp_path):
    warehouse, snapshot = home / "warehouse.duckdb", home / "serving" / "alcap.duckdb"
    first = latest_build(snapshot)["build_id"]
    with duckdb.connect(str(warehouse)) as connection:
        # One claim edited (its file's partition of fct_claims), one file's rejected rows gone,
        # one file load added (a new partition of raw.file_loads).
        connection.execute(
            "update marts.fct_claims set location_note = 'edited by the test'"
            " where claim_id = (select min(claim_id) from marts.fct_claims)"
        )
        connection.execute(
            "delete from raw.rejected_rows where file = (select min(file) from raw.rejected_rows)"
        )
        connection.execute(
            "insert into raw.file_loads by name select 'claims/added_by_the_test.csv' as file,"
            " * exclude (file) from raw.file_loads limit 1"
        )
    build = publish_snapshot(warehouse, snapshot, MANIFEST)
    assert build.previous_build_id == first, build.publication
    assert build.publication.endswith(
        ": updated marts.fct_claims, raw.file_loads, raw.rejected_rows"
    ), build.publication
    assert_same_snapshot(snapshot, publish_in_full(warehouse, tmp_path / "in_full"))
    with duckdb.connect(str(snapshot), read_only=True) as connection:
        assert connection.execute(
            "select count(*) from marts.fct_claims where location_note = 'edited by the test'"
        ).fetchone() == (1,)
        # The counts recorded for the build are those of the tables as published.
        for schema, name, rows in connection.execute(
            "select table_schema, table_name, row_count from meta.build_tables where build_id = ?",
            [build.build_id],
        ).fetchall():
            assert connection.execute(f"select count(*) from {schema}.{name}").fetchone() == (rows,)
    # Nothing changed since: the copy is published as it is, with a new build recorded.
    again = publish_snapshot(warehouse, snapshot, MANIFEST)
    assert again.publication.endswith(": updated nothing"), again.publication
    assert latest_build(snapshot)["build_id"] == again.build_id


def test_what_cannot_be_shown_unchanged_is_published_in_full(home, tmp_path):
    warehouse, snapshot = home / "warehouse.duckdb", home / "serving" / "alcap.duckdb"
    first = latest_build(snapshot)["build_id"]

    # A table whose definition changed (its comment) is copied whole into the copy.
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("comment on table marts.dim_metrics is 'Edited by the test.'")
        connection.execute(
            "update marts.dim_chain_stages set stage_name = stage_name || ' (edited)'"
            " where stage_order = 1"
        )
    second = publish_snapshot(warehouse, snapshot, MANIFEST)
    assert second.previous_build_id == first, second.publication
    assert_same_snapshot(snapshot, publish_in_full(warehouse, tmp_path / "after_edit"))

    # A snapshot changed after it was published is not what its fingerprints say: not reused.
    with duckdb.connect(str(snapshot)) as connection:
        connection.execute("delete from marts.dim_chain_stages where stage_order = 1")
    third = publish_snapshot(warehouse, snapshot, MANIFEST)
    assert third.previous_build_id is None
    assert "not usable" in third.publication, third.publication
    assert_same_snapshot(snapshot, publish_in_full(warehouse, tmp_path / "after_tampering"))
    with duckdb.connect(str(snapshot), read_only=True) as connection:
        history = connection.execute("select build_id from meta.builds order by finished_at")
        assert [build_id for (build_id,) in history.fetchall()][-3:] == [
            first,
            second.build_id,
            third.build_id,
        ]

    # Fingerprints of another build than the one served: not reused either.
    state = fingerprints.state_path(snapshot)
    kept = state.read_bytes()
    fourth = publish_snapshot(warehouse, snapshot, MANIFEST)
    assert fourth.previous_build_id == third.build_id
    state.write_bytes(kept)  # the fingerprints of the third build beside the fourth
    fifth = publish_snapshot(warehouse, snapshot, MANIFEST)
    assert fifth.previous_build_id is None
    assert "not those of the previous snapshot" in fifth.publication, fifth.publication

    # No fingerprints at all (a snapshot from before them): in full; Parquet exported whole.
    state.unlink()
    sixth = publish_snapshot(warehouse, snapshot, MANIFEST)
    assert sixth.previous_build_id is None
    assert_same_snapshot(snapshot, publish_in_full(warehouse, tmp_path / "without_fingerprints"))
    link = home / "serving" / "parquet"
    held = link.resolve()
    state.unlink()
    manifest = export_parquet(snapshot, link)
    for name, entry in manifest["marts"].items():
        assert (link / entry["file"]).stat().st_ino != (held / f"{name}.parquet").stat().st_ino
