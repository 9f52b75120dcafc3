"""Units as written → (multiplier, base unit); numbers and periods as written → values.

A unit string is an optional scale word (billion, 亿, ...) followed by a unit word and an
optional rate (per tonne, per year, per US dollar). The unit words, the base units and their
plausible ranges come from the unit table (settings.UNITS_TABLE, see dagster_project/vocabulary.py);
only its curatable units come out, anything else is an unknown unit, which the loaders reject.
"""

from __future__ import annotations

import math
import re

import polars as pl

from dagster_project import vocabulary

_TABLE = vocabulary.units()

BASE_UNITS = frozenset(name for name, unit in _TABLE.items() if unit.is_curatable)

SCALE_WORDS = {
    "thousand": 1e3,
    "ten thousand": 1e4,
    "million": 1e6,
    "mn": 1e6,
    "100m": 1e8,
    "hundred million": 1e8,
    "billion": 1e9,
    "bn": 1e9,
    "trillion": 1e12,
    "亿": 1e8,
    "万": 1e4,
    "千": 1e3,
}


def _word_key(word: str) -> str:
    """Lower case, a hyphen read as a space, runs of white space as one space."""
    return " ".join(word.lower().replace("-", " ").split())


def _unit_words() -> dict[str, tuple[float, str]]:
    """Every claims-file word of the table → (factor, unit); a word naming two units is an error."""
    words: dict[str, tuple[float, str]] = {}
    for name, unit in _TABLE.items():
        for word in unit.words_in_claims:
            key = _word_key(word.text)
            if key in words and words[key] != (word.factor, name):
                raise vocabulary.VocabularyError(
                    f"unit word {word.text!r} names both {words[key][1]} and {name}"
                )
            words[key] = (word.factor, name)
    return words


UNIT_WORDS = _unit_words()

RATE_SUFFIXES = [
    (re.compile(r"\s*(?:/|per\s+|a\s+)(?:yr|year|annum|y)$"), "/yr"),
    (re.compile(r"\s*(?:/|per\s+)(?:t|tonne|ton|metric ton)$"), "/t"),
    (re.compile(r"\s*(?:/|per\s+)(?:usd|us\s+dollar|dollar)$"), "/USD"),
    (re.compile(r"\s*(?:/|per\s+)(?:m2|square\s+met(?:er|re))$"), "/m2"),
]


class UnitError(ValueError):
    pass


def parse_unit(unit: str) -> tuple[float, str]:
    """Return (multiplier, base unit) for a unit as written, or raise UnitError."""
    text = _word_key(unit)
    if not text:
        raise UnitError("unit is empty")
    # A word of the table, scaled or not, before any rate is split off: `cans/t`, `千瓦`.
    found = _scaled_word(text)
    if found is None:
        # Chinese scale words glue to the unit: 亿元, 万吨.
        text = re.sub(r"^(亿|万|千)\s*", r"\1 ", text)
        found = _scaled_word(text)
    if found is None:
        for pattern, suffix in RATE_SUFFIXES:
            match = pattern.search(text)
            if match and match.start() > 0:
                base = _scaled_word(text[: match.start()].strip())
                if base is not None:
                    found = (base[0], base[1] + suffix)
                break
    if found is None or found[1] not in _TABLE:
        raise UnitError(f"unknown unit {unit!r}")
    if found[1] not in BASE_UNITS:
        raise UnitError(
            f"unit {unit!r} ({found[1]}) is not one a claim can carry; see the unit table"
        )
    return found


def _scaled_word(text: str) -> tuple[float, str] | None:
    """(multiplier, unit) for a word of the table, alone or after a scale word."""
    if text in UNIT_WORDS:
        return UNIT_WORDS[text]
    for word, scale in sorted(SCALE_WORDS.items(), key=lambda item: -len(item[0])):
        if text.startswith(word + " "):
            rest = text[len(word) + 1 :].strip()
            if rest in UNIT_WORDS:
                factor, base = UNIT_WORDS[rest]
                return scale * factor, base
    return None


# ASCII digits only: `\d` alone would also take full-width (５０) and other scripts' digits.
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$", re.ASCII)
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$", re.ASCII)


def parse_number(text: str) -> float:
    """A number as written, thousands separators allowed; raise ValueError otherwise."""
    value = text.strip()
    if not value.isascii() and any(character.isdigit() for character in value):
        raise ValueError(f"not a number: {text!r} has non-ASCII (e.g. full-width) digits")
    if _GROUPED.match(value):
        value = value.replace(",", "")
    if not _NUMBER.match(value):
        raise ValueError(f"not a number: {text!r}")
    number = float(value)
    if math.isinf(number):
        raise ValueError(f"number {text!r} is too large")
    return number


