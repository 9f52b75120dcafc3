"""The report's five charts: rows from the marts in, a Figure (SVG, takeaway, sources) out.

Takeaways are computed from the rows, never written by hand, so they change with the data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from dagster_project.publish.svg import (
    INK,
    MUTED,
    PALETTE,
    billions,
    bound_sign,
    compact_number,
    hatch_pattern,
    line,
    linear_scale,
    log_bounds,
    log_scale,
    mark_title,
    percent,
    rect,
    svg,
    text,
    thousands,
    value_with_unit,
)

Row = dict[str, Any]


@dataclass
class Figure:
    key: str
    title: str
    takeaway: str
    drawings: list[str]
    source_ids: list[str] = field(default_factory=list)
    note: str = ""


def _colours(keys: list[str]) -> dict[str, str]:
    ordered = list(dict.fromkeys(keys))
    return {key: PALETTE[index % len(PALETTE)] for index, key in enumerate(ordered)}


def _legend(entries: list[tuple[str, str]], x: float, y: float, width: float) -> list[str]:
    """Colour swatches with labels, wrapped over lines of `width` pixels."""
    body, cursor_x, cursor_y = [], x, y
    for colour, label in entries:
        span = 18 + len(label) * 6.2
        if cursor_x + span > x + width and cursor_x > x:
            cursor_x, cursor_y = x, cursor_y + 16
        body.append(rect(cursor_x, cursor_y - 9, 11, 11, fill=colour))
        body.append(text(cursor_x + 15, cursor_y, label, **{"font-size": 10.5}))
        cursor_x += span + 12
    return body


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _short(publisher: str | None, source_id: str) -> str:
    """A publisher's name up to its first comma or bracket: enough to tell sources apart."""
    name = (publisher or source_id).split(",")[0].split("(")[0].strip()
    return name[:38]


# ── 1. value-added ladder ───────────────────────────────────────────────────────────────────
def derivation(row: Row) -> str:
    """How the row's CNY per tonne was obtained, in the reader's words."""
    if row["claim_kind"] == "percent_of_ingot":
        return (
            f"{compact_number(row['value_as_written'])} % of ingot × "
            f"{thousands(row['ingot_usd_per_tonne'])} USD/t × "
            f"{row['cny_per_usd']:.3f} CNY/USD ({row['year']})"
        )
    if row["claim_kind"] == "absolute_cny":
        return f"yuan as written ({row['year']})"
    return "ingot price"


def source_colours(source_ids: list[str]) -> dict[str, str]:
    """One colour per source, shared by the charts that draw the same sources."""
    return _colours(sorted(set(source_ids)))


