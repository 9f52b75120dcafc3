"""raw/articles → raw.articles and raw.claim_candidates, through load_articles."""

from __future__ import annotations

from conftest import write

from dagster_project.extract.load import load_articles
from dagster_project.ingest.loader import load_source_registry

ARTICLE = """---
title: A test article
publisher: Test Daily
published: 2019-04-22
url: http://example.invalid/article
language: en
source_id: {source_id}
---
Binzhou aluminium industry has an output value of 330billion yuan.
"""


def statuses(connection):
    return dict(connection.execute("select article_path, status from raw.articles").fetchall())


def test_articles_load_and_unchanged_ones_are_carried_over(connection, raw_dir):
    load_source_registry(connection, raw_dir)
    write(raw_dir / "articles/a.md", ARTICLE.format(source_id="test_article"))
    write(raw_dir / "articles/README.md", "instructions, not an article\n")
    first = load_articles(connection, raw_dir)
    assert statuses(connection) == {"articles/a.md": "extracted"}
    assert first.candidates_total == 1
    before = connection.execute(
        "select candidate_id, value, unit, surface, source_id from raw.claim_candidates"
    ).fetchall()
    assert before[0][1:] == (330e9, "CNY", "330billion yuan", "test_article")

    load_articles(connection, raw_dir)
    assert statuses(connection) == {"articles/a.md": "unchanged"}
    after = connection.execute(
        "select candidate_id, value, unit, surface, source_id from raw.claim_candidates"
    ).fetchall()
    assert after == before

    write(raw_dir / "articles/a.md", ARTICLE.format(source_id="test_article") + "It grew 5%.\n")
    load_articles(connection, raw_dir)
    assert statuses(connection) == {"articles/a.md": "extracted"}
    assert connection.execute("select count(*) from raw.claim_candidates").fetchone()[0] == 2


def test_bad_article_fails_alone_and_unknown_source_is_a_warning(connection, raw_dir):
    load_source_registry(connection, raw_dir)
    write(raw_dir / "articles/a.md", ARTICLE.format(source_id="no_such_source"))
    write(raw_dir / "articles/b.md", b"\xff\xfe\x00 binary")
    result = load_articles(connection, raw_dir)
    assert statuses(connection) == {"articles/a.md": "extracted", "articles/b.md": "failed"}
    ((error,),) = connection.execute(
        "select error from raw.articles where status = 'failed'"
    ).fetchall()
    assert "articles/b.md" in error
    ((warnings,),) = connection.execute(
        "select warnings from raw.articles where article_path = 'articles/a.md'"
    ).fetchall()
    assert "source_id 'no_such_source' is not in raw/sources.yml" in warnings
    assert result.failed.height == 1
