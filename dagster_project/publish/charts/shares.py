"""Shares drawn as ranges: market shares and ranks; China in the world, Binzhou in China."""

from __future__ import annotations

import math

from dagster_project.publish.charts.common import (
    Figure,
    Row,
    count_words,
    legend,
)
from dagster_project.publish.svg import (
    MUTED,
    PALETTE,
    bound_sign,
    hatch_pattern,
    line,
    linear_scale,
    mark_title,
    percent,
    rect,
    svg,
    text,
)


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
    body += legend(
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
            f"({widest['year']}); {count_words(len(ranks), 'rank')} claimed, "
            f"{count_words(computed, 'share')} computed here."
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
        body += legend(
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
