"""Precision and recall of the article extractor on the hand-labelled test articles.

    .venv/bin/python benchmarks/extraction_quality.py [--details]

Prints, per article and overall: precision and recall of (value, unit), of (value, unit, bound)
and of subject, plus the share of matched figures whose metric and period agree with the labels.
Targets (issue 3): recall >= 0.95 and precision >= 0.85 on value+unit. Exit code 1 if missed.
Aliases: tests/articles/aliases.csv (the test articles' fictional firms and a few places), plus
dbt/seeds/entity_aliases.csv with --with-seed.

Then the development set of issue 10, tests/articles/dev/: 30 short texts in the styles of real
news (wire copy, translated trade news, company results, government bulletins), in two halves:
tune_* (the rules may be tuned on them) and heldout_* (never looked at while tuning). Its alias
table names places only, so every company in it is one the table does not know.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dagster_project.extract.subjects import DEFAULT_ALIAS_FILE, load_aliases
from dagster_project.review.evaluation import Score, evaluate, format_report

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = ROOT / "tests" / "articles"
DEVELOPMENT_SET = ARTICLES / "dev"
RECALL_TARGET = 0.95
PRECISION_TARGET = 0.85


def group_name(article: str) -> str:
    """The set an article belongs to, from its name: the articles the rules were tuned on,
    each held-out set (holdout_*, holdout2_*), or a half of the development set."""
    prefix = article.split("_")[0]
    if prefix in ("tune", "heldout"):
        return f"dev {prefix} half"
    return f"{prefix} set" if prefix.startswith("holdout") else "tuned set"


def group_scores(scores: list[Score]) -> list[Score]:
    groups: dict[str, Score] = {}
    for score in scores:
        name = group_name(score.name)
        groups.setdefault(name, Score(name)).add(score)
    first = ("tuned set", "dev tune half")
    return [groups[name] for name in sorted(groups, key=lambda n: (n not in first, n))]


def print_details(scores: list[Score]) -> None:
    for score in scores:
        for label in score.missed:
            print(f"MISSED  {score.name}: {label['surface']!r} {label['value']} {label['unit']}")
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=Path, default=ARTICLES)
    parser.add_argument("--development", type=Path, default=DEVELOPMENT_SET)
    parser.add_argument("--details", action="store_true", help="list misses and extras")
    parser.add_argument(
        "--with-seed", action="store_true", help="also read dbt/seeds/entity_aliases.csv"
    )
    args = parser.parse_args(argv)
    seed = [DEFAULT_ALIAS_FILE] if args.with_seed and DEFAULT_ALIAS_FILE.exists() else []
    aliases = load_aliases(*seed, args.articles / "aliases.csv")
    scores, overall = evaluate(args.articles, aliases)
    print(format_report(scores, overall))
    print()
    print(format_report(group_scores(scores), overall))
    if args.details:
        print_details(scores)
    if args.development.is_dir():
        development_aliases = load_aliases(*seed, args.development / "aliases.csv")
        dev_scores, dev_overall = evaluate(args.development, development_aliases)
        print("\ndevelopment set (issue 10), by half:")
        if args.details:
            print(format_report(dev_scores, dev_overall))
            print()
        print(format_report(group_scores(dev_scores), dev_overall))
        if args.details:
            print_details(dev_scores)
    ok = overall.recall() >= RECALL_TARGET and overall.precision() >= PRECISION_TARGET
    print(
        f"\nvalue+unit overall (tests/articles): recall {overall.recall():.3f} "
        f"(target {RECALL_TARGET}), precision {overall.precision():.3f} "
        f"(target {PRECISION_TARGET}): " + ("targets met" if ok else "TARGETS MISSED")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
