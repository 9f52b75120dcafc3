"""The value-added ladder: CNY per tonne by chain stage, the sources side by side (log scale)."""

from __future__ import annotations

from dagster_project.publish.charts.common import (
    Figure,
    Row,
    legend,
    short_name,
    source_colours,
)
from dagster_project.publish.svg import (
    MUTED,
    bound_sign,
    compact_number,
    line,
    log_bounds,
    log_scale,
    mark_title,
    rect,
    svg,
    text,
    thousands,
)


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
    body: list[str] = legend(
        [(colours[key], short_name(publishers.get(key), key)) for key in colours], left, 14, 660
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
                f" · {short_name(row['publisher'], row['source_id'])}"
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
