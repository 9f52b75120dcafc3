"""Shared shape of the time-series tables (production, prices, exchange rates)."""

from __future__ import annotations

from datetime import date

import polars as pl

from dagster_project.ingest.units import implausible, parse_number

SCHEMA = {
    "series_id": pl.String,
    "source_id": pl.String,
    "entity": pl.String,
    "metric": pl.String,
    "period_date": pl.Date,
    "frequency": pl.String,
    "value": pl.Float64,
    "unit_as_written": pl.String,
    "multiplier": pl.Float64,
    "value_base": pl.Float64,
    "unit_base": pl.String,
    "file": pl.String,
    "line": pl.Int64,
}


def parse_month_start(text: str) -> tuple[date]:
    """`YYYY-MM-DD` (first of month, as IMF and FRED write monthly data) → date."""
    try:
        parsed = date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"date {text!r} is not YYYY-MM-DD") from None
    if parsed.day != 1:
        raise ValueError(f"monthly date {text!r} is not the first of a month")
    return (parsed,)


def parse_year(text: str) -> tuple[date]:
    value = text.strip()
    if not (value.isascii() and value.isdigit()) or not 1800 <= int(value) <= 2100:
        raise ValueError(f"year {text!r} is not a year between 1800 and 2100")
    return (date(int(value), 1, 1),)


def parse_observation(text: str) -> tuple[float]:
    if text.strip() == ".":
        raise ValueError("missing observation ('.')")
    return (parse_number(text),)


def with_plausibility(rows: pl.DataFrame, base_unit: str) -> pl.DataFrame:
    """Add `__implausible`: why each row's value_base is implausible in `base_unit`, or null."""
    units = pl.repeat(base_unit, rows.height, dtype=pl.String, eager=True)
    return rows.with_columns(implausible(rows["value_base"], units).alias("__implausible"))
