"""Small helpers to draw charts as inline SVG: scales, axes, text, number formats.

The report must open with no network, so it carries no chart library: each chart is SVG
markup written here. Every drawn data mark has class "mark" so a browser test can count them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from html import escape

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies, and in grey print.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442"]
INK = "#1a1a1a"
MUTED = "#666666"
GRID = "#dddddd"


def text(x: float, y: float, content: str, **attributes: str | float) -> str:
    defaults = {"font-size": 11, "fill": INK}
    merged = {**defaults, **attributes}
    rendered = " ".join(f'{name}="{escape(str(value))}"' for name, value in merged.items())
    return f'<text x="{x:.1f}" y="{y:.1f}" {rendered}>{escape(content)}</text>'


def rect(x: float, y: float, width: float, height: float, **attributes: str | float) -> str:
    rendered = " ".join(f'{name}="{escape(str(value))}"' for name, value in attributes.items())
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(width, 0):.1f}" '
        f'height="{max(height, 0):.1f}" {rendered}/>'
    )


def line(x1: float, y1: float, x2: float, y2: float, **attributes: str | float) -> str:
    defaults = {"stroke": GRID, "stroke-width": 1}
    merged = {**defaults, **attributes}
    rendered = " ".join(f'{name}="{escape(str(value))}"' for name, value in merged.items())
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" {rendered}/>'


def mark_title(label: str) -> str:
    """A tooltip and accessible name for one mark."""
    return f"<title>{escape(label)}</title>"


def svg(width: int, height: int, title: str, description: str, body: Iterable[str]) -> str:
    """One chart: role img with a title and a description for screen readers."""
    slug = "".join(character if character.isalnum() else "-" for character in title.lower())
    return (
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'aria-labelledby="{slug}-title {slug}-description" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="inherit">'
        f'<title id="{slug}-title">{escape(title)}</title>'
        f'<desc id="{slug}-description">{escape(description)}</desc>' + "".join(body) + "</svg>"
    )


def linear_scale(
    domain_low: float, domain_high: float, range_low: float, range_high: float
) -> Callable[[float], float]:
    span = (domain_high - domain_low) or 1.0

    def scale(value: float) -> float:
        return range_low + (value - domain_low) / span * (range_high - range_low)

    return scale


def log_scale(
    domain_low: float, domain_high: float, range_low: float, range_high: float
) -> Callable[[float], float]:
    low, high = math.log10(domain_low), math.log10(domain_high)

    def scale(value: float) -> float:
        clamped = max(value, domain_low)
        return range_low + (math.log10(clamped) - low) / ((high - low) or 1.0) * (
            range_high - range_low
        )

    return scale


def log_bounds(values: Iterable[float]) -> tuple[float, float]:
    """Powers of ten around the positive values, for a log axis with whole decades."""
    positive = [value for value in values if value and value > 0]
    if not positive:
        return 1.0, 10.0
    low = 10 ** math.floor(math.log10(min(positive)))
    high = 10 ** math.ceil(math.log10(max(positive)))
    return low, high if high > low else low * 10


def nice_ceiling(value: float) -> float:
    """A round upper bound for a linear axis (1, 2, 2.5, 5 × a power of ten)."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def thousands(value: float, decimals: int = 0) -> str:
    return f"{value:,.{decimals}f}"


def compact_number(value: float) -> str:
    """500, 5,000, 80,000 stay whole; fractions keep up to two significant decimals."""
    if abs(value) >= 100:
        return thousands(value)
    if abs(value) >= 10:
        return f"{value:,.1f}".rstrip("0").rstrip(".")
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def billions(value_cny: float) -> str:
    """330000000000 → '330 bn CNY'; 471100000000 → '471.1 bn CNY'."""
    amount = value_cny / 1e9
    shown = f"{amount:,.1f}".removesuffix(".0")
    return f"{shown} bn CNY"


def percent(fraction: float, decimals: int = 1) -> str:
    shown = f"{fraction * 100:.{decimals}f}"
    if "." in shown:
        shown = shown.rstrip("0").rstrip(".")
    return f"{shown} %"


def value_with_unit(value: float, unit: str | None) -> str:
    """A normalised value in words a reader knows."""
    if unit == "CNY":
        return billions(value)
    if unit == "fraction":
        return percent(value)
    if unit == "t":
        return f"{value / 1e6:,.2f} Mt" if value >= 1e6 else f"{thousands(value)} t"
    if unit == "t/yr":
        return f"{value / 1e6:,.2f} Mt/yr" if value >= 1e6 else f"{thousands(value)} t/yr"
    return f"{compact_number(value)} {unit or ''}".strip()


BOUND_SIGNS = {"at_least": "≥ ", "at_most": "≤ ", "approx": "≈ ", "exact": ""}


def bound_sign(bound: str | None) -> str:
    return BOUND_SIGNS.get(bound or "exact", "")


def hatch_pattern(pattern_id: str, colour: str) -> str:
    """Diagonal stripes: the open end of an 'at least' bar, and computed (not claimed) rows."""
    return (
        f'<defs><pattern id="{pattern_id}" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{colour}" stroke-width="3"/></pattern></defs>'
    )
