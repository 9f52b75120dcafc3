"""Unit words as machine-translated business English writes them → canonical units.

A figure's tail is: optional scale word (billion, 亿, "ten thousand" ...), optional unit word
(yuan, tons, square meters, kiloampere, % ...) and an optional rate (per tonne, a year, /年).
Each piece is matched by one regex built here; `canonical_unit` turns the matched words into
(canonical unit, multiplier).

The units and their words come from the unit table (settings.UNITS_TABLE, read through
dagster_project/vocabulary.py), the same table ingest parses claims files with: the regex of unit
words and the lookup behind `canonical_unit` are built from one list, the table's `words` and
`text_words`. The words of `count` are the counted nouns ("60 enterprises"), read by their own
pattern in numbers.py. A rate makes `X/t`, `X/yr` or `X/m2` when the table has that unit.
"""

from __future__ import annotations

import re

from dagster_project import vocabulary

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
    "bln": 1e9,
    "mn": 1e6,
    "亿": 1e8,
    "万": 1e4,
    "千": 1e3,
}

UNITS = vocabulary.units()
COUNT = "count"

_KEY_DROP = str.maketrans("", "", " \t\r\n-.")


def _key(word: str) -> str:
    return word.lower().translate(_KEY_DROP)


def _text_words() -> tuple[dict[str, tuple[str, float]], list[str], frozenset[str]]:
    """(lookup key → (unit, multiplier), unit words as written, counted nouns) from the table."""
    lookup: dict[str, tuple[str, float]] = {}
    surfaces: list[str] = []
    nouns: set[str] = set()
    for name, unit in UNITS.items():
        for word in unit.words_in_text:
            if name == COUNT:
                nouns.add(word.text.lower())
                continue
            key = _key(word.text)
            if key in lookup and lookup[key] != (name, word.factor):
                raise vocabulary.VocabularyError(
                    f"unit word {word.text!r} names both {lookup[key][0]} and {name}"
                )
            lookup[key] = (name, word.factor)
            surfaces.append(word.text)
    return lookup, surfaces, frozenset(nouns)


# Unit words (lower case, spaces, hyphens and dots removed for lookup) → (unit, multiplier).
UNIT_WORDS, UNIT_SURFACES, COUNT_NOUNS = _text_words()

# Words that end many Chinese words count as a unit only where a word ends ("1,000度", not
# "年度"): a look-ahead per word; every other word is matched as the table writes it.
GUARDED_WORDS = {"度": r"(?=[^\w]|$)"}

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

# Units the rules of numbers.py and extractor.py write without a unit word: ranks ("No. 1",
# "fourth-largest"), fractions in words, "since 1963" / "founded in 2006" years, cans per tonne,
# exchange-rate notes ("($1 = 6.4992 yuan)").
RULE_UNITS = frozenset({"rank", "ratio", "year", "cans/t", "CNY/USD"})

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


SCALE_PATTERN = _alternation(list(SCALES))
# "年" is a unit only when it is not a date (2019年): checked by the caller.
UNIT_PATTERN = (
    r"(?:(?:consecutive|successive|straight|running)\s+)?(?:"
    + _alternation([word for word in UNIT_SURFACES if word not in GUARDED_WORDS])
    + "".join(
        "|" + re.escape(word) + guard
        for word, guard in GUARDED_WORDS.items()
        if word in UNIT_SURFACES
    )
    + ")"
)
RATE_PATTERN = (
    r"(?:\s?/\s?|\s+(?:per|a|an|each|every)\s+)(?:metric\s+)?"
    r"(?P<rate>tonnes?|tons?|t|years?|annum|yr|吨|年|square[\s-]?met(?:er|re)s?|sq\.?\s?m|m2|㎡"
    r"|平方米)(?![A-Za-z])(?!\s+(?:earlier|ago|before|previously|later)\b)"
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
    """The unit with its rate ("CNY" and "/t" → "CNY/t") when the unit table has it, else the
    unit alone ("per year" after a price keeps the price)."""
    if rate is None:
        return unit
    return unit + rate if unit + rate in UNITS else unit