def ladder_chart(
    rows: list[Row], publishers: dict[str, str], colours: dict[str, str] | None = None
) -> Figure:
    title = "Value added per tonne along the chain"
    claims = [row for row in rows if row["claim_kind"] != "ingot_price"]
    ingots = [row for row in rows if row["claim_kind"] == "ingot_price"]
    stages = list(dict.fromkeys((row["stage_order"], row["stage_name"]) for row in claims))
    colours = colours or source_colours([row["source_id"] for row in claims])
    colours = {key: colours[key] for key in sorted({row["source_id"] for row in claims})}
    values = [row["value_added_cny_per_tonne"] for row in claims]
    values += [row["ingot_value_cny_per_tonne"] for row in ingots]
    low, high = log_bounds(values)
    left, right = 150, 470
    scale = log_scale(low, high, left, right)
    bar_height, gap = 16, 5
    legend_height = 34
    plot_top = legend_height + 18
    body: list[str] = _legend(
        [(colours[key], _short(publishers.get(key), key)) for key in colours], left, 14, 660
    )
    y = plot_top
    for _order, stage_name in stages:
        stage_rows = [row for row in claims if row["stage_name"] == stage_name]
        body.append(
            text(left - 8, y + 12, stage_name, **{"text-anchor": "end", "font-weight": "bold"})
        )
        for row in stage_rows:
            value = row["value_added_cny_per_tonne"]
            colour = colours[row["source_id"]]
            label = (
                f"{bound_sign(row['bound'])}{thousands(value)} CNY/t: {derivation(row)}"
                f" · {_short(row['publisher'], row['source_id'])}"
            )
            body.append(
                f'<g class="bar" data-stage="{row["stage_id"]}" data-source="{row["source_id"]}">'
                + rect(left, y, scale(value) - left, bar_height, fill=colour, **{"class": "mark"})
                + mark_title(label)
                + text(
                    scale(value) + 5,
                    y + 12,
                    f"{bound_sign(row['bound'])}{thousands(value)} CNY/t — {derivation(row)}",
                    **{"font-size": 10.5},
                )
                + "</g>"
            )
            y += bar_height + gap
        y += 8
    plot_bottom = y
    decade = low
    while decade <= high * 1.0001:
        x = scale(decade)
        body.insert(0, line(x, plot_top - 4, x, plot_bottom))
        body.append(
            text(x, plot_bottom + 14, thousands(decade), **{"text-anchor": "middle", "fill": MUTED})
        )
        decade *= 10
    for index, row in enumerate(ingots):
        x = scale(row["ingot_value_cny_per_tonne"])
        body.append(
            line(x, plot_top - 4, x, plot_bottom, stroke=MUTED, **{"stroke-dasharray": "4 3"})
        )
        body.append(
            text(
                x + 3,
                plot_bottom + 28 + 12 * index,
                f"ingot value {row['year']}: {thousands(row['ingot_value_cny_per_tonne'])} CNY/t",
                **{"fill": MUTED, "font-size": 10},
            )
        )
    axis_y = plot_bottom + 32 + 12 * len(ingots)
    body.append(
        text(
            (left + right) / 2,
            axis_y + 6,
            "CNY added per tonne over the ingot (log scale)",
            **{"text-anchor": "middle"},
        )
    )
    description = "; ".join(
        f"{row['stage_name']}: {thousands(row['value_added_cny_per_tonne'])} CNY/t "
        f"({row['source_id']})"
        for row in claims
    )
    drawing = svg(880, int(axis_y + 16), title, description, body)

    takeaway = "No value-added claims in this build."
    if claims:
        top = max(claims, key=lambda row: (row["stage_order"], row["value_added_cny_per_tonne"]))
        bottom = min(claims, key=lambda row: (row["stage_order"], row["value_added_cny_per_tonne"]))
        takeaway = (
            f"Carried to {top['stage_name'].lower()}, a tonne gains "
            f"{thousands(top['value_added_cny_per_tonne'])} CNY, "
            f"{top['value_added_cny_per_tonne'] / bottom['value_added_cny_per_tonne']:,.0f} times "
            f"what {bottom['stage_name'].lower()} adds "
            f"({thousands(bottom['value_added_cny_per_tonne'])} CNY)"
        )
        pairs = [
            row
            for row in claims
            if row["stage_id"] == top["stage_id"] and row["source_id"] != top["source_id"]
        ]
        if pairs:
            other = pairs[0]
            difference = abs(top["value_added_cny_per_tonne"] / other["value_added_cny_per_tonne"])
            takeaway += (
                f"; the other source's {thousands(other['value_added_cny_per_tonne'])} CNY "
                f"for the same stage is within {abs(difference - 1):.0%} of it"
            )
        takeaway += "."
    sources = [row["source_id"] for row in claims]
    for row in ingots:
        sources += [part.strip() for part in (row["price_source_ids"] or "").split(",")]
        sources.append(row["rate_source_id"])
    return Figure("ladder", title, takeaway, [drawing], [s for s in sources if s])


