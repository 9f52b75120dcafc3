"""What changed between builds (meta.figure_changes) and `alcap status`, on real refreshes.

One copy of the session's refreshed home gets one edited claim and one refresh: the tests share
it. `alcap status` after a failed refresh is checked in test_pipeline.py, on the failed refresh
that test already runs.
"""

from __future__ import annotations

import fcntl
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import LOAD_TIMES, assert_same_snapshot, mart_rows, open_warehouse, run_alcap

from dagster_project.publish.parquet import read_manifest
from dagster_project.publish.snapshot import publish_snapshot
from dagster_project.refresh_lock import refresh_running
from dagster_project.settings import PROJECT_ROOT

EDITED_CLAIM = "stdaily_2019_aluminium_city__19"  # furniture adds 80,000 yuan per tonne
MANIFEST = PROJECT_ROOT / "dbt" / "target" / "manifest.json"
FIGURE_MARTS = ("fct_cluster_output_value", "fct_market_share", "fct_value_added_ladder")


def newest_build(snapshot) -> str:
    with duckdb.connect(str(snapshot), read_only=True) as connection:
        return connection.execute(
            "select build_id from meta.builds order by finished_at desc limit 1"
        ).fetchone()[0]


@pytest.fixture(scope="module")
def edited(refreshed, tmp_path_factory):
    """The shipped build's home and raw/ copied; one claim's value edited; refreshed once."""
    root = tmp_path_factory.mktemp("edited")
    home = shutil.copytree(refreshed, root / "home", symlinks=True)
    raw = shutil.copytree(PROJECT_ROOT / "raw", root / "raw")
    claims = raw / "claims" / "stdaily_2019_aluminium_city.csv"
    text = claims.read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if line.startswith(EDITED_CLAIM + ","))
    claims.write_text(text.replace(line, line.replace('"80,000"', '"90,000"')), "utf-8")
    first_build = newest_build(home / "serving" / "alcap.duckdb")
    result = run_alcap(home, raw, "refresh")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return {"home": home, "raw": raw, "first_build": first_build, "output": result.stdout}


def changes(home, build_id):
    with duckdb.connect(str(home / "serving" / "alcap.duckdb"), read_only=True) as connection:
        cursor = connection.execute(
            "select * exclude (build_id) from meta.figure_changes where build_id = ?"
            " order by mart, figure_key",
            [build_id],
        )
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_the_first_build_lists_every_figure_as_new(edited):
    home = edited["home"]
    listed = changes(home, edited["first_build"])
    assert {row["change_reason"] for row in listed} == {"new"}
    with duckdb.connect(str(home / "serving" / "alcap.duckdb"), read_only=True) as connection:
        (first_build_figures,) = connection.execute(
            "select sum(row_count) from meta.build_tables where build_id = ?"
            f" and table_name in {FIGURE_MARTS}",
            [edited["first_build"]],
        ).fetchone()
    assert len(listed) == first_build_figures > 0
    assert {row["mart"] for row in listed} == set(FIGURE_MARTS)


def test_one_edited_claim_is_the_one_change_a_correction(edited):
    home = edited["home"]
    build_id = newest_build(home / "serving" / "alcap.duckdb")
    assert build_id != edited["first_build"]
    assert changes(home, build_id) == [
        {
            "mart": "fct_value_added_ladder",
            "figure_key": "furniture|stdaily_2019_aluminium_city|2019",
            "change_reason": "correction",
            "value_unit": "CNY/t",
            "previous_value": 80_000.0,
            "new_value": 90_000.0,
            "previous_bound": "exact",
            "new_bound": "exact",
            "previous_source_id": "stdaily_2019_aluminium_city",
            "new_source_id": "stdaily_2019_aluminium_city",
            "previous_claim_id": EDITED_CLAIM,
            "new_claim_id": EDITED_CLAIM,
        }
    ]


