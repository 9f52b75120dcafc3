"""Units as written → (multiplier, base unit); numbers and periods as written → values.

A unit string is an optional scale word (billion, 亿, Mt's "M" ...) followed by a base unit
and an optional rate (per tonne, per year, per US dollar). Only the base units listed in
docs/architecture.md come out; anything else is an unknown unit, which the loaders reject.
"""

from __future__ import annotations

import re

BASE_UNITS = {
    "CNY", "USD", "CNY/t", "USD/t", "CNY/USD", "t", "t/yr", "m2", "m2/yr", "mm", "kA",
    "percent", "count", "times", "rank", "year", "years", "cans/t", "ratio",
    "count/yr", "CNY/m2", "kWh", "kWh/t", "MW", "m", "percentage_points",
}  # fmt: skip

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

# Base words, lower case. Counting nouns all become `count`.
BASE_WORDS = {
    "cny": "CNY", "yuan": "CNY", "rmb": "CNY", "元": "CNY",
    "usd": "USD", "us$": "USD", "$": "USD", "us dollars": "USD", "dollars": "USD",
    "t": "t", "tonne": "t", "tonnes": "t", "ton": "t", "tons": "t", "metric tons": "t", "吨": "t",
    "m2": "m2", "㎡": "m2", "sq m": "m2", "square meters": "m2", "square metres": "m2",
    "mm": "mm", "millimetre": "mm", "millimetres": "mm", "millimeter": "mm", "millimeters": "mm",
    "ka": "kA", "kiloampere": "kA", "kiloamperes": "kA",
    "%": "percent", "percent": "percent", "per cent": "percent", "pct": "percent",
    "times": "times", "rank": "rank", "year": "year", "years": "years",
    "ratio": "ratio", "cans": "cans",
    "kwh": "kWh", "kilowatt hours": "kWh", "kilowatt-hours": "kWh", "mw": "MW", "megawatts": "MW",
    "m": "m", "metres": "m", "meters": "m",
    "percentage points": "percentage_points", "percentage_points": "percentage_points",
    "pp": "percentage_points",
    "count": "count", "enterprises": "count", "firms": "count", "companies": "count",
    "jobs": "count", "people": "count", "products": "count", "types": "count",
    "institutions": "count", "projects": "count", "items": "count",
}  # fmt: skip

# Glued metric prefixes, only where the industry writes them: kt, Mt.
GLUED_SCALES = {"kt": (1e3, "t"), "mt": (1e6, "t")}

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
    text = " ".join(unit.strip().lower().split())
    if not text:
        raise UnitError("unit is empty")
    # Chinese scale words glue to the unit: 亿元, 万吨.
    text = re.sub(r"^(亿|万|千)\s*", r"\1 ", text)
    rate = ""
    for pattern, suffix in RATE_SUFFIXES:
        match = pattern.search(text)
        if match and match.start() > 0:
            rate, text = suffix, text[: match.start()].strip()
            break
    multiplier, base = _scaled_base(text, unit)
    full = base + rate
    if full not in BASE_UNITS:
        raise UnitError(f"unknown unit {unit!r}")
    return multiplier, full


def _scaled_base(text: str, original: str) -> tuple[float, str]:
    if text in BASE_WORDS:
        return 1.0, BASE_WORDS[text]
    if text in GLUED_SCALES:
        return GLUED_SCALES[text]
    for word, scale in sorted(SCALE_WORDS.items(), key=lambda item: -len(item[0])):
        if text.startswith(word + " "):
            rest = text[len(word) + 1 :].strip()
            if rest in BASE_WORDS:
                return scale, BASE_WORDS[rest]
            if rest in GLUED_SCALES:
                inner_scale, base = GLUED_SCALES[rest]
                return scale * inner_scale, base
    raise UnitError(f"unknown unit {original!r}")


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


def parse_number(text: str) -> float:
    """A number as written, thousands separators allowed; raise ValueError otherwise."""
    value = text.strip()
    if _GROUPED.match(value):
        value = value.replace(",", "")
    if not _NUMBER.match(value):
        raise ValueError(f"not a number: {text!r}")
    return float(value)


_PERIOD = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2]|Q[1-4]|H[12])(?:\.\.(0[1-9]|1[0-2]))?)?$")


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
PLAUSIBLE = {
    "CNY": (-1e13, 1e14),
    "USD": (-1e12, 1e13),
    "CNY/t": (0, 1e8),
    "USD/t": (0, 1e7),
    "CNY/USD": (0.5, 20),
    "t": (0, 1e10),
    "t/yr": (0, 1e10),
    "m2": (0, 1e11),
    "m2/yr": (0, 1e11),
    "mm": (0, 1e5),
    "kA": (0, 1e4),
    "percent": (-100, 10000),
    "count": (0, 1e9),
    "times": (0, 1e7),
    "rank": (1, 10000),
    "year": (1800, 2100),
    "years": (0, 1000),
    "cans/t": (0, 1e7),
    "ratio": (0, 1e6),
    "count/yr": (0, 1e12),
    "CNY/m2": (0, 1e7),
    "kWh": (0, 1e13),
    "kWh/t": (0, 1e5),
    "MW": (0, 1e6),
    "m": (0, 1e7),
    "percentage_points": (-100, 100),
}


def check_plausible(value: float, base_unit: str) -> str | None:
    """Return a reason if `value` (in `base_unit`) is implausible, else None."""
    low, high = PLAUSIBLE[base_unit]
    if not low <= value <= high:
        return f"value {value:g} {base_unit} is outside the plausible range [{low:g}, {high:g}]"
    return None