# ── 2. output value over time ───────────────────────────────────────────────────────────────
def output_value_chart(
    years: list[Row],
    claims: list[Row],
    publishers: dict[str, str],
    colours: dict[str, str] | None = None,
) -> Figure:
    title = "Output value of the Binzhou aluminium cluster"
    colours = colours or source_colours([row["source_id"] for row in claims])
    colours = {key: colours[key] for key in sorted({row["source_id"] for row in claims})}
    width, left, top, bottom = 880, 70, 58, 300
    maximum = max([row["value_normalised"] for row in claims] or [1.0])
    step = 10 ** math.floor(math.log10(maximum / 1e9)) * 1e9 if maximum > 0 else 1e9
    ceiling = math.ceil(maximum * 1.2 / step) * step
    scale = linear_scale(0, ceiling, bottom, top)
    body: list[str] = [hatch_pattern("open-ended", "#bbbbbb")]
    body += _legend(
        [(colours[key], f"{_short(publishers.get(key), key)}") for key in colours], left, 14, 780
    )
    tick = 0.0
    while tick <= ceiling + 1:
        body.append(line(left, scale(tick), width - 20, scale(tick)))
        body.append(text(left - 6, scale(tick) + 4, f"{tick / 1e9:,.0f}", **{"text-anchor": "end"}))
        tick += step
    body.append(
        text(
            16,
            (top + bottom) / 2,
            "billion CNY",
            transform=f"rotate(-90 16 {(top + bottom) / 2})",
            **{"text-anchor": "middle"},
        )
    )
    bar_width, bar_gap, group_gap = 56, 8, 90
    x = left + 30
    tops: dict[int, tuple[float, float]] = {}
    for year_row in years:
        year = year_row["year"]
        year_claims = sorted(
            [claim for claim in claims if claim["period_year"] == year],
            key=lambda claim: (not claim["is_reported"], -claim["value_normalised"]),
        )
        group_start = x
        for claim in year_claims:
            value = claim["value_normalised"]
            colour = colours[claim["source_id"]]
            label = (
                f"{year}: {bound_sign(claim['bound'])}{billions(value)} "
                f"({claim['bound']}, {claim['source_id']}, trust {claim['trust_grade']})"
                + (" — reported" if claim["is_reported"] else "")
            )
            parts = [f'<g class="claim" data-year="{year}" data-claim="{claim["claim_id"]}">']
            if claim["bound"] == "at_least":
                # open-ended: the figure is a floor, the bar continues to the top of the axis
                parts.append(rect(x, top, bar_width, scale(value) - top, fill="url(#open-ended)"))
                parts.append(text(x + bar_width / 2, top - 3, "▲", **{"text-anchor": "middle"}))
            if claim["bound"] == "at_most":
                parts.append(
                    rect(
                        x,
                        scale(value),
                        bar_width,
                        bottom - scale(value),
                        fill="#ffffff",
                        stroke=colour,
                        **{"stroke-width": 2, "class": "mark"},
                    )
                )
            else:
                opacity = 0.55 if claim["bound"] == "approx" else 1.0
                parts.append(
                    rect(
                        x,
                        scale(value),
                        bar_width,
                        bottom - scale(value),
                        fill=colour,
                        opacity=opacity,
                        stroke=INK if claim["is_reported"] else "none",
                        **{"stroke-width": 2 if claim["is_reported"] else 0, "class": "mark"},
                    )
                )
            parts.append(mark_title(label))
            shown = f"{bound_sign(claim['bound'])}{billions(value).removesuffix(' CNY')}"
            if claim["bound"] == "at_least":
                # keep the figure legible over the hatched open end
                parts.append(rect(x + 1, scale(value) - 17, bar_width - 2, 15, fill="#ffffff"))
            parts.append(
                text(
                    x + bar_width / 2,
                    scale(value) - 5,
                    shown,
                    **{"text-anchor": "middle", "font-size": 10, "font-weight": "bold"},
                )
            )
            parts.append(
                text(
                    x + bar_width / 2,
                    bottom + 13,
                    claim["trust_grade"] or "",
                    **{"text-anchor": "middle", "font-size": 10, "fill": MUTED},
                )
            )
            parts.append("</g>")
            body.append("".join(parts))
            if claim["is_reported"]:
                tops[year] = (x + bar_width / 2, scale(value))
            x += bar_width + bar_gap
        body.append(
            text(
                (group_start + x - bar_gap) / 2,
                bottom + 30,
                str(year),
                **{"text-anchor": "middle", "font-weight": "bold", "font-size": 12},
            )
        )
        x += group_gap
    growth_notes = []
    for year_row in years:
        previous = year_row.get("previous_year")
        rate = year_row.get("cagr_since_previous_year")
        if previous in tops and year_row["year"] in tops and rate is not None:
            (x1, y1), (x2, y2) = tops[previous], tops[year_row["year"]]
            body.append(line(x1, y1 - 18, x2, y2 - 18, stroke=INK, **{"stroke-dasharray": "5 3"}))
            sign = "+" if rate >= 0 else "−"
            note = f"{sign}{percent(abs(rate))} a year, {previous}→{year_row['year']}"
            growth_notes.append(note)
            body.append(
                text(
                    (x1 + x2) / 2,
                    (y1 + y2) / 2 - 26,
                    note,
                    **{"text-anchor": "middle", "font-weight": "bold"},
                )
            )
    body.append(
        text(
            width - 20,
            bottom + 46,
            "Bold outline: the reported figure. ▲ hatched: 'at least' (open-ended). "
            "Pale: approximate. Grade under each bar: source trust.",
            **{"text-anchor": "end", "font-size": 10, "fill": MUTED},
        )
    )
    description = "; ".join(
        f"{row['period_year']}: {bound_sign(row['bound'])}{billions(row['value_normalised'])}"
        f" ({row['source_id']})"
        for row in claims
    )
    drawing = svg(width, bottom + 54, title, description, body)

    takeaway = "No output value in this build."
    if years:
        first, last = years[0], years[-1]
        takeaway = (
            f"Reported: {bound_sign(first['reported_bound'])}{billions(first['output_value_cny'])}"
            f" in {first['year']}"
        )
        if last is not first:
            takeaway += (
                f", {bound_sign(last['reported_bound'])}{billions(last['output_value_cny'])}"
                f" in {last['year']}"
            )
        if growth_notes:
            takeaway += f" ({growth_notes[-1]})"
        widest = max(years, key=lambda row: row["claims_count"])
        if widest["claims_count"] > 1:
            takeaway += (
                f"; {widest['year']}'s {widest['claims_count']} claims run from "
                f"{billions(widest['output_value_low_cny'])} to "
                f"{billions(widest['output_value_high_cny'])}"
            )
        takeaway += "."
    return Figure("output-value", title, takeaway, [drawing], [r["source_id"] for r in claims])