def test_the_refreshed_snapshot_equals_a_new_publication_and_parquet_keeps_unchanged_marts(
    edited, tmp_path
):
    """The edited claim's refresh published, from a marts file dbt updated in place, the same
    tables, keys, comments and rows as a publication of the same files into a new place."""
    home = edited["home"]
    snapshot, link = home / "serving" / "alcap.duckdb", home / "serving" / "parquet"
    in_full = tmp_path / "in_full" / "alcap.duckdb"
    publish_snapshot(home / "warehouse.duckdb", home / "alcap_marts.duckdb", in_full, MANIFEST)
    assert_same_snapshot(snapshot, in_full)
    newest = "(select build_id from meta.builds order by finished_at desc limit 1)"
    for table, columns in (
        ("build_tables", "table_schema, table_name, row_count"),
        ("build_files", "file, dataset, sha256, status"),
    ):
        query = f"select {columns} from meta.{table} where build_id = {newest} order by all"
        with (
            duckdb.connect(str(snapshot), read_only=True) as changed,
            duckdb.connect(str(in_full), read_only=True) as full,
        ):
            assert changed.execute(query).fetchall() == full.execute(query).fetchall(), table

    # Parquet: the changed mart is written again, an unchanged one is the previous set's file
    # (hard-linked); every mart (here one part each) reads back equal to its mart.
    manifest = read_manifest(link)
    assert manifest["build_id"] == newest_build(snapshot)
    new_set = link.resolve()
    first_set = new_set.with_name(edited["first_build"])

    def same_file(name: str) -> bool:
        part = f"{name}/part-00000.parquet"
        return (new_set / part).stat().st_ino == (first_set / part).stat().st_ino

    assert not same_file("fct_claims") and not same_file("fct_value_added_ladder")
    assert same_file("dim_chain_stages") and same_file("fct_market_share")
    with duckdb.connect(str(snapshot), read_only=True) as connection:
        for name, entry in manifest["marts"].items():
            parquet = f"read_parquet('{new_set / entry['folder']}/*.parquet')"
            for left, right in ((parquet, f"marts.{name}"), (f"marts.{name}", parquet)):
                assert connection.execute(
                    f"select count(*) from (from {left} except all from {right})"
                ).fetchone() == (0,), name


def dbt_nodes(output: str) -> int:
    return int(re.search(r"^dbt +(\d+)/\1 ", output, re.MULTILINE)[1])


def test_an_incremental_refresh_equals_a_full_rebuild(edited, tmp_path):
    """The edited claim's refresh rebuilt only what depends on its file, and its marts equal,
    row for row, those of a full rebuild of the same raw files in a new home."""
    changed = edited["output"].splitlines()[0]
    selected, total = map(
        int,
        re.search(
            r"rebuilding (\d+) of (\d+) assets \(the claims models: only the changed files. claims\)$",
            changed,
        ).groups(),
    )
    assert changed.startswith("changed  claims/stdaily_2019_aluminium_city.csv: ")
    assert 0 < selected < total
    full = run_alcap(tmp_path / "home", edited["raw"], "refresh")
    assert full.returncode == 0, full.stdout[-3000:] + full.stderr[-3000:]
    assert "changed" not in full.stdout, "a new home has no build to compare with"
    assert dbt_nodes(edited["output"]) < dbt_nodes(full.stdout)
    incremental = mart_rows(edited["home"] / "serving" / "alcap.duckdb")
    assert incremental == mart_rows(tmp_path / "home" / "serving" / "alcap.duckdb")
    assert incremental["fct_value_added_ladder"][1], "the edited figure's mart has rows"
    # Only claims changed, so the claims models updated the edited file's claims and the groups
    # they touch, and kept the other rows: the same rows as the full rebuild's.
    warehouses = [edited["home"] / "warehouse.duckdb", tmp_path / "home" / "warehouse.duckdb"]
    claims = [mart_rows(path, "intermediate", exclude=LOAD_TIMES) for path in warehouses]
    assert {"int_claims_normalised", "int_claims_reconciled"} <= set(claims[0])
    assert claims[0] == claims[1]
    with duckdb.connect(str(warehouses[0]), read_only=True) as connection:
        runs = connection.execute(
            "select count(*) from intermediate.int_claims_reconciled"
            " group by reconciled_in_invocation order by 1"
        ).fetchall()
    assert len(runs) == 2, "the incremental run reconciled some groups, the first build the rest"
    assert runs[0][0] < runs[1][0], runs  # the edited file's groups, not every claim

    # Without the planner's word (here --full), the same tables are rebuilt whole.
    again = shutil.copytree(edited["home"], tmp_path / "again", symlinks=True)
    rebuilt = run_alcap(again, edited["raw"], "refresh", "--full")
    assert rebuilt.returncode == 0, rebuilt.stdout[-3000:] + rebuilt.stderr[-3000:]
    with duckdb.connect(str(again / "warehouse.duckdb"), read_only=True) as connection:
        (invocations,) = connection.execute(
            "select count(distinct reconciled_in_invocation)"
            " from intermediate.int_claims_reconciled"
        ).fetchone()
    assert invocations == 1


def status(home, raw):
    result = run_alcap(home, raw, "status")
    return result.returncode, result.stdout


def mart_line(output: str, mart: str) -> list[str]:
    return next(line.split() for line in output.splitlines() if line.split()[:1] == [mart])


