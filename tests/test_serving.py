"""The serving snapshot as a BI user sees it: only marts, two audit tables and meta; the dbt
descriptions as comments; primary keys; plain UTC timestamps; the build history in meta.

Reads the session's one refresh of the shipped raw/ (conftest's `refreshed`); tests that
publish again work on a copy of it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project.publish.builds import latest_build
from dagster_project.publish.snapshot import publish_snapshot
from dagster_project.settings import PROJECT_ROOT

MANIFEST = PROJECT_ROOT / "dbt" / "target" / "manifest.json"
MARTS = {
    "fct_claims",
    "fct_claim_review_queue",
    "fct_cluster_output_value",
    "fct_market_share",
    "fct_value_added_ladder",
    "dim_sources",
    "dim_companies",
    "dim_chain_stages",
    "dim_metrics",
}


@pytest.fixture(scope="module")
def snapshot(refreshed):
    with duckdb.connect(str(refreshed / "serving" / "alcap.duckdb"), read_only=True) as database:
        yield database


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def mart_models(manifest: dict) -> dict[str, dict]:
    return {
        node["alias"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "marts"
    }


def tables(connection, where: str = "true") -> set[str]:
    return {
        f"{schema}.{name}"
        for schema, name in connection.execute(
            f"select schema_name, table_name from duckdb_tables() where {where}"
        ).fetchall()
    }


def test_snapshot_holds_only_marts_audit_tables_and_meta(snapshot):
    assert tables(snapshot) == (
        {f"marts.{name}" for name in MARTS}
        | {"raw.rejected_rows", "raw.file_loads"}
        | {"meta.builds", "meta.build_files", "meta.build_tables", "meta.figure_changes"}
    )
    assert snapshot.execute(
        "select count(*) from duckdb_views() where not internal"
    ).fetchone() == (0,)
    assert snapshot.execute("select current_database()").fetchone() == ("alcap",)


def test_marts_are_equal_to_the_marts_dbt_built(refreshed):
    """The snapshot is a faithful copy: every row of every mart, both ways."""
    with duckdb.connect() as database:  # its own instance: the attachments stay here
        database.execute(f"attach '{refreshed / 'serving' / 'alcap.duckdb'}' (read_only)")
        database.execute(f"attach '{refreshed / 'alcap_marts.duckdb'}' (read_only)")
        for name in MARTS:
            for left, right in (("alcap", "alcap_marts"), ("alcap_marts", "alcap")):
                difference = database.execute(
                    f"select count(*) from (select * from {left}.marts.{name}"
                    f" except all select * from {right}.marts.{name})"
                ).fetchone()[0]
                assert difference == 0, f"marts.{name}: {left} has rows {right} lacks"


def test_tables_and_columns_carry_the_dbt_descriptions(snapshot, manifest):
    models = mart_models(manifest)
    assert set(models) == MARTS
    for name, model in models.items():
        (comment,) = snapshot.execute(
            "select comment from duckdb_tables() where schema_name = 'marts' and table_name = ?",
            [name],
        ).fetchone()
        assert comment == model["description"], name
        comments = dict(
            snapshot.execute(
                "select column_name, comment from duckdb_columns()"
                " where schema_name = 'marts' and table_name = ?",
                [name],
            ).fetchall()
        )
        assert set(comments) == set(model["columns"]), name
        for column, described in model["columns"].items():
            assert comments[column] == described["description"], f"{name}.{column}"
    # The raw audit tables and meta are described too (raw from dbt's source descriptions).
    source = manifest["sources"]["source.alcap.raw.file_loads"]
    assert (
        snapshot.execute(
            "select comment from duckdb_columns()"
            " where table_name = 'file_loads' and column_name = 'sha256'"
        ).fetchone()[0]
        == source["columns"]["sha256"]["description"]
    )
    undescribed = snapshot.execute(
        "select schema_name || '.' || table_name || '.' || column_name from duckdb_columns()"
        " where database_name = 'alcap' and coalesce(comment, '') = ''"
    ).fetchall()
    assert undescribed == []


def declared_key(model: dict) -> list[str]:
    """A mart's key as dbt declares it: in its contract (a column's constraints or the model's),
    or in meta.primary_key when a post-hook adds it after the rows (macros/add_primary_key.sql)."""
    columns = [
        column
        for column, described in model["columns"].items()
        if any(c["type"] == "primary_key" for c in described["constraints"])
    ]
    if columns:
        return columns
    for constraint in model["constraints"]:
        if constraint["type"] == "primary_key":
            return constraint["columns"]
    return model["config"]["meta"].get("primary_key", [])


def test_marts_have_primary_keys_on_their_grain(snapshot, manifest):
    keys = {
        name: list(columns)
        for name, columns in snapshot.execute(
            "select table_name, constraint_column_names from duckdb_constraints()"
            " where schema_name = 'marts' and constraint_type = 'PRIMARY KEY'"
        ).fetchall()
    }
    assert set(keys) == MARTS
    assert keys["fct_cluster_output_value"] == ["cluster_id", "year"]
    for name, model in mart_models(manifest).items():
        assert keys[name] == declared_key(model), name
    file_key = snapshot.execute(
        "select constraint_column_names from duckdb_constraints()"
        " where table_name = 'file_loads' and constraint_type = 'PRIMARY KEY'"
    ).fetchone()
    assert file_key == (["file"],)


def test_timestamps_are_plain_utc(refreshed, snapshot):
    """No TIMESTAMP WITH TIME ZONE (old clients would need pytz); the instant is kept in UTC."""
    assert (
        snapshot.execute(
            "select count(*) from duckdb_columns() where data_type like '%WITH TIME ZONE%'"
            " and schema_name in ('marts', 'raw', 'meta')"
        ).fetchone()[0]
        == 0
    )
    (comment,) = snapshot.execute(
        "select comment from duckdb_columns() where column_name = 'loaded_at'"
    ).fetchone()
    assert "UTC" in comment
    published = dict(snapshot.execute("select file, loaded_at from raw.file_loads").fetchall())
    with duckdb.connect(str(refreshed / "warehouse.duckdb"), read_only=True) as warehouse:
        instants = dict(
            warehouse.execute("select file, epoch_us(loaded_at) from raw.file_loads").fetchall()
        )
    assert {file: epoch(value) for file, value in published.items()} == instants


def epoch(naive_utc: datetime) -> int:
    """Microseconds since 1970 of a timestamp that is UTC without saying so."""
    stamp = naive_utc.replace(tzinfo=UTC)
    return int(stamp.timestamp()) * 1_000_000 + stamp.microsecond


def test_the_build_is_recorded_with_its_provenance(refreshed, snapshot):
    ((build_id, git_commit, dbt_version, duckdb_version),) = snapshot.execute(
        "select build_id, git_commit, dbt_version, duckdb_version from meta.builds"
    ).fetchall()
    assert latest_build(refreshed / "serving" / "alcap.duckdb")["build_id"] == build_id
    head = subprocess.run(
        ["git", "-C", str(PROJECT_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    assert git_commit == head
    assert dbt_version == json.loads(MANIFEST.read_text())["metadata"]["dbt_version"]
    assert duckdb_version == duckdb.__version__

    # The SHA-256 of every raw file the refresh read, equal to the files' bytes.
    raw = refreshed.parent / "raw"
    hashes = dict(
        snapshot.execute(
            "select file, sha256 from meta.build_files where build_id = ?", [build_id]
        ).fetchall()
    )
    on_disk = {
        path.relative_to(raw).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in raw.rglob("*")
        if path.is_file() and path.name != "README.md"
    }
    assert hashes == on_disk

    # The row count of every published table.
    counts = snapshot.execute(
        "select table_schema, table_name, row_count from meta.build_tables where build_id = ?",
        [build_id],
    ).fetchall()
    assert {f"{schema}.{name}" for schema, name, _ in counts} == tables(
        snapshot, "schema_name <> 'meta'"
    )
    for schema, name, row_count in counts:
        assert snapshot.execute(f"select count(*) from {schema}.{name}").fetchone()[0] == row_count


def test_dagster_records_the_same_build_id(refreshed, snapshot):
    instance = dg.DagsterInstance.from_config(str(refreshed / "dagster_home"))
    for asset in (["serving", "snapshot"], ["serving", "parquet"]):
        event = instance.get_latest_materialization_event(dg.AssetKey(asset))
        recorded = event.asset_materialization.metadata["build_id"].value
        assert recorded == latest_build(refreshed / "serving" / "alcap.duckdb")["build_id"]


@pytest.fixture
def home_copy(refreshed, tmp_path) -> Path:
    home = tmp_path / "home"
    shutil.copytree(refreshed, home, ignore=shutil.ignore_patterns("dagster_home"), symlinks=True)
    return home


def test_history_is_kept_and_readers_keep_their_build(home_copy):
    snapshot = home_copy / "serving" / "alcap.duckdb"
    first = latest_build(snapshot)["build_id"]
    with duckdb.connect(str(snapshot), read_only=True) as open_before:
        second = publish_snapshot(
            home_copy / "warehouse.duckdb", home_copy / "alcap_marts.duckdb", snapshot, MANIFEST
        )
        third = publish_snapshot(
            home_copy / "warehouse.duckdb", home_copy / "alcap_marts.duckdb", snapshot, MANIFEST
        )
        # A connection opened before the swap still reads the build it opened.
        assert open_before.execute("select build_id from meta.builds").fetchall() == [(first,)]
    assert len({first, second.build_id, third.build_id}) == 3
    with duckdb.connect(str(snapshot), read_only=True) as database:
        history = database.execute(
            "select build_id from meta.builds order by finished_at"
        ).fetchall()
        assert history == [(first,), (second.build_id,), (third.build_id,)]
        # The marts file holds the same history, so the next publication copies none of it
        # (publish/builds.py: keep_history finds it there).
        database.execute(f"attach '{home_copy / 'alcap_marts.duckdb'}' as built (read_only)")
        kept = database.execute(
            "select build_id from built.meta.builds order by finished_at"
        ).fetchall()
        assert kept == history
        assert (
            database.execute("select count(*) from built.meta.build_files").fetchone()
            == database.execute("select count(*) from meta.build_files").fetchone()
        )
        database.execute("detach built")
        files_per_build = database.execute(
            "select count(distinct file) from meta.build_files group by build_id"
        ).fetchall()
        assert len(files_per_build) == 3 and len(set(files_per_build)) == 1
    assert latest_build(snapshot)["build_id"] == third.build_id
    assert sorted([first, second.build_id, third.build_id]) == [
        first,
        second.build_id,
        third.build_id,
    ], "build ids sort by time"
    assert not list(snapshot.parent.glob("*.building*"))


def test_a_failed_publication_leaves_the_previous_snapshot(home_copy):
    snapshot = home_copy / "serving" / "alcap.duckdb"
    before = snapshot.read_bytes()
    with duckdb.connect(str(home_copy / "warehouse.duckdb")) as warehouse:
        warehouse.execute("drop table raw.file_loads")
    with pytest.raises(duckdb.Error):
        publish_snapshot(
            home_copy / "warehouse.duckdb", home_copy / "alcap_marts.duckdb", snapshot, MANIFEST
        )
    assert snapshot.read_bytes() == before
    assert not list(snapshot.parent.glob("*.building*")), "the half-built file is removed"