# ── 3. market shares ────────────────────────────────────────────────────────────────────────
def _range_rows(
    rows: list[Row],
    label_of,
    left: int,
    right: int,
    axis_high: float,
    pattern_id: str,
    y_start: float,
) -> tuple[list[str], float]:
    """Ranges share_low..share_high on a percent axis; computed rows hatched, ranks as badges."""
    scale = linear_scale(0, axis_high, left, right)
    body: list[str] = []
    y = y_start
    for row in rows:
        body.append(text(left - 8, y + 11, label_of(row), **{"text-anchor": "end"}))
        parts = [f'<g class="share" data-origin="{row["row_origin"]}">']
        low, high = row["share_low"], row["share_high"]
        computed = row["row_origin"] == "computed"
        colour = PALETTE[2] if computed else PALETTE[0]
        tooltip = f"{label_of(row)}: "
        if low is not None:
            width = max(scale(high) - scale(low), 3)
            parts.append(
                rect(
                    scale(low),
                    y + 2,
                    width,
                    12,
                    fill=f"url(#{pattern_id})" if computed else colour,
                    stroke=colour,
                    **{"class": "mark"},
                )
            )
            shown = percent(low) if high == low else f"{percent(low)}–{percent(high)}"
            if row.get("share_reported_bound") == "at_least":
                shown = f"≥ {percent(low)}"
            tooltip += f"{shown} ({row['row_origin']})"
            parts.append(text(scale(high) + 5, y + 12, shown, **{"font-size": 10.5}))
        if row.get("rank_reported") is not None:
            badge_x = right + 60
            parts.append(rect(badge_x, y + 1, 34, 14, rx=7, fill=PALETTE[1], **{"class": "mark"}))
            parts.append(
                text(
                    badge_x + 17,
                    y + 12,
                    f"#{row['rank_reported']}",
                    **{"text-anchor": "middle", "font-weight": "bold"},
                )
            )
            tooltip += f" rank {row['rank_reported']} claimed"
        parts.append(mark_title(tooltip))
        parts.append("</g>")
        body.append("".join(parts))
        y += 20
    tick = 0.0
    while tick <= axis_high + 1e-9:
        body.insert(0, line(scale(tick), y_start - 4, scale(tick), y))
        body.append(
            text(scale(tick), y + 13, percent(tick, 0), **{"text-anchor": "middle", "fill": MUTED})
        )
        tick += 0.2 if axis_high > 0.5 else 0.1
    return body, y + 20


def _share_label(row: Row) -> str:
    scope = row["market_scope"] or ""
    label = f"{row['entity_name']} · {row['product'] or 'all'} ({scope}, {row['year']})"
    # the label column is about 60 characters wide; keep the product and year, shorten the name
    excess = len(label) - 60
    if excess > 0:
        name = row["entity_name"][: max(len(row["entity_name"]) - excess - 1, 8)] + "…"
        label = f"{name} · {row['product'] or 'all'} ({scope}, {row['year']})"
    return label


