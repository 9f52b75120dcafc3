"""Monthly two-column series: IMF (`Date,Price`) and FRED (`observation_date,<SERIES_ID>`)."""

from __future__ import annotations

import polars as pl

from dagster_project.ingest.csv_file import CsvRecords, FileError, Rejection
from dagster_project.ingest.series import (
    SCHEMA,
    parse_month_start,
    parse_observation,
    with_plausibility,
)
from dagster_project.ingest.units import parse_unit, plain_number
from dagster_project.ingest.validate import (
    parse_column,
    parse_error,
    reason_in,
    required,
    split_rejected,
)

LAYOUTS = {
    "imf_csv": ("Date", "Price"),
    "fred_csv": ("observation_date", None),  # the value column is named after the series id
}


def parse(
    records: CsvRecords, file: str, source: dict, file_format: str
) -> tuple[pl.DataFrame, list[Rejection]]:
    date_column, value_column = LAYOUTS[file_format]
    if len(records.header) != 2 or records.header[0] != date_column:
        expected = f"{date_column},{value_column or '<SERIES_ID>'}"
        raise FileError(
            f"header {','.join(records.header)!r} is not the {file_format} layout {expected}"
        )
    value_column = records.header[1]
    if file_format == "imf_csv" and value_column != "Price":
        raise FileError(f"second column is {value_column!r}, IMF layout has 'Price'")
    series_id = value_column if file_format == "fred_csv" else f"imf_{source['source_id']}"
    multiplier, unit_base = parse_unit(source["series_unit"])

    rows = parse_column(records.rows, date_column, parse_month_start, {"period_date": pl.Date})
    rows = parse_column(
        rows, value_column, parse_observation, {"value": pl.Float64}, plain_number(value_column)
    )
    rows = rows.with_columns((pl.col("value") * multiplier).alias("value_base"))
    rows = with_plausibility(rows, unit_base)
    checks = [
        required(date_column),
        required(value_column),
        parse_error(date_column),
        parse_error(value_column),
        reason_in(value_column, "__implausible"),
        (
            date_column,
            pl.col("period_date").is_duplicated() & pl.col("period_date").is_not_null(),
            pl.format("date {} appears more than once", pl.col(date_column)),
        ),
    ]
    good, rejections = split_rejected(rows, checks)
    loaded = good.select(
        pl.lit(series_id).alias("series_id"),
        pl.lit(source["source_id"]).alias("source_id"),
        pl.lit(source["series_entity"]).alias("entity"),
        pl.lit(source["series_metric"]).alias("metric"),
        "period_date",
        pl.lit(source["series_frequency"] or "monthly").alias("frequency"),
        "value",
        pl.lit(source["series_unit"]).alias("unit_as_written"),
        pl.lit(multiplier).alias("multiplier"),
        "value_base",
        pl.lit(unit_base).alias("unit_base"),
        pl.lit(file).alias("file"),
        "line",
    ).cast(SCHEMA)
    return loaded, rejections
