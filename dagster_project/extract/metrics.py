"""Guess a figure's metric from the words near it in its sentence.

Each keyword names a metric and the units that metric can have; the nearest keyword in the
sentence whose metric fits the figure's unit wins (a keyword before the figure is preferred
to one after it at the same distance). A count's own noun decides first ("1,500 jobs" → jobs).
Without a fitting keyword the unit's default metric is used (mm → thickness, rank → rank).
"""

from __future__ import annotations

import re

from dagster_project.extract.patterns import trie_pattern

MONEY = frozenset({"CNY", "USD"})
MONEY_PER_TONNE = frozenset({"CNY/t", "USD/t"})
SHARE = frozenset({"percent", "ratio"})
QUANTITY = frozenset({"t", "t/yr", "m2", "m2/yr", "count", "count/yr", "MW"})

# (metric, units it fits, keywords). Order matters only for identical keywords.
KEYWORDS: list[tuple[str, frozenset[str], tuple[str, ...]]] = [
    ("output_value", MONEY, ("output value", "industrial output", "gross output", "产值")),
    ("revenue", MONEY, ("revenue", "revenues", "operating income", "sales income",
                        "business income", "income", "turnover", "sales")),
    ("net_profit", MONEY, ("profit", "profits", "net profit", "earnings")),
    ("tax", MONEY, ("tax", "taxes")),
    ("investment", MONEY, ("investment", "invest", "invested", "investing", "registered capital",
                           "capital", "funds", "fund")),
    ("exports", MONEY, ("export", "exports", "exported", "overseas sales", "export earnings",
                        "export value")),
    ("selling_price", MONEY | MONEY_PER_TONNE, ("price", "prices", "sells for", "sell for",
                                                "sold for", "sold at", "selling")),
    ("value_added_per_tonne", MONEY_PER_TONNE, ("value added", "added value", "value-added",
                                                "adds", "add", "added", "increase in value")),
    ("value_added", MONEY, ("value added", "added value", "value-added")),
    ("cost_saving_per_tonne", MONEY_PER_TONNE, ("save", "saves", "saved", "saving", "savings",
                                                "cut", "cuts", "reduce", "reduces", "lower")),
    ("cost_saving", MONEY, ("save", "saves", "saved", "saving", "savings")),
    ("market_share", SHARE, ("market share", "share", "domestic market", "national market",
                             "the market", "market", "accounts for", "accounting for",
                             "account for", "occupies", "occupying")),
    ("share", SHARE, ("make up", "makes up", "made up", "proportion", "of which", "of whom",
                      "of the output", "of sales", "of its output")),
    ("growth_rate", frozenset({"percent", "percentage_points"}),
     ("increase", "increased", "growth", "grew", "up", "rose", "rise", "year on year",
      "year-on-year", "higher", "down", "fell", "decline", "declined", "decrease")),
    ("capacity", QUANTITY, ("capacity", "capacities", "production capacity", "designed",
                            "project")),
    ("production", QUANTITY, ("output", "produce", "produces", "produced", "production",
                              "producing", "make", "makes", "made", "rolls", "rolled",
                              "shipments", "shipped", "sold")),
    ("product_thickness", frozenset({"mm"}), ("thick", "thickness", "thin", "thinnest",
                                              "thinner")),
    ("reduction_cell_amperage", frozenset({"kA"}), ("cell", "cells", "electrolytic",
                                                    "electrolysis", "reduction", "potline",
                                                    "amperage", "current")),
    ("reuse_cycles", frozenset({"times"}), ("reuse", "reused", "reusable", "turnover",
                                            "cycles", "recycled", "used")),
    ("density_ratio", SHARE, ("density", "weight", "weighs", "lighter", "heavier")),
    ("purity", frozenset({"percent"}), ("purity", "pure")),
    ("yield_rate", frozenset({"percent"}), ("yield", "yield rate", "finished product rate",
                                            "qualified rate", "pass rate")),
    ("power_consumption", frozenset({"kWh", "kWh/t"}), ("power consumption",
                                                         "electricity consumption",
                                                         "consumption", "consumes",
                                                         "electricity", "power")),
    ("area", frozenset({"m2"}),
     ("area", "covers", "covering", "floor space", "land")),
    ("employment", frozenset({"count"}), ("jobs", "employees", "workers", "staff", "employs",
                                          "employment", "people")),
]  # fmt: skip

NOUN_METRICS = {
    "jobs": "employment", "job": "employment", "employees": "employment",
    "workers": "employment", "people": "employment", "staff": "employment",
    "talents": "employment", "persons": "employment", "engineers": "employment",
    "researchers": "employment",
    "patents": "patents", "patent": "patents",
    "enterprises": "enterprise_count", "enterprise": "enterprise_count",
    "companies": "enterprise_count", "company": "enterprise_count", "firms": "enterprise_count",
    "businesses": "enterprise_count",
    "customers": "customer_count", "clients": "customer_count",
    "countries": "country_count", "regions": "country_count",
    "universities": "partner_count", "institutes": "partner_count", "colleges": "partner_count",
    "lines": "production_lines",
}  # fmt: skip

UNIT_DEFAULTS = {
    "CNY": "amount", "USD": "amount", "CNY/t": "value_per_tonne", "USD/t": "value_per_tonne",
    "t": "production", "t/yr": "capacity", "m2": "area", "m2/yr": "area_capacity",
    "mm": "product_thickness", "kA": "reduction_cell_amperage", "percent": "share",
    "percentage_points": "change", "ratio": "ratio", "count": "count", "count/yr": "capacity",
    "count/t": "yield", "cans/t": "extra_cans_per_tonne", "years": "duration",
    "year": "start_year", "times": "multiple", "rank": "rank", "kWh": "power_consumption",
    "kWh/t": "power_consumption", "MW": "capacity", "m": "length", "CNY/m2": "value_per_m2",
    "USD/m2": "value_per_m2",
}  # fmt: skip

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


_STEEL = re.compile(r"\bsteel\b", re.IGNORECASE)


def refine(metric: str, text: str, sentence_start: int, sentence_end: int) -> str:
    """Name the reference where the metrics seed has a narrower id."""
    if metric == "density_ratio" and _STEEL.search(text, sentence_start, sentence_end):
        return "density_ratio_to_steel"
    return metric


def for_unit(metric: str, unit: str) -> str:
    """Adjust a metric guessed for a stock unit once the unit became a rate."""
    if metric == "capacity" and unit == "m2/yr":
        return "area_capacity"
    return metric


def guess(unit: str, start: int, end: int, keywords: list[Keyword], noun: str | None) -> str:
    """The metric of a figure with this unit at text[start:end]."""
    if noun is not None and noun in NOUN_METRICS and unit == "count":
        return NOUN_METRICS[noun]
    if unit == "rank":
        return "rank"
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
    return UNIT_DEFAULTS.get(unit, "unknown")