def market_share_chart(rows: list[Row]) -> Figure:
    title = "Market shares and ranks"
    body: list[str] = [hatch_pattern("computed-share", PALETTE[2])]
    body += _legend(
        [
            (PALETTE[0], "claimed share (range of the claims)"),
            ("url(#computed-share)", "computed by alcap"),
            (PALETTE[1], "rank claimed"),
        ],
        390,
        14,
        480,
    )
    drawn, height = _range_rows(rows, _share_label, 390, 720, 1.0, "computed-share", 36)
    body += drawn
    body.append(
        text(555, height + 6, "share of the market (low to high)", **{"text-anchor": "middle"})
    )
    description = "; ".join(_share_label(row) for row in rows)
    drawing = svg(880, int(height + 10), title, description, body)
    ranks = [row for row in rows if row.get("rank_reported") is not None]
    shares = [row for row in rows if row["share_low"] is not None]
    computed = sum(row["row_origin"] == "computed" for row in rows)
    takeaway = "No market shares in this build."
    if shares:
        widest = max(shares, key=lambda row: row["share_low"])
        takeaway = (
            f"The largest claimed share: {widest['entity_name']} holds "
            f"{bound_sign(widest.get('share_reported_bound'))}{percent(widest['share_low'])} "
            f"of {widest['market_scope']} {str(widest['product']).lower()} "
            f"({widest['year']}); {_count(len(ranks), 'rank')} claimed, "
            f"{_count(computed, 'share')} computed here."
        )
    sources = [s.strip() for row in rows for s in (row["source_ids"] or "").split(",")]
    return Figure("market-share", title, takeaway, [drawing], sources)


COMPUTATION_LABELS = {
    "production_series_ratio": "production series (OWID)",
    "point_statistics_ratio": "point statistics (IAI, USGS reports)",
}


# ── 4. China's share of world output, Binzhou's share of national capacity ───────────────────
def world_share_chart(world: list[Row], capacity: list[Row]) -> Figure:
    title = "China in the world, Binzhou in China"
    years = [row["year"] for row in world] or [2000]
    highest = max([row["share_reported"] for row in world] or [0.5])
    ceiling = min(1.0, math.ceil(highest * 10 + 0.5) / 10)
    left, right, top, bottom = 60, 500, 30, 260
    x_scale = linear_scale(min(years), max(years) + 1, left, right)
    y_scale = linear_scale(0, ceiling, bottom, top)
    body: list[str] = []
    tick = 0.0
    while tick <= ceiling + 1e-9:
        body.append(line(left, y_scale(tick), right, y_scale(tick)))
        body.append(text(left - 6, y_scale(tick) + 4, percent(tick, 0), **{"text-anchor": "end"}))
        tick += 0.1
    first_decade = min(years) - min(years) % 5
    for year in range(first_decade, max(years) + 1, 5):
        if year >= min(years):
            body.append(text(x_scale(year), bottom + 15, str(year), **{"text-anchor": "middle"}))
    body.append(
        text(
            (left + right) / 2,
            14,
            "China's share of world primary aluminium output",
            **{"text-anchor": "middle", "font-weight": "bold"},
        )
    )
    by_computation: dict[str, list[Row]] = {}
    for row in world:
        by_computation.setdefault(row["computation"], []).append(row)
    for index, (computation, series) in enumerate(sorted(by_computation.items())):
        colour = PALETTE[index % len(PALETTE)]
        points = [(x_scale(row["year"]), y_scale(row["share_reported"])) for row in series]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            body.append(
                f'<polyline class="mark" points="{path}" fill="none" stroke="{colour}" '
                f'stroke-width="2"/>'
            )
        for row, (x, y) in zip(series, points, strict=True):
            body.append(
                f'<circle class="mark" cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
                + mark_title(f"{row['year']}: {percent(row['share_reported'])} ({computation})")
                + "</circle>"
            )
        last = series[-1]
        body.append(
            text(
                x_scale(last["year"]) - 4,
                y_scale(last["share_reported"]) - 8,
                f"{percent(last['share_reported'])} ({last['year']})",
                **{"text-anchor": "end", "font-weight": "bold"},
            )
        )
        body += _legend(
            [(colour, COMPUTATION_LABELS.get(computation, computation))],
            x_scale(min(years) + (max(years) - min(years)) * 0.45),
            bottom - 40 + 16 * index,
            240,
        )
    # right-hand panel: Binzhou's share of national capacity, by stage and year
    panel_left, panel_right = 640, 860
    body.append(hatch_pattern("computed-capacity", PALETTE[2]))
    body.append(
        text(
            (panel_left + panel_right) / 2 - 60,
            14,
            "Binzhou's share of China's capacity",
            **{"text-anchor": "middle", "font-weight": "bold"},
        )
    )
    highest_capacity = max([row["share_high"] or 0 for row in capacity] or [0.3])
    drawn, _height = _range_rows(
        capacity,
        lambda row: (
            f"{row['product']} {row['year']}"
            + (" (computed)" if row["row_origin"] == "computed" else "")
        ),
        panel_left,
        panel_right,
        max(0.3, math.ceil(highest_capacity * 10) / 10),
        "computed-capacity",
        top + 4,
    )
    body += drawn
    panel_height = top + 4 + 20 * len(capacity) + 40
    height = max(bottom + 30, panel_height)
    description = (
        f"China's share from {percent(world[0]['share_reported'])} in {world[0]['year']} "
        f"to {percent(world[-1]['share_reported'])} in {world[-1]['year']}"
        if world
        else "no data"
    )
    drawing = svg(880, int(height), title, description, body)
    takeaway = "No world shares in this build."
    if world:
        takeaway = (
            f"China's share of world primary aluminium went from "
            f"{percent(world[0]['share_reported'])} in {world[0]['year']} to "
            f"{percent(world[-1]['share_reported'])} in {world[-1]['year']}"
        )
        primary = [row for row in capacity if row["stage_id"] == "primary_aluminium"]
        if primary:
            low = min(row["share_low"] for row in primary)
            high = max(row["share_high"] for row in primary)
            years_span = sorted({row["year"] for row in primary})
            takeaway += (
                f"; Binzhou held {percent(low)}–{percent(high)} of China's smelting capacity "
                f"({years_span[0]}–{years_span[-1]}, by source)"
            )
        takeaway += "."
    sources = [s.strip() for row in world + capacity for s in (row["source_ids"] or "").split(",")]
    return Figure("world-share", title, takeaway, [drawing], sources)


