"""Unit words as machine-translated business English writes them → canonical units.

A figure's tail is: optional scale word (billion, 亿, "ten thousand" ...), optional unit word
(yuan, tons, square meters, kiloampere, % ...) and an optional rate (per tonne, a year, /年).
Each piece is matched by one regex built here; `canonical_unit` turns the matched words into
(canonical unit, multiplier).

Canonical units are those of `dagster_project/ingest/units.py` where they exist (CNY, USD,
CNY/t, USD/t, t, t/yr, m2, m2/yr, mm, kA, percent, count, times, rank, year, years, cans/t,
ratio), plus a few this extractor meets in articles: count/yr, count/t, kWh, kWh/t,
percentage_points, m, MW.
"""

from __future__ import annotations

import re

# Scale words, longest first so "hundred million" wins over "hundred".
SCALES: dict[str, float] = {
    "hundred million": 1e8,
    "ten thousand": 1e4,
    "hundred thousand": 1e5,
    "trillion": 1e12,
    "billion": 1e9,
    "million": 1e6,
    "thousand": 1e3,
    "hundred": 1e2,
    "bn": 1e9,
    "mln": 1e6,
    "亿": 1e8,
    "万": 1e4,
    "千": 1e3,
}

# Unit words (lower case, spaces and hyphens removed for lookup) → (canonical unit, multiplier).
UNIT_WORDS: dict[str, tuple[str, float]] = {}


def _add(unit: str, multiplier: float, *words: str) -> None:
    for word in words:
        UNIT_WORDS[_key(word)] = (unit, multiplier)


_KEY_DROP = str.maketrans("", "", " \t\r\n-.")


def _key(word: str) -> str:
    return word.lower().translate(_KEY_DROP)


_add("CNY", 1.0, "yuan", "yuan RMB", "RMB", "renminbi", "CNY", "元", "人民币")
_add("USD", 1.0, "US dollars", "US dollar", "U.S. dollars", "dollars", "dollar", "USD")
_add("t", 1.0, "tons", "tonnes", "ton", "tonne", "metric tons", "metric tonnes", "t", "吨")
_add("t", 1e3, "kilotons", "kilotonnes", "kt")
_add("t", 1e-3, "kilograms", "kilogram", "kg")
_add("m2", 1.0, "square meters", "square metres", "square meter", "square metre")
_add("m2", 1.0, "sq m", "sqm", "m2", "m²", "㎡", "平方米")
_add("m2", 10_000 / 15, "mu", "亩")  # 1 mu = 666.67 m2
_add("m", 1.0, "meters", "metres", "meter", "metre", "米")
_add("m", 1e3, "kilometers", "kilometres", "km", "公里")
_add("mm", 1.0, "mm", "millimeters", "millimetres", "millimeter", "millimetre", "毫米")
_add("mm", 1e-3, "microns", "micron", "micrometers", "micrometres", "μm", "µm", "微米")
_add("kA", 1.0, "kA", "kiloamperes", "kiloampere", "kilo amperes", "kilo ampere", "千安")
_add("kA", 1e-3, "amperes", "ampere", "amps")
_add("percent", 1.0, "%", "％", "percent", "per cent", "pct")
_add("percentage_points", 1.0, "percentage points", "percentage point")
_add("times", 1.0, "times", "fold", "倍")
_add("years", 1.0, "years", "year", "yrs", "年")
_add("kWh", 1.0, "kWh", "kilowatt hours", "kilowatt hour", "kW·h", "千瓦时", "度")
_add("MW", 1.0, "MW", "megawatts", "megawatt")
_add("MW", 1e-3, "kW", "kilowatts", "kilowatt", "千瓦")
_add("MW", 1e3, "GW", "gigawatts", "gigawatt")

# Words written before the number: "RMB 3.2 billion", "US$360 million", "¥500".
PREFIX_CURRENCY: dict[str, str] = {
    "rmb": "CNY",
    "cny": "CNY",
    "¥": "CNY",
    "￥": "CNY",
    "us$": "USD",
    "usd": "USD",
    "$": "USD",
}

# Nouns that make a bare number a count: "60 aluminium enterprises", "1,500 new jobs".
COUNT_NOUNS = frozenset(
    {
        "enterprises", "enterprise", "companies", "company", "firms", "firm", "businesses",
        "plants", "plant", "factories", "factory", "mills", "mill", "lines", "line", "projects",
        "project", "patents", "patent", "universities", "university", "institutes", "institute",
        "colleges", "college", "employees", "employee", "workers", "worker", "jobs", "job",
        "people", "persons", "staff", "talents", "experts", "researchers", "engineers", "cans",
        "can", "pieces", "sets", "customers", "customer", "clients", "countries", "regions",
        "products", "varieties", "standards", "awards", "households", "wheels", "pistons",
        "vehicles", "members", "suppliers", "partners", "brands", "orders", "bases", "developers",
    }
)  # fmt: skip

