"""The HTML report and the dbt docs, from a real refresh of the shipped data.

The report is opened in headless Chromium (Debian's package, driven over the DevTools
protocol by tests/browser.py): every chart must draw marks, with no console error and no
network request. Its numbers are checked against the marts they come from.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import duckdb
import pytest
from browser import Chromium, chromium_or_skip
from conftest import run_alcap

from dagster_project.publish.docs import build_docs, docs_server
from dagster_project.publish.report import SPREAD_SQL, UNVERSIONED, write_report
from dagster_project.settings import PROJECT_ROOT

FIGURES = ["ladder", "output-value", "market-share", "world-share", "quality"]

# For every figure: each chart's count of marks that the browser actually laid out.
DRAWN_MARKS = """
JSON.stringify(Array.from(document.querySelectorAll('figure')).map(figure => ({
  id: figure.id,
  takeaway: figure.querySelector('.takeaway').textContent,
  charts: Array.from(figure.querySelectorAll('svg.chart')).map(chart =>
    Array.from(chart.querySelectorAll('.mark')).filter(mark => {
      const box = mark.getBoundingClientRect();
      return box.width > 0 && box.height > 0;
    }).length)
})))
"""


@pytest.fixture(scope="session")
def snapshot_path(refreshed) -> Path:
    return refreshed / "serving" / "alcap.duckdb"


@pytest.fixture(scope="session")
def report_file(refreshed, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.html"
    result = run_alcap(refreshed, PROJECT_ROOT / "raw", "report", "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    assert str(out) in result.stdout
    return out


@pytest.fixture(scope="session")
def chromium():
    browser = Chromium(chromium_or_skip())
    yield browser
    browser.close()


def figure_html(html: str, key: str) -> str:
    found = re.search(rf'<figure id="{key}".*?</figure>', html, re.S)
    assert found, f"figure {key} missing"
    return found.group(0)


def test_refresh_writes_the_report_after_publication(refreshed):
    """The Dagster asset serving/report runs in every refresh, after the snapshot."""
    report = refreshed / "serving" / "report.html"
    assert report.exists()
    assert report.stat().st_mtime >= (refreshed / "serving" / "alcap.duckdb").stat().st_mtime
    html = report.read_text(encoding="utf-8")
    assert all(f'<figure id="{key}"' in html for key in FIGURES)


def test_report_is_one_file_that_fetches_nothing(report_file):
    html = report_file.read_text(encoding="utf-8")
    assert "<script" not in html
    assert not re.search(r"""\b(src|href)\s*=""", html)
    assert "@import" not in html and "url(http" not in html
    assert "Content-Security-Policy" in html and "default-src 'none'" in html


def test_report_renders_in_chromium_without_errors_or_requests(report_file, chromium, tmp_path):
    screenshot = tmp_path / "report.png"
    visit = chromium.visit(report_file.as_uri(), DRAWN_MARKS, screenshot=screenshot)
    assert visit.errors == []
    assert visit.requests == []
    figures = json.loads(visit.result)
    assert [figure["id"] for figure in figures] == FIGURES
    for figure in figures:
        assert figure["charts"], f"{figure['id']} has no chart"
        assert all(count > 0 for count in figure["charts"]), figure
        assert figure["takeaway"].strip()
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert screenshot.stat().st_size > 20_000


def test_browser_check_catches_requests_and_console_errors(chromium, tmp_path):
    """The harness itself: a page that fetches and logs an error must not pass."""
    page = tmp_path / "leaky.html"
    page.write_text(
        '<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/chart.png">'
        '<script>console.error("broken chart")</script></body></html>',
        encoding="utf-8",
    )
    visit = chromium.visit(page.as_uri(), "1")
    assert any("127.0.0.1:9" in request for request in visit.requests)
    assert any("broken chart" in error for error in visit.errors)


def test_the_ladder_shows_the_marts_figures_per_stage_and_source(report_file, snapshot_path):
    html = figure_html(report_file.read_text(encoding="utf-8"), "ladder")
    with duckdb.connect(str(snapshot_path), read_only=True) as snapshot:
        ladder = snapshot.execute(
            "select stage_id, source_id, claim_kind, value_added_cny_per_tonne"
            " from marts.fct_value_added_ladder where claim_kind <> 'ingot_price'"
        ).fetchall()
    assert ladder
    for stage_id, source_id, claim_kind, value in ladder:
        bar = re.search(
            rf'<g class="bar" data-stage="{stage_id}" data-source="{source_id}">.*?</g>', html
        )
        assert bar, (stage_id, source_id)
        assert f"{value:,.0f} CNY/t" in bar.group(0)
        expected = "yuan as written" if claim_kind == "absolute_cny" else "% of ingot ×"
        assert expected in bar.group(0)
    written = {(stage, source): value for stage, source, _, value in ladder}
    source = "stdaily_2019_aluminium_city"
    for stage_id, shown in [("rod_billet", "500"), ("cable", "5,000"), ("furniture", "80,000")]:
        assert f"{written[(stage_id, source)]:,.0f}" == shown
        bar = re.search(rf'data-stage="{stage_id}" data-source="{source}">.*?</g>', html)
        assert f"{shown} CNY/t — yuan as written (2019)" in bar.group(0)
    assert "570 % of ingot × 1,794 USD/t × 6.907 CNY/USD (2019)" in html


def test_output_value_shows_330_billion_for_2018_and_the_claims_beside_it(
    report_file, snapshot_path
):
    html = figure_html(report_file.read_text(encoding="utf-8"), "output-value")
    with duckdb.connect(str(snapshot_path), read_only=True) as snapshot:
        reported = dict(
            snapshot.execute(
                "select year, output_value_cny from marts.fct_cluster_output_value"
                " where cluster_id = 'binzhou_aluminium_cluster'"
            ).fetchall()
        )
        claims_2018 = snapshot.execute(
            "select claim_id from marts.fct_claims where entity_id = 'binzhou_aluminium_cluster'"
            " and metric_family = 'cluster_size' and period_year = 2018"
        ).fetchall()
    assert reported[2018] == 330e9
    assert "≥ 330 bn CNY in 2018" in html  # the takeaway: "more than 3300亿" is a floor
    drawn_2018 = re.findall(r'<g class="claim" data-year="2018" data-claim="([^"]+)"', html)
    assert sorted(drawn_2018) == sorted(claim_id for (claim_id,) in claims_2018)
    assert len(drawn_2018) == 4
    assert ">≥ 100 bn<" in html and ">≈ 300 bn<" in html and ">330 bn<" in html
    assert "+6.1 % a year, 2018→2024" in html


def test_each_figure_names_its_sources_and_the_build(report_file, snapshot_path):
    html = report_file.read_text(encoding="utf-8")
    with duckdb.connect(str(snapshot_path), read_only=True) as snapshot:
        ((newest,),) = snapshot.execute(
            "select build_id from meta.builds order by finished_at desc limit 1"
        ).fetchall()
    for key in FIGURES:
        caption = re.search(r"<figcaption>.*?</figcaption>", figure_html(html, key)).group(0)
        assert f'<span class="build">{newest}</span>' in caption
        assert 'class="source"' in caption
    ladder = figure_html(html, "ladder")
    assert re.search(r'data-source="stdaily_2019_aluminium_city">[^<]*<b>B\+</b>', ladder)
    assert re.search(r'data-source="dazhong_2019_aluminium_valley">[^<]*<b>A-</b>', ladder)


def test_report_names_the_newest_build_from_meta_builds(snapshot_path, tmp_path):
    """With several builds in meta.builds, the newest is the one named."""
    versioned = tmp_path / "alcap.duckdb"
    shutil.copyfile(snapshot_path, versioned)
    with duckdb.connect(str(versioned)) as database:
        database.execute("delete from meta.build_files")
        database.execute("delete from meta.build_tables")
        database.execute("delete from meta.builds")
        database.execute(
            "insert into meta.builds (build_id, finished_at) values"
            " ('build-older', '2026-01-01 06:00'), ('build-newest', '2026-01-02 06:00')"
        )
    html = write_report(versioned, tmp_path / "report.html").read_text(encoding="utf-8")
    assert html.count('<span class="build">build-newest</span>') == len(FIGURES)
    assert "build-older" not in html and UNVERSIONED not in html
    assert "80,000 CNY/t" in html and "≥ 330 bn CNY in 2018" in html
    docs = build_docs(versioned, tmp_path / "docs")
    catalog = json.loads((docs / "catalog.json").read_text(encoding="utf-8"))
    assert "model.alcap.fct_market_share" in catalog["nodes"]


def test_report_without_a_snapshot_says_what_to_run(tmp_path):
    result = run_alcap(tmp_path / "home", PROJECT_ROOT / "raw", "report")
    assert result.returncode != 0
    assert "alcap refresh" in result.stderr
    assert "Traceback" not in result.stderr


def test_docs_are_built_from_the_snapshot_while_the_warehouse_is_locked(refreshed):
    # A refresh holds the warehouse for writing; the docs must not need it.
    with duckdb.connect(str(refreshed / "warehouse.duckdb")):
        result = run_alcap(refreshed, PROJECT_ROOT / "raw", "docs")
    assert result.returncode == 0, result.stdout + result.stderr
    docs = refreshed / "docs"
    index = (docs / "index.html").read_text(encoding="utf-8")
    for mart in ["fct_value_added_ladder", "fct_cluster_output_value", "fct_market_share"]:
        assert mart in index
    assert "alcap_report" in index  # the exposure is in the lineage
    catalog = json.loads((docs / "catalog.json").read_text(encoding="utf-8"))
    assert "model.alcap.fct_value_added_ladder" in catalog["nodes"]
    manifest = json.loads((docs / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["metadata"]["send_anonymous_usage_stats"] is False

    # --serve: the same folder over HTTP, on the loopback interface only
    with docs_server(docs, 0) as server:
        host, port = server.server_address[:2]
        assert host == "127.0.0.1"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=30) as page:
                assert page.status == 200
                assert b"fct_value_added_ladder" in page.read()
        finally:
            server.shutdown()


def test_dbt_sends_no_usage_statistics_by_project_setting(tmp_path):
    """dbt_project.yml alone turns them off, for every dbt command (dagster-dbt's too)."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ("DO_NOT_TRACK", "DBT_SEND_ANONYMOUS_USAGE_STATS")
    }
    environment["ALCAP_WAREHOUSE"] = str(tmp_path / "parse.duckdb")
    project = PROJECT_ROOT / "dbt"
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "parse",
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(project),
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
        ],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["metadata"]["send_anonymous_usage_stats"] is False