# ── 5. quality panel ────────────────────────────────────────────────────────────────────────
GRADE_COLOURS = {"A": "#1b7837", "B": "#5aae61", "C": "#e69f00", "D": "#d55e00"}


def _grades_drawing(grades: list[Row]) -> str:
    title = "Sources by trust grade"
    left, bottom, top = 40, 170, 24
    highest = max([row["sources"] for row in grades] or [1])
    scale = linear_scale(0, highest, bottom, top)
    body = [text(10, 14, title, **{"font-weight": "bold"})]
    width = 34
    for index, row in enumerate(grades):
        x = left + index * (width + 8)
        colour = GRADE_COLOURS.get(row["trust_grade"][0], MUTED)
        body.append(
            rect(
                x,
                scale(row["sources"]),
                width,
                bottom - scale(row["sources"]),
                fill=colour,
                **{"class": "mark"},
            ).replace(
                "/>", f">{mark_title(row['trust_grade'] + ': ' + str(row['sources']))}</rect>"
            )
        )
        body.append(
            text(
                x + width / 2,
                scale(row["sources"]) - 4,
                str(row["sources"]),
                **{"text-anchor": "middle"},
            )
        )
        body.append(
            text(
                x + width / 2,
                bottom + 14,
                row["trust_grade"],
                **{"text-anchor": "middle", "font-weight": "bold"},
            )
        )
    body.append(line(left - 4, bottom, left + len(grades) * (width + 8), bottom, stroke=INK))
    body.append(
        text(
            10,
            bottom + 32,
            "number of sources; A = primary or official … D = unsourced",
            **{"font-size": 10, "fill": MUTED},
        )
    )
    return svg(
        max(300, left + len(grades) * (width + 8) + 20),
        bottom + 40,
        title,
        ", ".join(f"{row['trust_grade']}: {row['sources']}" for row in grades),
        body,
    )