# Rates after a unit. Only the combinations below keep the rate; others keep the base unit.
RATE_UNITS = {
    ("CNY", "/t"): "CNY/t",
    ("USD", "/t"): "USD/t",
    ("kWh", "/t"): "kWh/t",
    ("t", "/yr"): "t/yr",
    ("m2", "/yr"): "m2/yr",
    ("count", "/yr"): "count/yr",
    ("count", "/t"): "count/t",
    ("cans", "/t"): "cans/t",
    ("CNY", "/m2"): "CNY/m2",
    ("USD", "/m2"): "USD/m2",
}

# What "annual capacity of 15万吨" turns a stock unit into.
ANNUAL_UNITS = {"t": "t/yr", "m2": "m2/yr", "count": "count/yr"}
PER_TONNE_UNITS = {"CNY": "CNY/t", "USD": "USD/t", "kWh": "kWh/t"}


def _alternation(words: list[str]) -> str:
    """Regex alternation, longest first; a space or hyphen in a word matches either or none."""
    parts = []
    for word in sorted(set(words), key=len, reverse=True):
        pattern = re.escape(word).replace(r"\ ", r"[\s-]?").replace(r"\-", r"[\s-]?")
        if word[-1].isascii() and word[-1].isalpha():
            pattern += r"(?![A-Za-z])"
        parts.append(pattern)
    return "|".join(parts)


_UNIT_SURFACES = [
    "yuan RMB", "yuan", "RMB", "renminbi", "CNY", "元", "人民币",
    "US dollars", "US dollar", "U.S. dollars", "dollars", "dollar", "USD",
    "metric tons", "metric tonnes", "tons", "tonnes", "ton", "tonne", "t", "吨",
    "kilotons", "kilotonnes", "kt", "kilograms", "kilogram", "kg",
    "square meters", "square metres", "square meter", "square metre", "sq m", "sqm",
    "m2", "m²", "㎡", "平方米", "mu", "亩",
    "kilometers", "kilometres", "km", "公里", "meters", "metres", "meter", "metre",
    "mm", "millimeters", "millimetres", "millimeter", "millimetre", "毫米",
    "microns", "micron", "micrometers", "micrometres", "μm", "µm", "微米",
    "kA", "kiloamperes", "kiloampere", "kilo amperes", "kilo ampere", "千安",
    "amperes", "ampere", "amps",
    "%", "％", "percent", "per cent", "pct", "percentage points", "percentage point",
    "times", "fold", "倍", "years", "year", "yrs",
    "kWh", "kilowatt hours", "kilowatt hour", "kW·h", "千瓦时",
    "MW", "megawatts", "megawatt", "kW", "kilowatts", "kilowatt", "千瓦", "GW", "gigawatts",
    "gigawatt",
]  # fmt: skip

SCALE_PATTERN = _alternation(list(SCALES))
# "年" is a unit only when it is not a date (2019年): checked by the caller.
UNIT_PATTERN = (
    r"(?:(?:consecutive|successive|straight|running)\s+)?(?:"
    + _alternation(_UNIT_SURFACES)
    + r"|年|度(?=[^\w]|$))"
)
RATE_PATTERN = (
    r"(?:\s?/\s?|\s+(?:per|a|an|each|every)\s+)(?:metric\s+)?"
    r"(?P<rate>tonnes?|tons?|t|years?|annum|yr|吨|年|square[\s-]?met(?:er|re)s?|sq\.?\s?m|m2|㎡"
    r"|平方米)(?![A-Za-z])"
    r"|\s+(?P<annually>annually|yearly)(?![A-Za-z])"
)

_RATE_WORDS = {"tonne": "/t", "ton": "/t", "t": "/t", "吨": "/t", "year": "/yr", "annum": "/yr"}
_SQUARE = re.compile(r"^(?:square|sq|m2|㎡|平方米)", re.IGNORECASE)


_DURATION_ADJECTIVE = re.compile(r"^(?:consecutive|successive|straight|running)\s+", re.I)
_UNIT_CACHE: dict[str, tuple[str | None, float]] = {}


def canonical_scale(word: str | None) -> float:
    if not word:
        return 1.0
    return SCALES[" ".join(word.lower().replace("-", " ").split())]


def canonical_unit(word: str | None) -> tuple[str | None, float]:
    """(canonical unit, multiplier) for a matched unit word; (None, 1.0) for no word."""
    if not word:
        return None, 1.0
    found = _UNIT_CACHE.get(word)
    if found is None:
        bare = _DURATION_ADJECTIVE.sub("", word)
        found = UNIT_WORDS.get(_key(bare), (None, 1.0))
        if len(_UNIT_CACHE) < 10_000:
            _UNIT_CACHE[word] = found
    return found


def canonical_rate(rate: str | None, annually: str | None) -> str | None:
    """'/t' or '/yr' for a matched rate word."""
    if annually:
        return "/yr"
    if not rate:
        return None
    if _SQUARE.match(rate):
        return "/m2"
    word = rate.lower().rstrip("s") if rate.isascii() else rate
    return _RATE_WORDS.get(word, "/yr" if word in ("yr", "年") else None)


def apply_rate(unit: str, rate: str | None) -> str:
    if rate is None:
        return unit
    return RATE_UNITS.get((unit, rate), unit)
