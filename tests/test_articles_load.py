"""Articles are an ordinary raw format: listed in the registry, loaded by the one loader."""

from __future__ import annotations

from conftest import list_article_text, write

from dagster_project.ingest.loader import load_dataset, load_source_registry

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


def load(connection, raw_dir):
    load_source_registry(connection, raw_dir)
    return load_dataset(connection, "articles", raw_dir)


def statuses(connection):
    return dict(connection.execute("select file, status from raw.articles").fetchall())


def candidates(connection):
    return connection.execute(
        "select candidate_id, value, unit, surface, source_id, span_start, span_end"
        " from raw.claim_candidates order by span_start"
    ).fetchall()


def file_load(connection, file):
    return connection.execute(
        "select status, rows_read, rows_loaded, rows_rejected, error from raw.file_loads"
        " where file = ?",
        [file],
    ).fetchone()


def test_articles_load_and_unchanged_ones_are_carried_over(connection, raw_dir):
    list_article_text(raw_dir, "test_article", "articles/a.md")
    write(raw_dir / "articles/a.md", ARTICLE.format(source_id="test_article"))
    write(raw_dir / "articles/README.md", "instructions, not an article\n")
    first = load(connection, raw_dir)
    assert statuses(connection) == {"articles/a.md": "extracted"}
    assert file_load(connection, "articles/a.md") == ("loaded", 1, 1, 0, None)
    assert first.rows_loaded == 1
    before = candidates(connection)
    assert before[0][1:5] == (330e9, "CNY", "330billion yuan", "test_article")
    text = (raw_dir / "articles/a.md").read_text(encoding="utf-8")
    assert text[before[0][5] : before[0][6]] == "330billion yuan"

    load(connection, raw_dir)
    assert statuses(connection) == {"articles/a.md": "unchanged"}
    assert candidates(connection) == before

    write(raw_dir / "articles/a.md", ARTICLE.format(source_id="test_article") + "It grew 5%.\n")
    load(connection, raw_dir)
    assert statuses(connection) == {"articles/a.md": "extracted"}
    assert len(candidates(connection)) == 2


def test_a_failing_article_keeps_its_last_rows_and_fails_alone(connection, raw_dir):
    list_article_text(raw_dir, "test_article", "articles/a.md")
    list_article_text(raw_dir, "test_second_article", "articles/b.md")
    write(raw_dir / "articles/a.md", ARTICLE.format(source_id="test_article"))
    write(raw_dir / "articles/b.md", ARTICLE.format(source_id="test_second_article"))
    load(connection, raw_dir)
    before = candidates(connection)
    assert len(before) == 2

    write(raw_dir / "articles/b.md", b"\x89PNG\x00 binary")
    result = load(connection, raw_dir)
    status, read, loaded, rejected, error = file_load(connection, "articles/b.md")
    assert (status, read, loaded, rejected) == ("failed", 1, 0, 1)
    assert error.count("\n") == 0 and error.startswith("articles/b.md: binary file")
    assert "kept 1 rows of raw.articles and 1 rows of raw.claim_candidates" in error
    assert file_load(connection, "articles/a.md")[0] == "loaded"
    assert candidates(connection) == before
    assert [f.file for f in result.failed_files] == ["articles/b.md"]
    ((reason,),) = connection.execute(
        "select reason from raw.rejected_rows where file = 'articles/b.md'"
    ).fetchall()
    assert reason.startswith("articles/b.md: binary file")


def test_header_source_id_is_only_cross_checked(connection, raw_dir):
    list_article_text(raw_dir, "test_article", "articles/a.md")
    write(raw_dir / "articles/a.md", ARTICLE.format(source_id="no_such_source"))
    load(connection, raw_dir)
    ((source_id, header_source, warnings),) = connection.execute(
        "select source_id, header_source_id, warnings from raw.articles"
    ).fetchall()
    assert (source_id, header_source) == ("test_article", "no_such_source")
    assert any("names source_id 'no_such_source'" in warning for warning in warnings)
    assert {row[4] for row in candidates(connection)} == {"test_article"}


def test_an_article_no_source_lists_is_reported_not_loaded(connection, raw_dir):
    write(raw_dir / "articles/stray.md", ARTICLE.format(source_id="test_article"))
    registry = load_source_registry(connection, raw_dir)
    (stray,) = [f for f in registry.files if f.file == "articles/stray.md"]
    assert (stray.status, stray.rows_read, stray.rows_rejected) == ("unlisted", 1, 1)
    load_dataset(connection, "articles", raw_dir)
    assert statuses(connection) == {}


def test_ranges_changes_and_subject_rules_reach_the_raw_table(connection, raw_dir):
    list_article_text(raw_dir, "test_article", "articles/b.md")
    body = (
        "Hongtuo Industrial sold ingots at 15,800 to 16,300 yuan a ton. "
        "Its output rose 12% to 300,000 tonnes.\n"
    )
    write(raw_dir / "articles/b.md", ARTICLE.format(source_id="test_article") + body)
    load(connection, raw_dir)
    rows = connection.execute(
        "select surface, value_low, value_high, change, subject, subject_rule"
        " from raw.claim_candidates where file = 'articles/b.md' order by span_start"
    ).fetchall()
    assert rows[-4:] == [
        ("15,800", 15800.0, 16300.0, "level", "Hongtuo Industrial", "nearest_before:new_name"),
        ("16,300 yuan a ton", 15800.0, 16300.0, "level", "Hongtuo Industrial",
         "nearest_before:new_name"),
        ("12%", None, None, "increase", "Hongtuo Industrial", "topic:new_name"),
        ("300,000 tonnes", None, None, "level", "Hongtuo Industrial", "topic:new_name"),
    ]  # fmt: skip


def test_rows_of_an_older_extractor_are_extracted_again(connection, raw_dir):
    body = "Output rose 5% to 300,000 tonnes.\n"
    write(raw_dir / "articles/a.md", ARTICLE.format(source_id="test_article") + body)
    list_article_text(raw_dir, "test_article", "articles/a.md")
    load(connection, raw_dir)
    load(connection, raw_dir)
    assert statuses(connection) == {"articles/a.md": "unchanged"}
    # Rows written by an extractor without the `change` field.
    connection.execute("alter table raw.claim_candidates drop column change")
    load(connection, raw_dir)
    assert statuses(connection) == {"articles/a.md": "extracted"}
    changes = connection.execute(
        "select change from raw.claim_candidates order by span_start"
    ).fetchall()
    assert changes == [("level",), ("increase",), ("level",)]
