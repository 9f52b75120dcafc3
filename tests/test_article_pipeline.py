"""Articles through the pipeline: extraction, links to curated claims, the review queue, and
`alcap claims accept` feeding an accepted candidate back into the curated claims file.

The article below is written for this test (our sentences, not any real article's): it restates
a few curated figures of the 2019 feature's source and adds figures no claim covers yet.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import list_article_text, run_alcap

from dagster_project.settings import PROJECT_ROOT

SOURCE = "stdaily_2019_aluminium_city"
ARTICLE = f"""---
title: Notes on the aluminium city (written for the alcap tests)
publisher: alcap test fixtures
published: 2019-04-22
url: http://example.invalid/notes
language: en
source_id: {SOURCE}
---
Binzhou aluminium industry has an output value of 330billion yuan, local officials said.
Weiqiao Aluminium & Power rolls can stock only 0.245mm thick.
Its reduction cells run at 600 kiloampere.
In Binzhou about 300,000 workers hold jobs tied to aluminium.
"""


@pytest.fixture(scope="module")
def home_and_raw(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("articles")
    raw = root / "raw"
    shutil.copytree(PROJECT_ROOT / "raw", raw)
    (raw / "articles").mkdir(exist_ok=True)
    (raw / "articles" / "notes.md").write_text(ARTICLE, encoding="utf-8")
    (raw / "articles" / "broken.md").write_bytes(b"\x89PNG\x00binary")
    list_article_text(raw, SOURCE, "articles/notes.md")
    list_article_text(raw, "dazhong_2019_aluminium_valley", "articles/broken.md")
    home = root / "home"
    result = run_alcap(home, raw, "refresh")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return home, raw


def query(home: Path, sql: str, parameters=(), database: str = "serving/alcap.duckdb"):
    """Marts and the load audit from the published snapshot; other raw tables from the
    warehouse (after the refresh has finished, so reading it blocks no writer)."""
    with duckdb.connect(str(home / database), read_only=True) as connection:
        return connection.execute(sql, list(parameters)).fetchall()


def query_raw(home: Path, sql: str, parameters=()):
    return query(home, sql, parameters, database="warehouse.duckdb")


def test_curated_claims_get_their_character_spans(home_and_raw):
    home, _ = home_and_raw
    linked = query(
        home,
        "select claim_id, span_start, span_end, span_surface from marts.fct_claims"
        " where source_id = ? and has_text_span order by span_start",
        [SOURCE],
    )
    text = ARTICLE
    assert [surface for _, _, _, surface in linked] == [
        "330billion yuan",
        "0.245mm",
        "600 kiloampere",
    ]
    for _, start, end, surface in linked:
        assert text[start:end] == surface


def test_uncovered_figures_wait_in_the_review_queue(home_and_raw):
    home, _ = home_and_raw
    queue = query(
        home,
        "select candidate_id, surface, unit, review_rank from marts.fct_claim_review_queue"
        " where article_path = 'articles/notes.md' order by review_rank",
    )
    assert [(surface, unit) for _, surface, unit, _ in queue] == [("300,000 workers", "count")]


def test_bad_article_is_reported_and_others_still_extract(home_and_raw):
    home, _ = home_and_raw
    statuses = dict(query_raw(home, "select file, status from raw.articles"))
    assert statuses == {"articles/notes.md": "extracted"}
    ((status, error),) = query(
        home, "select status, error from raw.file_loads where file = 'articles/broken.md'"
    )
    assert status == "failed"
    assert error == "articles/broken.md: binary file (contains NUL bytes), not a text article"


def test_accept_appends_to_claims_file_and_next_refresh_links_it(home_and_raw):
    home, raw = home_and_raw
    ((candidate_id,),) = query(
        home,
        "select candidate_id from marts.fct_claim_review_queue where article_path = 'articles/notes.md'",
    )
    result = run_alcap(
        home,
        raw,
        "claims",
        "accept",
        candidate_id[:12],
        "--metric",
        "employment",
        "--subject",
        "Binzhou",
    )
    assert result.returncode == 0, result.stderr
    claims_file = raw / "claims" / f"{SOURCE}.csv"
    assert f"{SOURCE}__x{candidate_id[:10]}" in claims_file.read_text(encoding="utf-8")
    again = run_alcap(home, raw, "claims", "accept", candidate_id[:12], "--metric", "employment")
    assert "already accepted" in again.stdout

    article_load = "select * from raw.file_loads where file = 'articles/notes.md'"
    before = query_raw(home, article_load)
    refreshed = run_alcap(home, raw, "refresh")
    assert refreshed.returncode == 0, refreshed.stdout[-3000:]
    assert refreshed.stdout.startswith(f"changed  claims/{SOURCE}.csv: rebuilding ")
    assert query_raw(home, article_load) == before, "an unchanged article is not re-read"
    assert query(
        home,
        "select count(*) from marts.fct_claim_review_queue where article_path = 'articles/notes.md'",
    ) == [(0,)]
    ((has_span,),) = query(
        home,
        "select has_text_span from marts.fct_claims where claim_id = ?",
        [f"{SOURCE}__x{candidate_id[:10]}"],
    )
    assert has_span


def test_accept_refuses_a_candidate_without_enough_to_be_a_claim(home_and_raw):
    home, raw = home_and_raw
    result = run_alcap(home, raw, "claims", "accept", "deadbeefdeadbeef")
    assert result.returncode == 2
    assert "no candidate 'deadbeefdeadbeef'" in result.stderr


def test_a_corrupted_article_keeps_its_candidates_and_spans(home_and_raw):
    """An article that starts failing is reported, and loses nothing users already see."""
    home, raw = home_and_raw
    spans_sql = (
        "select claim_id, span_start, span_end from marts.fct_claims"
        " where source_id = ? and has_text_span order by claim_id"
    )
    spans = query(home, spans_sql, [SOURCE])
    candidates_sql = "select candidate_id from raw.claim_candidates where file = ?"
    candidates = query_raw(home, candidates_sql, ["articles/notes.md"])
    assert len(spans) >= 3 and candidates

    (raw / "articles" / "notes.md").write_bytes(ARTICLE.encode("utf-8")[:40] + b"\xff\xfe")
    result = run_alcap(home, raw, "refresh")
    assert result.returncode == 0, result.stdout[-3000:]
    ((status, error),) = query(
        home, "select status, error from raw.file_loads where file = 'articles/notes.md'"
    )
    assert status == "failed" and "\n" not in error
    assert error.startswith("articles/notes.md: not UTF-8")
    assert "kept 1 rows of raw.articles" in error
    assert query_raw(home, candidates_sql, ["articles/notes.md"]) == candidates
    assert query(home, spans_sql, [SOURCE]) == spans
    others = query(
        home,
        "select file, status from raw.file_loads where file not like 'articles/%'"
        " and status not in ('loaded', 'loaded_with_rejections')",
    )
    assert others == []
