"""The quality panel: sources by trust grade, rows loaded and quarantined, widest spreads."""

from __future__ import annotations

from dagster_project.publish.charts.common import (
    Figure,
    Row,
    legend,
)
from dagster_project.publish.svg import (
    INK,
    MUTED,
    PALETTE,
    line,
    linear_scale,
    log_scale,
    mark_title,
    percent,
    rect,
    svg,
    text,
    value_with_unit,
)

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
    body += legend([(PALETTE[0], "loaded"), (PALETTE[4], "quarantined")], left, y + 14, 300)
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
