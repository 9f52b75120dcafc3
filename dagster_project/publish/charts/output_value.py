"""Output value per year: the reported figure, every competing claim beside it, growth."""

from __future__ import annotations

import math

from dagster_project.publish.charts.common import (
    Figure,
    Row,
    legend,
    short_name,
    source_colours,
)
from dagster_project.publish.svg import (
    INK,
    MUTED,
    billions,
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
    body += legend(
        [(colours[key], f"{short_name(publishers.get(key), key)}") for key in colours],
        left,
        14,
        780,
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
