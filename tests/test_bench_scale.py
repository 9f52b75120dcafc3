"""The benchmark's parts at a tiny scale: the generator, a real refresh of what it writes, and
the floor (dbt's compiled models as one DuckDB script) giving the same marts as the pipeline."""

from __future__ import annotations

import csv
import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import LOAD_TIMES, mart_rows

from dagster_project.ingest.registry import data_files_on_disk, load_registry
from dagster_project.settings import PROJECT_ROOT

if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))
bench_project = importlib.import_module("benchmarks.bench_project")
floor = importlib.import_module("benchmarks.floor")
generator = importlib.import_module("benchmarks.generate")
refresh_bench = importlib.import_module("benchmarks.refresh")

TINY = 0.05  # one cluster of 2 firms, ~4,700 statistical rows, 10 articles


def _files(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def tiny_raw(tmp_path_factory) -> Path:
    raw = tmp_path_factory.mktemp("bench") / "raw"
    generator.generate(TINY, 7, raw)
    return raw


@pytest.fixture(scope="module")
def tiny_refresh(tiny_raw: Path, tmp_path_factory) -> tuple[Path, Path]:
    """A full `alcap refresh` of the tiny raw directory: (project copy, ALCAP_HOME)."""
    work = tmp_path_factory.mktemp("bench_refresh")
    project = bench_project.prepare_project(tiny_raw, work / "project")
    home = work / "home"
    result = bench_project.run_alcap(project, home, tiny_raw, "refresh", "--full")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return project, home


def test_generator_is_deterministic_from_its_seed(tiny_raw: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    generator.generate(TINY, 7, again)
    assert _files(again) == _files(tiny_raw)
    other = tmp_path / "other"
    generator.generate(TINY, 8, other)
    assert _files(other) != _files(tiny_raw)


def test_generator_command_prints_what_it_wrote(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "benchmarks" / "generate.py"), "--scale", "0.02",
         "--out", str(tmp_path / "raw")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "1 clusters, 2 firms" in result.stdout
    assert "articles" in result.stdout and "MB" in result.stdout


def test_every_generated_file_is_in_the_registry(tiny_raw: Path) -> None:
    registry = load_registry(tiny_raw / "sources.yml")
    assert registry.rejections == []
    on_disk = set(data_files_on_disk(tiny_raw))
    assert registry.listed_files() == on_disk
    # The shipped files are there as they are, beside the generated ones.
    for path in (PROJECT_ROOT / "raw").rglob("*.csv"):
        relative = path.relative_to(PROJECT_ROOT / "raw").as_posix()
        assert (tiny_raw / relative).read_bytes() == path.read_bytes()
    assert any(file.startswith("statistics/firms/") for file in on_disk)
    assert sum(file.startswith("articles/") for file in on_disk) == 10


def test_loader_rejects_exactly_the_rows_meant_to_be_bad(
    tiny_raw: Path, tiny_refresh: tuple[Path, Path]
) -> None:
    with open(tiny_raw / ".generated" / "bad_rows.csv", encoding="utf-8") as handle:
        intended = {
            (row["file"], int(row["line"]), row["column"]) for row in csv.DictReader(handle)
        }
    assert len(intended) == 40  # two per yearly firm file
    _, home = tiny_refresh
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as connection:
        rejected = connection.execute(
            "select file, line, column_name from raw.rejected_rows"
        ).fetchall()
        failed = connection.execute(
            "select file, status from raw.file_loads"
            " where status not in ('loaded', 'loaded_with_rejections')"
        ).fetchall()
    shipped = {
        path.relative_to(PROJECT_ROOT / "raw").as_posix()
        for path in (PROJECT_ROOT / "raw").rglob("*")
    }
    generated_rejections = {row for row in rejected if row[0] not in shipped}
    assert generated_rejections == intended
    assert failed == []


def test_floor_script_gives_the_pipelines_marts(
    tiny_refresh: tuple[Path, Path], tmp_path: Path
) -> None:
    project, home = tiny_refresh
    warehouse = home / "warehouse.duckdb"
    marts = home / "alcap_marts.duckdb"
    result = floor.run_floor(project, warehouse, tmp_path / "floor")
    script = result.script.read_text(encoding="utf-8")
    assert 'create or replace table "alcap_marts"."marts"."fct_claims"' in script
    comparison = floor.compare_marts(marts, result.marts)
    assert set(comparison) >= {
        "fct_claims",
        "fct_cluster_output_value",
        "fct_market_share",
        "dim_sources",
    }
    assert {table: differing for table, (_, differing) in comparison.items() if differing} == {}
    with duckdb.connect(str(marts), read_only=True) as connection:
        generated_claims = connection.execute(
            "select count(*) from marts.fct_claims where source_id like 'binzhou_statistics_bureau%'"
        ).fetchone()[0]
    assert generated_claims > 1000  # the generated panel reached the marts

    # The comparison is not blind: it sees one value changed in its tenth significant digit.
    changed = tmp_path / "changed" / "alcap_marts.duckdb"
    changed.parent.mkdir()
    shutil.copy2(result.marts, changed)
    with duckdb.connect(str(changed)) as connection:
        connection.execute(
            "update marts.fct_claims set value_normalised = value_normalised * (1 + 1e-9)"
            " where claim_id = (select min(claim_id) from marts.fct_claims"
            " where value_normalised <> 0)"
        )
    after = floor.compare_marts(marts, changed)
    assert after["fct_claims"][1] == 2  # the row as it was, and as it is now


def test_load_floor_reads_every_listed_csv_file(tiny_raw: Path, tmp_path: Path) -> None:
    """The load floor reads the CSV files the registry lists: all their good rows at least."""
    registry = load_registry(tiny_raw / "sources.yml")
    csv_files = {file for file in registry.listed_files() if file.endswith(".csv")}
    result = floor.run_load_floor(tiny_raw, tmp_path / "load_floor")
    assert result.files == len(csv_files)
    data_rows = sum(
        len((tiny_raw / file).read_text(encoding="utf-8-sig").splitlines()) - 1
        for file in csv_files
        if file.startswith("statistics/firms/")
    )
    assert result.rows >= data_rows - 40  # at most the 40 rows meant to be bad are skipped
    assert result.seconds > 0 and not (tmp_path / "load_floor" / "load_floor.duckdb").exists()


def test_publish_floor_writes_every_mart_as_parquet(
    tiny_refresh: tuple[Path, Path], tmp_path: Path
) -> None:
    """The publish floor copies the pipeline's marts file and writes each mart to Parquet."""
    _, home = tiny_refresh
    marts = home / "alcap_marts.duckdb"
    with duckdb.connect(str(marts), read_only=True) as connection:
        (count,) = connection.execute(
            "select count(*) from information_schema.tables where table_schema = 'marts'"
            " and table_type = 'BASE TABLE'"
        ).fetchone()
    result = floor.run_publish_floor(marts, tmp_path / "publish_floor")
    assert count > 5 and result.marts == count
    assert result.parquet_bytes > 0 and result.seconds > 0
    assert not (tmp_path / "publish_floor").exists()


def test_a_one_file_refresh_equals_a_full_rebuild(
    tiny_raw: Path, tiny_refresh: tuple[Path, Path], tmp_path: Path
) -> None:
    """The benchmark's one-value edit, a firm-panel file that lost a line and one left with its
    header only: the refresh updates only those files' claims (and the groups they touch) and
    the text spans that differ from the linking's, and its marts and claims tables equal a full
    rebuild's of the same files in a new home."""
    project, built = tiny_refresh
    raw = shutil.copytree(tiny_raw, tmp_path / "raw")
    home = shutil.copytree(built, tmp_path / "home", symlinks=True)
    edited = refresh_bench.change_one_file(raw)
    panels = [
        path
        for path in sorted((raw / "statistics" / "firms").rglob("*.csv"))
        if path.relative_to(raw).as_posix() != edited
    ]
    shortened, emptied = panels[0], panels[-1]
    lines = shortened.read_text(encoding="utf-8").splitlines(keepends=True)
    shortened.write_text("".join(lines[:2] + lines[3:]), encoding="utf-8")
    emptied.write_text(emptied.read_text(encoding="utf-8").splitlines(keepends=True)[0], "utf-8")
    # Two article claims, in no changed file, whose text spans the marts file holds wrongly (one
    # lost, one moved): rows the refresh keeps get the span the linking gives now.
    with duckdb.connect(str(home / "alcap_marts.duckdb")) as connection:
        spanned = "select claim_id from marts.fct_claims where has_text_span order by claim_id"
        lost, moved = (claim for (claim,) in connection.execute(f"{spanned} limit 2").fetchall())
        connection.execute(
            "update marts.fct_claims set candidate_id = null, article_path = null,"
            " span_start = null, span_end = null, span_surface = null, sentence_start = null,"
            " sentence_end = null, has_text_span = false where claim_id = ?",
            [lost],
        )
        connection.execute(
            "update marts.fct_claims set span_start = span_start + 1 where claim_id = ?", [moved]
        )

    result = bench_project.run_alcap(project, home, raw, "refresh")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "(the claims models: only the changed files' claims)" in result.stdout
    full = bench_project.run_alcap(project, tmp_path / "full", raw, "refresh")
    assert full.returncode == 0, full.stdout[-3000:] + full.stderr[-3000:]

    marts = [path / "serving" / "alcap.duckdb" for path in (home, tmp_path / "full", built)]
    after, rebuilt, before = (mart_rows(path) for path in marts)
    assert after == rebuilt
    assert len(after["fct_claims"][1]) < len(before["fct_claims"][1]), "claims left with files"
    # Differ between the two homes: when rows were loaded, which dbt run wrote them.
    claims = [
        mart_rows(path / "warehouse.duckdb", "intermediate", exclude=LOAD_TIMES)
        for path in (home, tmp_path / "full")
    ]
    assert claims[0] == claims[1]
    # No article names the firm panels' sources, so the linking wrote no row again.
    assert linking_runs(home) == linking_runs(built)


def linking_runs(home: Path) -> dict[str, set[str]]:
    """The dbt runs that wrote int_claim_candidates_linked's rows, by the candidates' source."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as connection:
        rows = connection.execute(
            "select coalesce(source_id, ''), linked_in_invocation"
            " from intermediate.int_claim_candidates_linked group by all"
        ).fetchall()
    runs: dict[str, set[str]] = {}
    for source, run in rows:
        runs.setdefault(source, set()).add(run)
    return runs


def test_an_edited_article_claim_links_its_source_again(
    tiny_raw: Path, tiny_refresh: tuple[Path, Path], tmp_path: Path
) -> None:
    """A claim that an article's text states, edited so that the figure no longer matches it:
    the refresh links again only that source's candidates (the candidate loses its link and
    joins the review queue), keeps every other source's links, and its marts and intermediate
    tables equal a full rebuild's."""
    project, built = tiny_refresh
    raw = shutil.copytree(tiny_raw, tmp_path / "raw")
    home = shutil.copytree(built, tmp_path / "home", symlinks=True)
    with duckdb.connect(str(built / "warehouse.duckdb"), read_only=True) as connection:
        claim_id, candidate_id, source_id, file = connection.execute(
            "select linked.claim_id, linked.candidate_id, linked.source_id, claims.file"
            " from intermediate.int_claim_candidates_linked as linked"
            " inner join intermediate.int_claims_normalised as claims using (claim_id)"
            " where claims.file like 'claims/%' order by linked.claim_id limit 1"
        ).fetchone()
    path = raw / file
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["claim_id"] == claim_id:
            row["value"] = str(float(row["value"].replace(",", "")) * 3)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    result = bench_project.run_alcap(project, home, raw, "refresh")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "(the claims models: only the changed files' claims)" in result.stdout
    full = bench_project.run_alcap(project, tmp_path / "full", raw, "refresh")
    assert full.returncode == 0, full.stdout[-3000:] + full.stderr[-3000:]

    assert mart_rows(home / "serving" / "alcap.duckdb") == mart_rows(
        tmp_path / "full" / "serving" / "alcap.duckdb"
    )
    warehouses = [path / "warehouse.duckdb" for path in (home, tmp_path / "full")]
    intermediate = [mart_rows(path, "intermediate", exclude=LOAD_TIMES) for path in warehouses]
    assert intermediate[0] == intermediate[1]
    before, after = linking_runs(built), linking_runs(home)
    assert len(after[source_id]) == 1 and after[source_id] != before[source_id]
    assert {source: runs for source, runs in after.items() if source != source_id} == {
        source: runs for source, runs in before.items() if source != source_id
    }
    with duckdb.connect(str(home / "serving" / "alcap.duckdb"), read_only=True) as connection:
        queued = connection.execute(
            "select count(*) from marts.fct_claim_review_queue where candidate_id = ?",
            [candidate_id],
        ).fetchone()[0]
    assert queued == 1, "the candidate lost its link and waits for review"
