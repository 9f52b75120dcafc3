"""How quantulum3 and pint do on our labelled articles (why alcap has its own rule layer).

Not a project dependency: run it in a throwaway virtualenv, e.g.

    python3.11 -m venv /tmp/libeval && /tmp/libeval/bin/pip install quantulum3 pint
    PYTHONPATH=. /tmp/libeval/bin/python benchmarks/library_evaluation.py

quantulum3 is scored like our extractor (evaluation.py): a found quantity matches a label when
spans overlap and value and unit agree, after mapping its unit names onto our canonical units
as generously as we could (UNIT_MAP). pint finds no figures in text; it is tried as the unit
normaliser behind a rule layer: which of our unit phrasings it parses, and how fast.
"""

from __future__ import annotations

import math
import time
import warnings
from pathlib import Path

from dagster_project.extract.articles import read_article
from dagster_project.review.evaluation import article_paths, read_labels

ARTICLES = Path(__file__).resolve().parent.parent / "tests" / "articles"

UNIT_MAP = {  # quantulum3 unit name → (our unit, factor)
    "chinese yuan": ("CNY", 1.0),
    "united states dollar": ("USD", 1.0),
    "millimetre": ("mm", 1.0),
    "micrometre": ("mm", 1e-3),
    "kiloampere": ("kA", 1.0),
    "percentage": ("percent", 1.0),
    "ton": ("t", 1.0),
    "short ton": ("t", 1.0),
    "tonne": ("t", 1.0),
    "tonne per year": ("t/yr", 1.0),
    "ton per year": ("t/yr", 1.0),
    "square metre": ("m2", 1.0),
    "year": ("years", 1.0),
    "count": ("times", 1.0),
    "kilowatt hour per tonne": ("kWh/t", 1.0),
    "kilowatt hour": ("kWh", 1.0),
    "megawatt": ("MW", 1.0),
    "kilometre": ("m", 1000.0),
    "kilogram": ("t", 1e-3),
    "chinese yuan per tonne": ("CNY/t", 1.0),
    "chinese yuan per ton": ("CNY/t", 1.0),
    "chinese yuan per short ton": ("CNY/t", 1.0),
}

PINT_CASES = [
    "yuan", "billion yuan", "330billion yuan", "mm", "0.245mm", "microns", "kiloampere",
    "600 kiloampere", "kA", "square meters", "3million square meters", "tons per year",
    "tonnes", "metric tons", "kWh per tonne", "MW", "mu", "%", "60%", "percent",
    "percentage points", "times", "years", "亿元", "万吨", "yuan/ton", "yuan per ton",
    "kilometers", "US dollars", "RMB", "15 ten thousand tons", "12 hundred million yuan",
]  # fmt: skip


def evaluate_quantulum() -> None:
    warnings.filterwarnings("ignore")
    from quantulum3 import parser  # noqa: PLC0415 - optional, only in the throwaway venv

    labels_total = found_total = matched_total = value_only_total = 0
    seconds = 0.0
    characters = 0
    for path in article_paths(ARTICLES):
        labels = read_labels(path.with_suffix(".labels.jsonl"))
        article = read_article(path)
        body = article.text[article.body_start :]
        started = time.perf_counter()
        quantities = parser.parse(body)
        seconds += time.perf_counter() - started
        characters += len(body)
        found = []
        for quantity in quantities:
            unit, factor = UNIT_MAP.get(quantity.unit.name, (None, 1.0))
            if quantity.unit.name == "dimensionless" and quantity.value < 1:
                unit = "ratio"
            start = quantity.span[0] + article.body_start
            end = quantity.span[1] + article.body_start
            found.append((start, end, quantity.value * factor, unit))
        used: set[int] = set()
        matched = value_only = 0
        for label in labels:
            overlapping = [
                (index, item)
                for index, item in enumerate(found)
                if item[0] < label["end"] and label["start"] < item[1]
            ]
            if any(math.isclose(item[2], label["value"], rel_tol=1e-6) for _, item in overlapping):
                value_only += 1
            for index, item in overlapping:
                same_value = math.isclose(item[2], label["value"], rel_tol=1e-6)
                if index not in used and item[3] == label["unit"] and same_value:
                    used.add(index)
                    matched += 1
                    break
        print(
            f"{path.stem:<28} labels {len(labels):>3} found {len(found):>3} "
            f"matched {matched:>3} value-only {value_only:>3}"
        )
        labels_total += len(labels)
        found_total += len(found)
        matched_total += matched
        value_only_total += value_only
    print(
        f"quantulum3 overall: value+unit precision {matched_total / found_total:.3f}, "
        f"recall {matched_total / labels_total:.3f}; value at the right place "
        f"{value_only_total}/{labels_total}; {characters / seconds:,.0f} chars/s (first pass)"
    )
    started = time.perf_counter()
    for path in article_paths(ARTICLES):
        article = read_article(path)
        parser.parse(article.text[article.body_start :])
    print(f"quantulum3 warm pass: {characters / (time.perf_counter() - started):,.0f} chars/s")


def evaluate_pint() -> None:
    import pint  # noqa: PLC0415 - optional, only in the throwaway venv

    registry = pint.UnitRegistry()
    parsed = 0
    for case in PINT_CASES:
        try:
            result = repr(registry.parse_expression(case))
            parsed += 1
        except Exception as error:  # noqa: BLE001 - we report whatever pint raises
            result = f"{type(error).__name__}"
        print(f"pint {case!r:<28} -> {result}")
    print(f"pint parsed {parsed}/{len(PINT_CASES)} of our unit phrasings")
    started = time.perf_counter()
    for _ in range(2000):
        for case in ("mm", "kiloampere", "square meters", "tons per year", "kWh per tonne"):
            registry.parse_expression(case)
    print(f"pint: {10_000 / (time.perf_counter() - started):,.0f} unit strings per second")


if __name__ == "__main__":
    evaluate_quantulum()
    evaluate_pint()