def _loads_drawing(loads: list[Row]) -> str:
    title = "Rows loaded and quarantined, per source"
    left, right = 290, 520
    body = [text(10, 14, title, **{"font-weight": "bold"})]
    y = 26
    for row in loads:
        total = row["rows_loaded"] + row["rows_quarantined"]
        scale = linear_scale(0, max(total, 1), left, right)
        body.append(
            text(
                left - 6,
                y + 9,
                f"{row['source_id']} ({row['trust_grade']})",
                **{"text-anchor": "end", "font-size": 9.5},
            )
        )
        body.append(
            rect(
                left, y, scale(row["rows_loaded"]) - left, 10, fill=PALETTE[0], **{"class": "mark"}
            )
        )
        if row["rows_quarantined"]:
            body.append(
                rect(
                    scale(row["rows_loaded"]),
                    y,
                    right - scale(row["rows_loaded"]),
                    10,
                    fill=PALETTE[4],
                    **{"class": "mark"},
                )
            )
        body.append(
            text(
                right + 6,
                y + 9,
                f"{row['rows_loaded']:,} loaded · {row['rows_quarantined']:,} quarantined",
                **{"font-size": 9.5},
            )
        )
        y += 13
    body += _legend([(PALETTE[0], "loaded"), (PALETTE[4], "quarantined")], left, y + 14, 300)
    return svg(760, int(y + 24), title, f"{len(loads)} sources", body)


def _spread_label(row: Row) -> str:
    parts = [row["entity_id"], row["metric_id"], row["stage_id"], str(row["period_year"])]
    return " · ".join(part.replace("_", " ") for part in parts if part and part != "None")


def _spread_drawing(spreads: list[Row]) -> str:
    title = "Figures with the widest spread between claims"
    left, right = 330, 520
    highest = max([row["spread_ratio"] for row in spreads] or [2.0])
    scale = log_scale(1.0, max(highest * 1.1, 1.5), left, right)
    body = [text(10, 14, title, **{"font-weight": "bold"})]
    y = 28
    for row in spreads:
        low = row["low_value"]
        body.append(
            text(left - 8, y + 8, _spread_label(row), **{"text-anchor": "end", "font-size": 10})
        )
        body.append(
            line(
                scale(1.0),
                y + 4,
                scale(row["spread_ratio"]),
                y + 4,
                stroke=MUTED,
                **{"stroke-width": 2},
            )
        )
        for value in row["claim_values"]:
            body.append(
                f'<circle class="mark" cx="{scale(value / low):.1f}" cy="{y + 4:.1f}" r="4" '
                f'fill="{PALETTE[3]}">{mark_title(value_with_unit(value, row["unit"]))}</circle>'
            )
        body.append(
            text(
                right + 10,
                y + 8,
                f"{value_with_unit(low, row['unit'])} to "
                f"{value_with_unit(row['high_value'], row['unit'])} "
                f"(×{row['spread_ratio']:.2f}, {row['sources_count']} source"
                f"{'s' if row['sources_count'] > 1 else ''})",
                **{"font-size": 10},
            )
        )
        y += 20
    body.append(
        text(
            left,
            y + 10,
            "each dot a claim, placed at its ratio to the lowest (log)",
            **{"font-size": 10, "fill": MUTED},
        )
    )
    return svg(880, int(y + 18), title, "; ".join(_spread_label(row) for row in spreads), body)


def quality_chart(grades: list[Row], loads: list[Row], spreads: list[Row]) -> Figure:
    title = "Data quality: where the figures come from"
    loaded = sum(row["rows_loaded"] for row in loads)
    quarantined = sum(row["rows_quarantined"] for row in loads)
    sources = sum(row["sources"] for row in grades)
    grade_a = sum(row["sources"] for row in grades if row["trust_grade"].startswith("A"))
    takeaway = (
        f"{sources} sources, {grade_a} of them graded A or A−; {loaded:,} rows loaded and "
        f"{quarantined:,} quarantined ({percent(quarantined / max(loaded + quarantined, 1), 2)})"
    )
    if spreads:
        widest = spreads[0]
        takeaway += (
            f"; the widest spread is {_spread_label(widest)}, "
            f"×{widest['spread_ratio']:.1f} between its claims"
        )
    takeaway += "."
    drawings = [_grades_drawing(grades), _loads_drawing(loads), _spread_drawing(spreads)]
    source_ids = [s for row in spreads for s in row["source_ids"]]
    return Figure(
        "quality",
        title,
        takeaway,
        drawings,
        source_ids,
        note="All registered sources are counted in the first two panels.",
    )


__all__ = [
    "Figure",
    "ladder_chart",
    "market_share_chart",
    "output_value_chart",
    "quality_chart",
    "world_share_chart",
]
