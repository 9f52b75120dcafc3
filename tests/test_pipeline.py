"""The whole pipeline through its public surface: `alcap refresh` (Dagster) into a temp home.

One refresh of the shipped raw/ data is materialised once per test session (conftest.py's
`refreshed`, shared with the serving, Postgres and report tests); the tests then read the
published snapshot the way a BI user or analyst would.
"""

from __future__ import annotations

import io
import os
import shutil

import duckdb
import pytest
from conftest import run_alcap

from dagster_project.publish.builds import latest_build
from dagster_project.settings import PROJECT_ROOT


@pytest.fixture(scope="session")
def snapshot(refreshed):
    with duckdb.connect(str(refreshed / "serving" / "alcap.duckdb"), read_only=True) as database:
        yield database


def rows(snapshot, sql, parameters=()):
    return snapshot.execute(sql, list(parameters)).fetchall()


def test_refresh_builds_every_mart_and_keeps_run_history(refreshed, snapshot):
    marts = {
        name
        for (name,) in rows(
            snapshot,
            "select table_name from information_schema.tables where table_schema = 'marts'",
        )
    }
    assert {
        "fct_claims",
        "fct_cluster_output_value",
        "fct_market_share",
        "fct_value_added_ladder",
        "dim_sources",
        "dim_companies",
        "dim_chain_stages",
        "dim_metrics",
    } <= marts
    assert any((refreshed / "dagster_home").iterdir()), "run history is persisted in DAGSTER_HOME"


def test_counts_reconcile_for_every_file(snapshot):
    assert (
        rows(
            snapshot,
            "select file from raw.file_loads where rows_read <> rows_loaded + rows_rejected",
        )
        == []
    )
    loaded = rows(
        snapshot,
        "select sum(rows_loaded) from raw.file_loads where dataset in ('article_claims', 'point_statistics')",
    )[0][0]
    claims = rows(snapshot, "select count(*) from marts.fct_claims")[0][0]
    assert claims == loaded, "every loaded claim reaches fct_claims"


def test_every_mart_row_carries_a_source_id(snapshot):
    for (table,) in rows(
        snapshot,
        "select table_name from information_schema.tables where table_schema = 'marts' and table_name like 'fct_%'",
    ):
        columns = [
            c
            for (c,) in rows(
                snapshot,
                "select column_name from information_schema.columns where table_schema = 'marts' and table_name = ? and column_name like '%source_id%'",
                [table],
            )
        ]
        assert columns, f"marts.{table} has no source id column"
        missing = rows(snapshot, f"select count(*) from marts.{table} where {columns[0]} is null")[
            0
        ][0]
        assert missing == 0, f"marts.{table}: {missing} rows without {columns[0]}"


def test_2018_output_value_is_330_billion_with_conflicting_claims(snapshot):
    ((value, low, high, claims_count),) = rows(
        snapshot,
        "select output_value_cny, output_value_low_cny, output_value_high_cny, claims_count"
        " from marts.fct_cluster_output_value where year = 2018",
    )
    assert value == pytest.approx(330e9)
    assert claims_count >= 3 and low <= 100e9 and high >= 330e9


def test_growth_2018_to_2024(snapshot):
    ((value, previous_year, cagr),) = rows(
        snapshot,
        "select output_value_cny, previous_year, cagr_since_previous_year"
        " from marts.fct_cluster_output_value where year = 2024",
    )
    assert value == pytest.approx(471.1e9)
    assert previous_year == 2018
    assert cagr == pytest.approx((471.1 / 330) ** (1 / 6) - 1, rel=1e-3)


def test_yuhang_conductor_rail_share_is_at_least_sixty_percent(snapshot):
    found = rows(
        snapshot,
        "select share_low, share_high, row_origin from marts.fct_market_share"
        " where entity_id like '%yuhang%' and market_scope = 'domestic'",
    )
    assert (0.60, 1.0, "claimed") in [(round(low, 4), high, origin) for low, high, origin in found]


def test_china_share_of_world_output_for_each_year_with_data(snapshot):
    shares = dict(
        rows(
            snapshot,
            "select year, share_reported from marts.fct_market_share"
            " where entity_id = 'china' and market_scope = 'world' and row_origin = 'computed'"
            " and product like '%aluminium%'",
        )
    )
    assert set(range(1990, 2016)) <= set(shares)
    assert 0.05 < shares[1990] < 0.07  # 854 / 15,367 kt
    assert shares[2015] > 0.5
    assert 2024 in shares and shares[2024] == pytest.approx(43.38 / 72.76, rel=0.01)


def test_value_added_ladder_compares_both_2019_sources(snapshot):
    ladder = rows(
        snapshot,
        "select stage_id, source_id, value_added_cny_per_tonne, claim_kind"
        " from marts.fct_value_added_ladder where year = 2019 order by stage_order, source_id",
    )
    by_stage: dict[str, dict[str, float]] = {}
    for stage, source, value, _ in ladder:
        by_stage.setdefault(stage, {})[source] = value
    furniture = by_stage["furniture"]
    assert furniture["stdaily_2019_aluminium_city"] == pytest.approx(80_000)  # yuan as written
    # +570 % of the 2019 ingot value (about 12,400 CNY/t) comes out near the same figure.
    assert 60_000 < furniture["dazhong_2019_aluminium_valley"] < 90_000
    assert len(by_stage["rod_billet"]) >= 2


