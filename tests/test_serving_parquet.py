"""Parquet exports: one file per mart, equal to the mart, with a manifest; swapped as a set."""

from __future__ import annotations

import hashlib
import json
import shutil

import duckdb

from dagster_project.publish.builds import latest_build
from dagster_project.publish.parquet import export_parquet
from dagster_project.publish.snapshot import publish_snapshot
from dagster_project.settings import PROJECT_ROOT

MANIFEST = PROJECT_ROOT / "dbt" / "target" / "manifest.json"


def test_every_mart_is_exported_and_reads_back_equal(refreshed):
    snapshot = refreshed / "serving" / "alcap.duckdb"
    folder = refreshed / "serving" / "parquet"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["build_id"] == latest_build(snapshot)["build_id"]
    with duckdb.connect(str(snapshot), read_only=True) as connection:
        marts = {
            name
            for (name,) in connection.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts'"
            ).fetchall()
        }
        assert set(manifest["marts"]) == marts
        assert {path.name for path in folder.iterdir()} == {f"{name}.parquet" for name in marts} | {
            "manifest.json"
        }
        for name in marts:
            path = folder / f"{name}.parquet"
            entry = manifest["marts"][name]
            assert entry["file"] == path.name
            assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
            parquet = f"read_parquet('{path}')"
            assert (
                connection.execute(f"select count(*) from {parquet}").fetchone()[0] == entry["rows"]
            )
            assert (
                entry["rows"]
                == connection.execute(f"select count(*) from marts.{name}").fetchone()[0]
            )
            # Same columns and types, and the same rows both ways.
            assert [
                row[:2]
                for row in connection.execute(f"describe select * from {parquet}").fetchall()
            ] == [row[:2] for row in connection.execute(f"describe marts.{name}").fetchall()]
            for left, right in ((parquet, f"marts.{name}"), (f"marts.{name}", parquet)):
                assert (
                    connection.execute(
                        f"select count(*) from (select * from {left} except all select * from {right})"
                    ).fetchone()[0]
                    == 0
                ), name
    assert manifest["marts"]["fct_cluster_output_value"]["rows"] > 0


def test_a_new_export_swaps_the_whole_set(refreshed, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(refreshed, home, ignore=shutil.ignore_patterns("dagster_home"), symlinks=True)
    snapshot, link = home / "serving" / "alcap.duckdb", home / "serving" / "parquet"
    first = json.loads((link / "manifest.json").read_text())["build_id"]
    held = link.resolve()  # a reader that resolved the link before the next export

    builds = [first]
    for _ in range(2):
        builds.append(
            publish_snapshot(
                home / "warehouse.duckdb", home / "alcap_marts.duckdb", snapshot, MANIFEST
            ).build_id
        )
        manifest = export_parquet(snapshot, link)
        assert manifest["build_id"] == builds[-1]
        assert json.loads((link / "manifest.json").read_text())["build_id"] == builds[-1]
        assert link.is_symlink() and link.resolve().name == builds[-1]
        if len(builds) == 2:
            # The set a reader is in stays whole until the export after next.
            assert json.loads((held / "manifest.json").read_text())["build_id"] == first
            assert len(list(held.glob("*.parquet"))) == len(manifest["marts"])
    # Only the newest set and the one before it are kept.
    assert sorted(path.name for path in (home / "serving" / "parquet_builds").iterdir()) == sorted(
        builds[1:]
    )
