"""article_text: an article's own text → raw.articles (one row) and raw.claim_candidates.

The article is one raw row: it loads (with every figure the extractor proposes as a candidate)
or the whole file fails with a one-line reason, like any other raw file. Like every raw file,
an article whose bytes and source are unchanged since the last load is not read again: the
loader carries its previous rows over (the hash is part of every candidate id).
"""

from __future__ import annotations

import polars as pl

from dagster_project.extract.articles import ArticleError, parse_article
from dagster_project.extract.extractor import extract_article
from dagster_project.ingest.csv_file import FileError, chinese_hint, utf16_name

ARTICLES_SCHEMA = {
    "file": pl.String,
    "source_id": pl.String,
    "article_sha256": pl.String,
    "title": pl.String,
    "publisher": pl.String,
    "published": pl.String,
    "url": pl.String,
    "language": pl.String,
    "header_source_id": pl.String,
    "status": pl.String,  # extracted | unchanged
    "warnings": pl.List(pl.String),
    "candidates_count": pl.Int64,
    "text_length": pl.Int64,
}
CANDIDATES_SCHEMA = {
    "candidate_id": pl.String,
    "file": pl.String,
    "source_id": pl.String,
    "article_sha256": pl.String,
    "value": pl.Float64,
    "unit": pl.String,
    "surface": pl.String,
    "span_start": pl.Int64,
    "span_end": pl.Int64,
    "sentence_start": pl.Int64,
    "sentence_end": pl.Int64,
    "sentence": pl.String,
    "bound": pl.String,
    "subject": pl.String,
    "metric": pl.String,
    "period": pl.String,
    "period_rule": pl.String,
    "value_low": pl.Float64,  # both ends of a range, on each of its two candidates
    "value_high": pl.Float64,
    "change": pl.String,  # level | increase | decrease
    "subject_rule": pl.String,  # how the subject was chosen; ":new_name" for unknown names
}
TABLES = {"articles": ARTICLES_SCHEMA, "claim_candidates": CANDIDATES_SCHEMA}
# An article carried over from the last load (see ingest/files_carried.py) says so.
CARRIED_COLUMNS = {"articles": "status = 'unchanged'"}
HEADER_FIELDS = ("title", "publisher", "published", "url", "language")


def parse(data: bytes, file: str, sha256: str, source_id: str) -> dict[str, list[dict]]:
    """One article file → its row of raw.articles and its rows of raw.claim_candidates, as
    records (the loader's writer makes frames of many articles at once, see raw_writer.py)."""
    encoding = utf16_name(data)
    if encoding:
        raise FileError(f"article is {encoding}-encoded, not UTF-8; save it as UTF-8")
    try:
        article = parse_article(data, file)
    except ArticleError as error:
        hint = chinese_hint(data) if error.reason.startswith("not UTF-8") else ""
        raise FileError(error.reason + hint) from None
    extraction = extract_article(article)
    warnings = list(extraction.warnings)
    header_source = article.header.get("source_id")
    if header_source and header_source != source_id:
        warnings.append(
            f"the header names source_id {header_source!r}; raw/sources.yml lists this file"
            f" under {source_id!r}, which is used"
        )
    text = extraction.text
    candidates = [
        {
            "candidate_id": candidate.candidate_id,
            "file": file,
            "source_id": source_id,
            "article_sha256": article.sha256,
            "value": candidate.value,
            "unit": candidate.unit,
            "surface": candidate.surface,
            "span_start": candidate.start,
            "span_end": candidate.end,
            "sentence_start": candidate.sentence_start,
            "sentence_end": candidate.sentence_end,
            "sentence": text[candidate.sentence_start : candidate.sentence_end],
            "bound": candidate.bound,
            "subject": candidate.subject,
            "metric": candidate.metric,
            "period": candidate.period,
            "period_rule": candidate.period_rule,
            "value_low": candidate.value_low,
            "value_high": candidate.value_high,
            "change": candidate.change,
            "subject_rule": candidate.subject_rule,
        }
        for candidate in extraction.candidates
    ]
    article_row = {
        "file": file,
        "source_id": source_id,
        "article_sha256": article.sha256,
        **{name: article.header.get(name) for name in HEADER_FIELDS},
        "header_source_id": header_source,
        "status": "extracted",
        "warnings": warnings,
        "candidates_count": len(candidates),
        "text_length": len(text),
    }
    return {"articles": [article_row], "claim_candidates": candidates}
