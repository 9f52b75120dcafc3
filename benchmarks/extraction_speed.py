"""Throughput of the article extractor on a synthetic corpus of at least 10 MB, on one core.

    .venv/bin/python benchmarks/extraction_speed.py [--megabytes 10] [--seed 7]

The corpus is built from the test articles' bodies: sentences shuffled, every number replaced by
a random one of the same shape (digits, separators, decimals), cut into ~6 KB "articles". The
script times `extract_text` over all of them (best of --repeat runs), and, as a floor measured in
the same run on the same text, a plain `re.finditer(r"\\d", text)` scan. It prints characters
per second, the ratio to the 1 MB/s target, and how many times slower than the floor it is.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

from dagster_project.extract import extract_text
from dagster_project.extract.articles import read_article
from dagster_project.extract.sentences import split
from dagster_project.extract.subjects import load_aliases
from dagster_project.review.evaluation import article_paths

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = ROOT / "tests" / "articles"
TARGET_CHARS_PER_SECOND = 1_000_000
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _vary(match: re.Match[str], rng: random.Random) -> str:
    written = match.group(0)
    return "".join(rng.choice("0123456789") if char.isdigit() else char for char in written)


def build_corpus(megabytes: float, seed: int) -> list[str]:
    """Synthetic articles of ~6,000 characters, at least `megabytes` million characters."""
    rng = random.Random(seed)
    sentences: list[str] = []
    for path in article_paths(ARTICLES):
        article = read_article(path)
        sentences += [
            " ".join(article.text[start:end].split())
            for start, end in split(article.text, article.body_start)
        ]
    target = int(megabytes * 1_000_000)
    documents: list[str] = []
    total = 0
    while total < target:
        picked = rng.sample(sentences, 40)
        paragraphs = [" ".join(picked[i : i + 5]) for i in range(0, len(picked), 5)]
        document = "\n\n".join(_NUMBER.sub(lambda m: _vary(m, rng), p) for p in paragraphs)
        documents.append(document)
        total += len(document)
    return documents


def _time(function, repeat: int, clock=time.perf_counter) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = clock()
        function()
        best = min(best, clock() - started)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    documents = build_corpus(args.megabytes, args.seed)
    characters = sum(len(document) for document in documents)
    whole = "\n\n".join(documents)
    aliases = load_aliases(ARTICLES / "aliases.csv")
    candidates = 0

    def run_extractor() -> None:
        nonlocal candidates
        candidates = sum(len(extract_text(d, aliases=aliases)) for d in documents)

    def run_floor() -> None:
        for _ in re.finditer(r"\d", whole):
            pass

    extractor_seconds = _time(run_extractor, args.repeat)
    floor_seconds = _time(run_floor, args.repeat)
    # On a shared machine wall time moves with the load; the process's CPU time much less.
    extractor_cpu_seconds = _time(run_extractor, 1, time.process_time)
    rate = characters / extractor_seconds
    floor_rate = characters / floor_seconds
    print(f"corpus: {len(documents):,} synthetic articles, {characters:,} characters")
    print(f"extractor: {extractor_seconds:.2f} s, {rate:,.0f} chars/s, {candidates:,} candidates")
    print(f"floor (re.finditer(r'\\d')): {floor_seconds:.2f} s, {floor_rate:,.0f} chars/s")
    print(
        f"extractor CPU time: {extractor_cpu_seconds:.2f} s, "
        f"{characters / extractor_cpu_seconds:,.0f} chars/s of CPU"
    )
    print(f"ratio to the 1 MB/s target: {rate / TARGET_CHARS_PER_SECOND:.2f}")
    print(
        f"extractor is {floor_seconds and extractor_seconds / floor_seconds:.1f}x the floor's time"
    )
    return 0 if rate >= TARGET_CHARS_PER_SECOND else 1


if __name__ == "__main__":
    sys.exit(main())
