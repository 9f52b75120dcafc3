"""Fixtures for the article extractor tests: the test articles and their alias table."""

from __future__ import annotations

from pathlib import Path

import pytest

from dagster_project.extract import AliasTable, extract_text, load_aliases

ARTICLES = Path(__file__).resolve().parent.parent / "articles"


@pytest.fixture(scope="session")
def articles_dir() -> Path:
    return ARTICLES


@pytest.fixture(scope="session")
def aliases() -> AliasTable:
    return load_aliases(ARTICLES / "aliases.csv")


@pytest.fixture
def extract(aliases):
    """extract_text with the test alias table; asserts every surface is its own span."""

    def run(text: str, **options):
        options.setdefault("aliases", aliases)
        candidates = extract_text(text, **options)
        for candidate in candidates:
            assert text[candidate.start : candidate.end] == candidate.surface
            assert candidate.sentence_start <= candidate.start < candidate.end
            assert candidate.end <= candidate.sentence_end
        return candidates

    return run
