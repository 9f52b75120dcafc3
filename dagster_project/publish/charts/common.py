"""What the charts share: the Figure they return, colours, legends, short names."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dagster_project.publish.svg import (
    PALETTE,
    rect,
    text,
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


def colours_for(keys: list[str]) -> dict[str, str]:
    ordered = list(dict.fromkeys(keys))
    return {key: PALETTE[index % len(PALETTE)] for index, key in enumerate(ordered)}


def legend(entries: list[tuple[str, str]], x: float, y: float, width: float) -> list[str]:
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


def count_words(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def short_name(publisher: str | None, source_id: str) -> str:
    """A publisher's name up to its first comma or bracket: enough to tell sources apart."""
    name = (publisher or source_id).split(",")[0].split("(")[0].strip()
    return name[:38]


def source_colours(source_ids: list[str]) -> dict[str, str]:
    """One colour per source, shared by the charts that draw the same sources."""
    return colours_for(sorted(set(source_ids)))