def test_charts_say_so_when_a_mart_is_empty():
    """An empty mart gives a chart with a message, never an error that stops the report."""
    from dagster_project.publish import charts

    figures = [
        charts.ladder_chart([], {}),
        charts.output_value_chart([], [], {}),
        charts.market_share_chart([]),
        charts.world_share_chart([], []),
    ]
    for figure in figures:
        assert figure.takeaway.startswith("No "), figure.key
        assert all('class="mark"' not in drawing for drawing in figure.drawings)


def test_the_widest_spreads_are_those_of_every_group(snapshot_path):
    """The spreads query reads only groups of two claims or more; the widest it finds are
    those a plain pass over every group finds, with their values in full."""
    every_group = """
        select claim_group_id, min(value_normalised), max(value_normalised)
        from marts.fct_claims where value_normalised > 0 group by claim_group_id
        having min(value_normalised) < max(value_normalised)
        order by max(value_normalised) / min(value_normalised) desc, claim_group_id limit 6
    """
    with duckdb.connect(str(snapshot_path), read_only=True) as connection:
        expected = connection.execute(every_group).fetchall()
        spreads = connection.execute(SPREAD_SQL).fetchall()
        column_names = [column[0] for column in connection.description]
    rows = [dict(zip(column_names, row, strict=True)) for row in spreads]
    assert expected, "the shipped data has groups whose claims disagree"
    assert [(r["claim_group_id"], r["low_value"], r["high_value"]) for r in rows] == expected
    for row in rows:
        assert len(row["claim_values"]) >= 2
        assert row["source_ids"] == sorted(row["source_ids"])