def test_failed_refresh_does_not_replace_the_published_snapshot(refreshed, tmp_path):
    """A claim whose subject no alias resolves fails a dbt test: nothing is published."""
    home = tmp_path / "home"
    shutil.copytree(refreshed, home, ignore=shutil.ignore_patterns("dagster_home"), symlinks=True)
    before = (home / "serving" / "alcap.duckdb").stat().st_mtime_ns
    parquet_before = os.readlink(home / "serving" / "parquet")
    raw = tmp_path / "raw"
    shutil.copytree(PROJECT_ROOT / "raw", raw)
    claims = next((raw / "claims").glob("*.csv"))
    source_id = claims.stem
    with claims.open("a", encoding="utf-8") as handle:
        handle.write(
            f"zz__unknown,Atlantis Aluminium,,,output_value,2019,1,billion yuan,exact,{source_id},test\n"
        )
    result = run_alcap(home, raw, "refresh")
    assert result.returncode != 0
    assert "snapshot was not replaced" in result.stdout
    assert (home / "serving" / "alcap.duckdb").stat().st_mtime_ns == before
    assert os.readlink(home / "serving" / "parquet") == parquet_before, "nor the Parquet set"
    # `alcap status` says that the published build is older than the attempt, and why it failed.
    published = latest_build(home / "serving" / "alcap.duckdb")["build_id"]
    status = run_alcap(home, raw, "status")
    assert status.returncode == 1
    assert f"published build: {published}, finished " in status.stdout
    assert (
        f"the last refresh FAILED: the published build ({published}) is older than this attempt"
    ) in status.stdout
    assert (
        "why: check int_claims_normalised:assert_every_claim_resolves_to_an_entity_and_a_metric"
        " failed"
    ) in status.stdout


def test_cli_query_prints_a_readable_table(refreshed):
    result = run_alcap(
        refreshed,
        PROJECT_ROOT / "raw",
        "query",
        "select year, output_value_cny from marts.fct_cluster_output_value order by year",
    )
    assert result.returncode == 0, result.stderr
    assert "output_value_cny" in result.stdout and "2018" in result.stdout
    assert "330,000,000,000" in result.stdout


def test_cli_live_query_reads_the_marts_file_beside_the_warehouse(refreshed, snapshot):
    """--live reads the warehouse's raw tables and, by the same names as in the snapshot, the
    marts dbt keeps in their own file."""
    result = run_alcap(
        refreshed,
        PROJECT_ROOT / "raw",
        "query",
        "--live",
        "--format",
        "csv",
        "select (select count(*) from marts.fct_claims) as claims,"
        " (select count(*) from raw.file_loads) as files",
    )
    assert result.returncode == 0, result.stderr
    claims, files = (int(value) for value in result.stdout.splitlines()[1].split(","))
    assert claims == rows(snapshot, "select count(*) from marts.fct_claims")[0][0] > 0
    assert files == rows(snapshot, "select count(*) from raw.file_loads")[0][0] > 0


def test_cli_query_reports_sql_errors_clearly(refreshed):
    result = run_alcap(refreshed, PROJECT_ROOT / "raw", "query", "select * from no_such_table")
    assert result.returncode == 2
    assert "no_such_table" in result.stderr


def test_cli_sources_lists_registry_with_counts(refreshed, snapshot):
    result = run_alcap(refreshed, PROJECT_ROOT / "raw", "sources")
    assert result.returncode == 0, result.stderr
    for (source_id,) in rows(snapshot, "select source_id from marts.dim_sources"):
        assert source_id in result.stdout
    assert "rows_rejected" in result.stdout


def test_cli_sources_counts_add_up_to_the_files(refreshed, snapshot):
    """Per source (a shared file split by row) and per file, the same rows are counted."""
    import polars as pl

    result = run_alcap(refreshed, PROJECT_ROOT / "raw", "sources", "--format", "csv")
    assert result.returncode == 0, result.stderr
    by_source = pl.read_csv(io.StringIO(result.stdout))
    assert (by_source["rows_read"] == by_source["rows_loaded"] + by_source["rows_rejected"]).all()
    ((read, loaded, rejected),) = rows(
        snapshot,
        "select sum(rows_read), sum(rows_loaded), sum(rows_rejected) from raw.file_loads"
        " where dataset <> 'source_registry'",
    )
    assert (
        by_source["rows_read"].sum(),
        by_source["rows_loaded"].sum(),
        by_source["rows_rejected"].sum(),
    ) == (
        read,
        loaded,
        rejected,
    )
    point = by_source.filter(pl.col("dataset") == "point_statistics")
    assert point.height > 10 and point["rows_read"].max() < read / 2, (
        "a shared file is split by source"
    )
