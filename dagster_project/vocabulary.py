"""The unit table and the metric table, as Python reads them (dbt reads the same files as seeds).

`settings.UNITS_TABLE` (dbt/seeds/units.csv) has one row per unit: what the marts make of it,
its plausible range, its review weight, the metric the extractor guesses when no keyword fits,
and the words that name it — `words` in claims files and article text alike, `claims_words`
only in claims files, `text_words` only in article text. A word may carry a factor to its unit
(`kt=1000`: one kt is 1,000 t). `settings.METRICS_TABLE` (dbt/seeds/metrics.csv) has one row per
metric: its family and unit for the marts, and the keywords, fitting units and counted nouns the
extractor guesses it from.

`is_curatable` is false for what the extractor may write but a claims file may not carry (a unit
ingest rejects, a metric guess too loose to reconcile); the row's note or description says why
and what to curate instead. Standard library only: the extractor depends on nothing else.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

from dagster_project.settings import METRICS_TABLE, UNITS_TABLE


class VocabularyError(ValueError):
    pass


@dataclass(frozen=True)
class Word:
    text: str
    factor: float  # value in the word's unit × factor = value in the table's unit


@dataclass(frozen=True)
class Unit:
    unit: str
    is_curatable: bool
    plausible_range: tuple[float, float] | None
    review_points: int
    default_metric: str | None
    words: tuple[Word, ...]  # read in claims files and article text
    claims_words: tuple[Word, ...]  # read only in claims files
    text_words: tuple[Word, ...]  # read only in article text

    @property
    def words_in_claims(self) -> tuple[Word, ...]:
        """The unit's own name is always a word of claims files (`CNY/t`, `count/yr`)."""
        return (Word(self.unit, 1.0), *self.words, *self.claims_words)

    @property
    def words_in_text(self) -> tuple[Word, ...]:
        return (*self.words, *self.text_words)


@dataclass(frozen=True)
class Metric:
    metric_id: str
    is_curatable: bool
    guess_units: frozenset[str]
    guess_keywords: tuple[str, ...]
    guess_nouns: tuple[str, ...]


def _list(cell: str) -> list[str]:
    return [item.strip() for item in cell.split("|") if item.strip()]


def _words(cell: str, path: Path, unit: str) -> tuple[Word, ...]:
    words = []
    for item in _list(cell):
        text, _, factor = item.partition("=")
        try:
            words.append(Word(text.strip(), float(factor) if factor else 1.0))
        except ValueError:
            raise VocabularyError(f"{path}: unit {unit}: bad factor in {item!r}") from None
    return tuple(words)


def _flag(cell: str, path: Path, row_id: str) -> bool:
    if cell not in ("true", "false"):
        raise VocabularyError(f"{path}: {row_id}: is_curatable must be true or false")
    return cell == "true"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            {key: (value or "").strip() for key, value in row.items()}
            for row in csv.DictReader(handle)
        ]


@functools.cache
def units(path: Path = UNITS_TABLE) -> dict[str, Unit]:
    """Every unit of the table by name, in the table's order."""
    found: dict[str, Unit] = {}
    for row in _rows(path):
        name = row["unit_base"]
        if name in found:
            raise VocabularyError(f"{path}: unit {name} is listed twice")
        low, high = row["plausible_low"], row["plausible_high"]
        found[name] = Unit(
            unit=name,
            is_curatable=_flag(row["is_curatable"], path, name),
            plausible_range=(float(low), float(high)) if low and high else None,
            review_points=int(row["review_points"] or 0),
            default_metric=row["default_metric"] or None,
            words=_words(row["words"], path, name),
            claims_words=_words(row["claims_words"], path, name),
            text_words=_words(row["text_words"], path, name),
        )
        if found[name].is_curatable and found[name].plausible_range is None:
            raise VocabularyError(f"{path}: unit {name} is curatable but has no plausible range")
    return found


@functools.cache
def metrics(path: Path = METRICS_TABLE) -> dict[str, Metric]:
    """Every metric of the table by id, in the table's order."""
    found: dict[str, Metric] = {}
    for row in _rows(path):
        metric_id = row["metric_id"]
        if metric_id in found:
            raise VocabularyError(f"{path}: metric {metric_id} is listed twice")
        found[metric_id] = Metric(
            metric_id=metric_id,
            is_curatable=_flag(row["is_curatable"], path, metric_id),
            guess_units=frozenset(_list(row["guess_units"])),
            guess_keywords=tuple(_list(row["guess_keywords"])),
            guess_nouns=tuple(_list(row["guess_nouns"])),
        )
    return found
