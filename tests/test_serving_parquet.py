"""Parquet exports: a folder of parts per mart, equal to the mart, with a manifest; swapped as a
set; a part whose rows did not change keeps its file."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import duckdb

from dagster_project.marts_file import attach_marts
from dagster_project.publish import fingerprints
from dagster_project.publish.builds import latest_build
from dagster_project.publish.parquet import export_parquet
from dagster_project.publish.snapshot import publish_snapshot
from dagster_project.settings import MARTS_CATALOG, PROJECT_ROOT

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
        assert {path.name for path in folder.iterdir()} == marts | {"manifest.json"}
        for name in marts:
            entry = manifest["marts"][name]
            assert entry["folder"] == name
            assert {path.name for path in (folder / name).iterdir()} == {
                Path(part["file"]).name for part in entry["parts"]
            }
            for part in entry["parts"]:
                path = folder / part["file"]
                assert path.parent == folder / name
                assert part["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
                assert connection.execute(
                    f"select count(*) from read_parquet('{path}')"
                ).fetchone() == (part["rows"],)
            parquet = f"read_parquet('{folder / name}/*.parquet')"
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
            assert len(list(held.glob("*/*.parquet"))) == len(manifest["marts"])
    # Only the newest set and the one before it are kept.
    assert sorted(path.name for path in (home / "serving" / "parquet_builds").iterdir()) == sorted(
        builds[1:]
    )


def test_only_the_parts_whose_rows_changed_are_written_again(refreshed, tmp_path, monkeypatch):
    """In parts of 16 rows: a claim replaced in the marts file (deleted, then inserted changed,
    as dbt's incremental fct_claims does) makes the next export write the part that held it and
    the part it was appended to; every other part is the previous set's file, hard-linked."""
    monkeypatch.setattr(fingerprints, "PART_ROWS", 16)
    home = tmp_path / "home"
    shutil.copytree(refreshed, home, ignore=shutil.ignore_patterns("dagster_home"), symlinks=True)
    snapshot, link = home / "serving" / "alcap.duckdb", home / "serving" / "parquet"
    marts = home / "alcap_marts.duckdb"

    def publish() -> tuple[dict, Path]:
        publish_snapshot(home / "warehouse.duckdb", marts, snapshot, MANIFEST)
        return export_parquet(snapshot, link), link.resolve()

    first, first_set = publish()
    assert len(first["marts"]["fct_claims"]["parts"]) >= 4
    with duckdb.connect() as connection:
        attach_marts(connection, marts)
        table = f"{MARTS_CATALOG}.marts.fct_claims"
        old_rowid, claim_id = connection.execute(
            f"select rowid, claim_id from {table} where rowid between 16 and 31 limit 1"
        ).fetchone()
        connection.execute(
            f"create temp table replaced as from {table} where claim_id = ?", [claim_id]
        )
        connection.execute(f"delete from {table} where claim_id = ?", [claim_id])
        connection.execute(
            f"insert into {table} select * replace"
            " (coalesce(location_note, '') || ' (edited)' as location_note) from replaced"
        )
        (new_rowid,) = connection.execute(
            f"select rowid from {table} where claim_id = ?", [claim_id]
        ).fetchone()
    second, second_set = publish()

    def inode(path: Path) -> int | None:
        return path.stat().st_ino if path.exists() else None

    written = {
        part["file"]
        for part in second["marts"]["fct_claims"]["parts"]
        if inode(second_set / part["file"]) != inode(first_set / part["file"])
    }
    assert old_rowid // 16 != new_rowid // 16  # two parts changed, not one
    assert written == {
        f"fct_claims/part-{rowid // 16:05d}.parquet" for rowid in (old_rowid, new_rowid)
    }
    unchanged = [name for name in second["marts"] if name != "fct_claims"]
    assert all(
        inode(second_set / part["file"]) == inode(first_set / part["file"])
        for name in unchanged
        for part in second["marts"][name]["parts"]
    )
    with duckdb.connect(str(snapshot), read_only=True) as connection:
        parquet = f"read_parquet('{second_set / 'fct_claims'}/*.parquet')"
        for left, right in ((parquet, "marts.fct_claims"), ("marts.fct_claims", parquet)):
            assert connection.execute(
                f"select count(*) from (from {left} except all from {right})"
            ).fetchone() == (0,)
        assert (
            connection.execute(
                f"select location_note from {parquet} where claim_id = ?", [claim_id]
            )
            .fetchone()[0]
            .endswith(" (edited)")
        )

    # Without the saved fingerprints the export measures the parts itself, and alike: every
    # part of the same build is the file it already had.
    files = {
        part["file"]: inode(second_set / part["file"])
        for mart in second["marts"].values()
        for part in mart["parts"]
    }
    fingerprints.state_path(snapshot).unlink()
    third = export_parquet(snapshot, link)
    assert third["marts"] == second["marts"]
    assert {file: inode(link.resolve() / file) for file in files} == files