_PERIOD = re.compile(
    r"^(\d{4})(?:-(0[1-9]|1[0-2]|Q[1-4]|H[12])(?:\.\.(0[1-9]|1[0-2]))?)?$", re.ASCII
)


def parse_period(text: str) -> tuple[int, int | None, str, int, int]:
    """A period as written → (year, month or None, kind, first month, last month).

    `YYYY`, `YYYY-MM`, `YYYY-Qn`, `YYYY-Hn`, or `YYYY-MM..MM` for a cumulative span of months
    (Chinese statistics often report January to month N). The months covered let a rate or
    price be averaged over exactly the period.
    """
    match = _PERIOD.match(text.strip())
    if not match:
        raise ValueError(f"period {text!r} is not YYYY, YYYY-MM, YYYY-Qn, YYYY-Hn or YYYY-MM..MM")
    year = int(match.group(1))
    if not 1900 <= year <= 2100:
        raise ValueError(f"period year {year} is outside 1900-2100")
    part, last = match.group(2), match.group(3)
    if part is None:
        return year, None, "year", 1, 12
    if last is not None:
        if not part.isdigit() or int(last) < int(part):
            raise ValueError(f"period {text!r}: a span of months runs from the earlier month")
        return year, None, "months", int(part), int(last)
    if part.isdigit():
        return year, int(part), "month", int(part), int(part)
    number = int(part[1])
    if part[0] == "Q":
        return year, None, "quarter", 3 * number - 2, 3 * number
    return year, None, "half", 6 * number - 5, 6 * number


# Plausible ranges by base unit (after the multiplier): a value outside is a typo, not a fact.
PLAUSIBLE = {name: _TABLE[name].plausible_range for name in BASE_UNITS}


def check_plausible(value: float, base_unit: str) -> str | None:
    """Return a reason if `value` (in `base_unit`) is implausible, else None."""
    low, high = PLAUSIBLE[base_unit]
    if not low <= value <= high:
        return f"value {value:g} {base_unit} is outside the plausible range [{low:g}, {high:g}]"
    return None


# Vectorised fast paths for parse_column: the shapes almost every value has. Anything else
# (thousands separators, exponents, full-width digits, scale words) goes to the parsers above.
_PLAIN_DECIMAL = r"^-?[0-9]{1,15}(\.[0-9]{1,15})?$"
_YEAR = r"^[0-9]{4}$"
_YEAR_MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


def plain_number(column: str) -> tuple[pl.Expr, list[pl.Expr]]:
    """Plain decimals, read by polars exactly as float() reads them (both round correctly)."""
    text = pl.col(column)
    return text.str.contains(_PLAIN_DECIMAL), [text.cast(pl.Float64, strict=False)]


def plain_period(column: str) -> tuple[pl.Expr, list[pl.Expr]]:
    """`YYYY` and `YYYY-MM` within 1900-2100, as parse_period reads them."""
    text = pl.col(column)
    year = text.str.slice(0, 4).cast(pl.Int32, strict=False)
    month = text.str.slice(5, 2).cast(pl.Int32, strict=False)
    is_year = text.str.contains(_YEAR)
    recognised = (is_year | text.str.contains(_YEAR_MONTH)) & year.is_between(1900, 2100)
    return recognised, [
        year,
        pl.when(is_year).then(None).otherwise(month),
        pl.when(is_year).then(pl.lit("year")).otherwise(pl.lit("month")),
        pl.when(is_year).then(1).otherwise(month).cast(pl.Int32),
        pl.when(is_year).then(12).otherwise(month).cast(pl.Int32),
    ]


def implausible(values: pl.Series, base_units: pl.Series) -> pl.Expr:
    """check_plausible for every row: polars finds the values outside their unit's range, and
    Python words the reason for those rows only."""
    frame = pl.DataFrame({"value": values, "unit": base_units})
    lows = {name: low for name, (low, _) in PLAUSIBLE.items()}
    highs = {name: high for name, (_, high) in PLAUSIBLE.items()}
    unit = pl.col("unit")
    outside = frame.select(
        pl.col("value").is_not_null()
        & unit.is_not_null()
        & ~pl.col("value")
        .is_between(
            unit.replace_strict(lows, default=None, return_dtype=pl.Float64),
            unit.replace_strict(highs, default=None, return_dtype=pl.Float64),
        )
        .fill_null(False)
    ).to_series()
    flagged = outside.arg_true()
    if not flagged.len():
        return pl.lit(None, dtype=pl.String)  # one null for every row, nothing allocated
    reasons = pl.repeat(None, frame.height, dtype=pl.String, eager=True)
    wording = [check_plausible(value, unit) for value, unit in frame[flagged].iter_rows()]
    return pl.lit(reasons.scatter(flagged, pl.Series(wording, dtype=pl.String)))
