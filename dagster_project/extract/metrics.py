"""Guess a figure's metric from the words near it in its sentence.

Each keyword names a metric and the units that metric can have; the nearest keyword in the
sentence whose metric fits the figure's unit wins (a keyword before the figure is preferred
to one after it at the same distance). A count's own noun decides first ("1,500 jobs" → jobs).
Without a fitting keyword the unit's default metric is used (mm → thickness, rank → rank).

Keywords, fitting units and counted nouns are columns of the metric table, the default metric
of each unit a column of the unit table (settings.METRICS_TABLE, settings.UNITS_TABLE). A guess
the table marks not curatable is a hint for the reviewer, who names a metric when accepting it.
"""

from __future__ import annotations

import re

from dagster_project import vocabulary
from dagster_project.extract.patterns import trie_pattern

METRICS = vocabulary.metrics()

# (metric, units it fits, keywords), in the table's order.
KEYWORDS: list[tuple[str, frozenset[str], tuple[str, ...]]] = [
    (metric.metric_id, metric.guess_units, metric.guess_keywords)
    for metric in METRICS.values()
    if metric.guess_keywords
]

NOUN_METRICS: dict[str, str] = {}
for _metric in METRICS.values():
    for _noun in _metric.guess_nouns:
        if NOUN_METRICS.setdefault(_noun, _metric.metric_id) != _metric.metric_id:
            raise vocabulary.VocabularyError(
                f"counted noun {_noun!r} guesses both {NOUN_METRICS[_noun]} and {_metric.metric_id}"
            )

UNIT_DEFAULTS = {
    name: unit.default_metric
    for name, unit in vocabulary.units().items()
    if unit.default_metric is not None
}

# Metrics set by rules rather than by the tables: a year after "since" or "founded in", a rank,
# a narrower id named by a word in the sentence, a capacity that became an area rate, no guess.
YEAR_ROLE_METRICS = {"since": "start_year", "founded": "founding_year"}
RANK = "rank"
EXCHANGE_RATE = "exchange_rate"  # "($1 = 6.4992 yuan)"
REFINED = {"density_ratio": ("steel", "density_ratio_to_steel")}
RATE_METRICS = {("capacity", "m2/yr"): "area_capacity"}
UNKNOWN = "unknown"
RULE_METRICS = frozenset(
    {
        *YEAR_ROLE_METRICS.values(),
        RANK,
        EXCHANGE_RATE,
        *(narrower for _word, narrower in REFINED.values()),
    }
    | set(RATE_METRICS.values())
)


def _check_keywords() -> None:
    """A keyword may name several metrics only if no unit fits two of them: the guess would
    otherwise depend on the order of the table's rows."""
    seen: dict[str, list[tuple[str, frozenset[str]]]] = {}
    for metric, units, words in KEYWORDS:
        for word in words:
            for other, other_units in seen.get(word.lower(), []):
                if other != metric and units & other_units:
                    raise vocabulary.VocabularyError(
                        f"keyword {word!r} guesses both {other} and {metric} for"
                        f" {sorted(units & other_units)}"
                    )
            seen.setdefault(word.lower(), []).append((metric, units))


_check_keywords()

_LOOKUP: dict[str, list[tuple[str, frozenset[str]]]] = {}
for _metric, _units, _words in KEYWORDS:
    for _word in _words:
        _LOOKUP.setdefault(_word.lower(), []).append((_metric, _units))


def _keyword_char(char: str) -> str:
    if char == " ":
        return r"\s+"
    if char == "-":
        return r"[\s-]"
    return re.escape(char)


_KEYWORD_BODY = r"(?<![A-Za-z])(?:" + trie_pattern(_LOOKUP, _keyword_char) + r")(?![A-Za-z])"
KEYWORD_PATTERN = re.compile(_KEYWORD_BODY, re.IGNORECASE)
KEYWORD_PATTERN_LOWER = re.compile(_KEYWORD_BODY)  # for text already lower-cased

Keyword = tuple[int, int, list[tuple[str, frozenset[str]]]]


def keywords_in(text: str, start: int, end: int, lower: str | None = None) -> list[Keyword]:
    """Metric keywords in one sentence: (start, end, [(metric, units), ...]). `lower`, if
    given, is text.lower() of the same length, scanned instead (faster)."""
    found = []
    matches = (
        KEYWORD_PATTERN.finditer(text, start, end)
        if lower is None
        else KEYWORD_PATTERN_LOWER.finditer(lower, start, end)
    )
    for match in matches:
        key = " ".join(match.group(0).lower().replace("-", " ").split())
        entries = _LOOKUP.get(key) or _LOOKUP.get(key.replace(" ", "-"))
        if entries:
            found.append((match.start(), match.end(), entries))
    return found


_REFINING_WORDS = {
    metric: re.compile(rf"\b{re.escape(word)}\b", re.IGNORECASE)
    for metric, (word, _narrower) in REFINED.items()
}


def refine(metric: str, text: str, sentence_start: int, sentence_end: int) -> str:
    """Name the reference where the metric table has a narrower id."""
    pattern = _REFINING_WORDS.get(metric)
    if pattern is not None and pattern.search(text, sentence_start, sentence_end):
        return REFINED[metric][1]
    return metric


def for_unit(metric: str, unit: str) -> str:
    """Adjust a metric guessed for a stock unit once the unit became a rate."""
    return RATE_METRICS.get((metric, unit), metric)


def guess(unit: str, start: int, end: int, keywords: list[Keyword], noun: str | None) -> str:
    """The metric of a figure with this unit at text[start:end]."""
    if noun is not None and noun in NOUN_METRICS and unit == "count":
        return NOUN_METRICS[noun]
    if unit == RANK:
        return RANK
    best: tuple[float, str] | None = None
    for keyword_start, keyword_end, entries in keywords:
        if keyword_start < end and keyword_end > start:
            continue  # a keyword inside the figure's own text
        if keyword_end <= start:
            distance = float(start - keyword_end)
        else:
            distance = (keyword_start - end) * 1.5
        for metric, units in entries:
            if unit in units and (best is None or distance < best[0]):
                best = (distance, metric)
    if best is not None:
        return best[1]
    return UNIT_DEFAULTS.get(unit, UNKNOWN)
