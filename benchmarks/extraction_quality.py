"""Precision and recall of the article extractor on the hand-labelled test articles.

    .venv/bin/python benchmarks/extraction_quality.py [--details]

Prints, per article and overall: precision and recall of (value, unit), of (value, unit, bound)
and of subject, plus the share of matched figures whose metric and period agree with the labels.
Targets (issue 3): recall >= 0.95 and precision >= 0.85 on value+unit. Exit code 1 if missed.
Aliases: tests/articles/aliases.csv (the test articles' fictional firms and a few places), plus
dbt/seeds/entity_aliases.csv with --with-seed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dagster_project.extract.subjects import DEFAULT_ALIAS_FILE, load_aliases
from dagster_project.review.evaluation import Score, evaluate, format_report

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = ROOT / "tests" / "articles"
RECALL_TARGET = 0.95
PRECISION_TARGET = 0.85


def group_scores(scores: list[Score]) -> list[Score]:
    """Totals for the articles the rules were tuned on and for each held-out set (articles
    named holdout_*, holdout2_*: labelled and first measured after the rules were written)."""
    groups: dict[str, Score] = {}
    for score in scores:
        prefix = score.name.split("_")[0]
        name = f"{prefix} set" if prefix.startswith("holdout") else "tuned set"
        groups.setdefault(name, Score(name)).add(score)
    return [groups[name] for name in sorted(groups, key=lambda n: (n != "tuned set", n))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=Path, default=ARTICLES)
    parser.add_argument("--details", action="store_true", help="list misses and extras")
    parser.add_argument(
        "--with-seed", action="store_true", help="also read dbt/seeds/entity_aliases.csv"
    )
    args = parser.parse_args(argv)
    alias_files = [args.articles / "aliases.csv"]
    if args.with_seed and DEFAULT_ALIAS_FILE.exists():
        alias_files.insert(0, DEFAULT_ALIAS_FILE)
    aliases = load_aliases(*alias_files)
    scores, overall = evaluate(args.articles, aliases)
    print(format_report(scores, overall))
    print()
    print(format_report(group_scores(scores), overall))
    if args.details:
        for score in scores:
            for label in score.missed:
                print(
                    f"MISSED  {score.name}: {label['surface']!r} {label['value']} {label['unit']}"
                )
            for candidate in score.spurious:
                print(
                    f"EXTRA   {score.name}: {candidate.surface!r} {candidate.value} "
                    f"{candidate.unit} ({candidate.metric})"
                )
            for label, candidate in score.wrong:
                print(
                    f"WRONG   {score.name}: {label['surface']!r} bound {candidate.bound} "
                    f"(label {label['bound']}), subject {candidate.subject} "
                    f"(label {label.get('subject')})"
                )
    ok = overall.recall() >= RECALL_TARGET and overall.precision() >= PRECISION_TARGET
    print(
        f"\nvalue+unit overall: recall {overall.recall():.3f} (target {RECALL_TARGET}), "
        f"precision {overall.precision():.3f} (target {PRECISION_TARGET}): "
        + ("targets met" if ok else "TARGETS MISSED")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