def test_status_of_a_good_build(edited):
    home = edited["home"]
    code, output = status(home, edited["raw"])
    assert code == 0, output
    build_id = newest_build(home / "serving" / "alcap.duckdb")
    assert f"published build: {build_id}, finished " in output
    assert "refresh running now: no" in output
    assert "SUCCESS" in output.splitlines()[3] and "FAILED" not in output
    # mart, rows, rows since previous build, figures changed, checks
    ladder = mart_line(output, "fct_value_added_ladder")
    assert ladder[1:4] == ["9", "+0", "1"] and ladder[5] == "passed"
    assert mart_line(output, "fct_claims")[3] == "-"
    sources = mart_line(output, "dim_sources")
    assert "1 warning (dim_sources_source_is_fresh)" in " ".join(sources)
    # Sources: rows and rejected rows as dim_sources counts them, staleness with its reason.
    exchange = mart_line(output, "fred_exchus")
    assert exchange[1:4] == ["exchange_rates", "427", "0"]
    assert "STALE: latest period 2025-07-01 is older than its monthly cadence" in output
    assert mart_line(output, "iyunhui_nbs_alumina_march")[2:4] == ["0", "1"]
    assert "warnings: 3 stale sources" in output


def test_a_refresh_is_running_while_its_lock_is_held(tmp_path):
    assert refresh_running(tmp_path) is False  # no lock file: none runs
    with (tmp_path / "refresh.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # as a refresh holds it
        assert refresh_running(tmp_path) is True
    assert refresh_running(tmp_path) is False  # the file stays, the lock went with its holder


def test_each_reason_is_read_from_the_two_snapshots(refreshed, tmp_path):
    """Publish the shipped marts twice, with edits in between that stand for each reason."""
    warehouse = shutil.copy(refreshed / "warehouse.duckdb", tmp_path / "warehouse.duckdb")
    marts = shutil.copy(refreshed / "alcap_marts.duckdb", tmp_path / "alcap_marts.duckdb")
    snapshot = tmp_path / "serving" / "alcap.duckdb"
    publish_snapshot(Path(warehouse), Path(marts), snapshot)
    with open_warehouse(tmp_path, read_only=False) as connection:
        (rejected_file, rejected_line), *_ = connection.execute(
            "select file, line from raw.rejected_rows order by file, line"
        ).fetchall()
        copy_claim = (
            "insert into marts.fct_claims select * replace (? as claim_id, ? as source_id,"
            " ? as file, ? as line) from marts.fct_claims where claim_id = ?"
        )
        template = "hkcd_binzhou_2024_cluster_revenue__01"
        connection.execute(copy_claim, ["zz__fixed", template.rsplit("__", 1)[0],
                                        rejected_file, rejected_line, template])  # fmt: skip
        connection.execute(copy_claim, ["zz__elsewhere", "zz_new_source", "x.csv", 2, template])
        connection.executemany(
            "update marts.fct_cluster_output_value set reported_claim_id = ?, source_id = ?"
            " where cluster_id = 'binzhou_aluminium_cluster' and year = ?",
            [
                ["zz__fixed", "hkcd_binzhou_2024_cluster_revenue", 2024],
                ["zz__elsewhere", "zz_new_source", 2018],
            ],
        )
        # The Dazhong Daily (A-) claim now reported where the Science and Technology Daily's
        # (B+) was: a higher trust grade.
        connection.execute(
            "update marts.fct_market_share set share_claim_id = 'dazhong_2019_aluminium_valley__01',"
            " source_id = 'dazhong_2019_aluminium_valley' where market_share_id like 'yuhang%'"
        )
        connection.execute("delete from marts.fct_cluster_output_value where year = 2021")
        connection.execute(
            "update marts.fct_value_added_ladder set value_added_cny_per_tonne = 0.5"
            " where ladder_row_id = 'molten_metal_ingot|fred_palumusdm|2019'"
        )
    build = publish_snapshot(Path(warehouse), Path(marts), snapshot)
    reasons = {
        (row["mart"], row["figure_key"].split("|")[0], row["change_reason"])
        for row in changes(tmp_path, build.build_id)
    }
    assert reasons == {
        ("fct_cluster_output_value", "binzhou_aluminium_cluster", "rejected_row_fixed"),
        ("fct_cluster_output_value", "binzhou_aluminium_cluster", "new_source"),
        ("fct_cluster_output_value", "binzhou_textile_cluster", "removed"),
        ("fct_market_share", "yuhang_special_alloy", "higher_trust"),
        ("fct_value_added_ladder", "molten_metal_ingot", "recomputed"),
    }
