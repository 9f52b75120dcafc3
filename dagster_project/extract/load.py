"""Articles in raw/articles/ → raw.articles and raw.claim_candidates.

An article whose bytes are unchanged since the last load is not read again: its candidates
are carried over by article hash (which is also part of every candidate id). A file that
cannot be read is recorded with its one-line error; the other articles still load.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from dagster_project.extract.articles import ArticleError
from dagster_project.extract.extractor import extract_file
from dagster_project.ingest.loader import read_registry, transaction
from dagster_project.ingest.registry import ARTICLE_DIR

ARTICLE_SUFFIXES = {".md", ".txt", ".markdown"}

ARTICLES_SCHEMA = {
    "article_path": pl.String,
    "article_sha256": pl.String,
    "source_id": pl.String,
    "title": pl.String,
    "publisher": pl.String,
    "published": pl.String,
    "url": pl.String,
    "language": pl.String,
    "status": pl.String,  # extracted | unchanged | failed
    "error": pl.String,
    "warnings": pl.List(pl.String),
    "candidates_count": pl.Int64,
    "text_length": pl.Int64,
}
CANDIDATES_SCHEMA = {
    "candidate_id": pl.String,
    "article_sha256": pl.String,
    "article_path": pl.String,
    "source_id": pl.String,
    "value": pl.Float64,
    "unit": pl.String,
    "surface": pl.String,
    "start": pl.Int64,
    "end": pl.Int64,
    "sentence_start": pl.Int64,
    "sentence_end": pl.Int64,
    "sentence": pl.String,
    "bound": pl.String,
    "subject": pl.String,
    "metric": pl.String,
    "period": pl.String,
    "period_rule": pl.String,
}


@dataclass
class ArticleLoad:
    articles: pl.DataFrame
    candidates_total: int

    @property
    def failed(self) -> pl.DataFrame:
        return self.articles.filter(pl.col("status") == "failed")


def article_files(raw_dir: Path) -> list[Path]:
    folder = raw_dir / ARTICLE_DIR
    if not folder.is_dir():
        return []
    return sorted(
        path
        for path in folder.rglob("*")
        if path.is_file()
        and path.suffix.lower() in ARTICLE_SUFFIXES
        and not path.name.startswith(".")
        and path.name != "README.md"  # the folder's own instructions
    )


def _previous(connection: duckdb.DuckDBPyConnection) -> tuple[dict[str, dict], pl.DataFrame]:
    """Articles and candidates of the last load, if any (keyed by path)."""
    tables = {
        name
        for (name,) in connection.execute(
            "select table_name from information_schema.tables where table_schema = 'raw'"
        ).fetchall()
    }
    if not {"articles", "claim_candidates"} <= tables:
        return {}, pl.DataFrame(schema=CANDIDATES_SCHEMA)
    articles = connection.sql("select * from raw.articles").pl()
    candidates = connection.sql("select * from raw.claim_candidates").pl()
    by_path = {row["article_path"]: row for row in articles.iter_rows(named=True)}
    return by_path, candidates.select(list(CANDIDATES_SCHEMA)).cast(CANDIDATES_SCHEMA)


def load_articles(connection: duckdb.DuckDBPyConnection, raw_dir: Path) -> ArticleLoad:
    """Needs raw.source_registry (loaded first) to check the articles' source ids."""
    known_sources = set(read_registry(connection).sources["source_id"].to_list())
    previous, previous_candidates = _previous(connection)
    articles: list[dict] = []
    frames = [pl.DataFrame(schema=CANDIDATES_SCHEMA)]
    for path in article_files(raw_dir):
        relative = path.relative_to(raw_dir).as_posix()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        before = previous.get(relative)
        if before and before["article_sha256"] == digest and before["status"] != "failed":
            articles.append({**before, "status": "unchanged"})
            frames.append(previous_candidates.filter(pl.col("article_sha256") == digest))
            continue
        articles.append(_extract_one(path, relative, digest, known_sources, frames))
    # Both frames are read by DuckDB's replacement scan, by their Python names.
    candidates = pl.concat(frames)  # noqa: F841
    article_rows = pl.DataFrame(articles, schema=ARTICLES_SCHEMA)
    with transaction(connection):
        connection.execute("create schema if not exists raw")
        connection.execute("create or replace table raw.articles as select * from article_rows")
        connection.execute(
            "create or replace table raw.claim_candidates as select * from candidates"
        )
    return ArticleLoad(article_rows, sum(frame.height for frame in frames))


def _extract_one(
    path: Path, relative: str, digest: str, known_sources: set[str], frames: list[pl.DataFrame]
) -> dict:
    row = {name: None for name in ARTICLES_SCHEMA}
    row.update(article_path=relative, article_sha256=digest, warnings=[], candidates_count=0)
    try:
        extraction = extract_file(path)
    except ArticleError as error:
        return {**row, "status": "failed", "error": str(error)}
    header = extraction.header
    warnings = list(extraction.warnings)
    source_id = header.get("source_id")
    if source_id and source_id not in known_sources:
        warnings.append(f"source_id {source_id!r} is not in raw/sources.yml")
    text = path.read_bytes().decode("utf-8-sig")  # no newline translation: offsets hold
    records = [
        {
            **candidate.as_record(),
            "candidate_id": candidate.candidate_id,
            "article_sha256": digest,
            "article_path": relative,
            "source_id": source_id,
            "sentence": text[candidate.sentence_start : candidate.sentence_end],
        }
        for candidate in extraction.candidates
    ]
    frames.append(pl.DataFrame(records, schema=CANDIDATES_SCHEMA))
    return {
        **row,
        **{
            name: header.get(name)
            for name in ("title", "publisher", "published", "url", "language")
        },
        "source_id": source_id,
        "status": "extracted",
        "warnings": warnings,
        "candidates_count": len(records),
        "text_length": extraction.text_length,
    }
