"""owid_csv: Our World in Data grapher layout, `Entity,Code,Year,<one column per metal>`."""

from __future__ import annotations

import polars as pl

from dagster_project.ingest.csv_file import CsvRecords, FileError, Rejection
from dagster_project.ingest.series import SCHEMA, parse_observation, parse_year, with_plausibility
from dagster_project.ingest.units import parse_unit, plain_number
from dagster_project.ingest.validate import (
    parse_column,
    parse_error,
    reason_in,
    required,
    split_rejected,
)

KEY_COLUMNS = ["Entity", "Code", "Year"]


def parse(records: CsvRecords, file: str, source: dict) -> tuple[pl.DataFrame, list[Rejection]]:
    missing = [name for name in KEY_COLUMNS if name not in records.header]
    if missing:
        raise FileError(
            f"missing columns: {', '.join(missing)} (OWID layout: Entity,Code,Year,...)"
        )
    measures = [name for name in records.header if name not in KEY_COLUMNS]
    if not measures:
        raise FileError("no value columns after Entity,Code,Year")
    multiplier, unit_base = parse_unit(source["series_unit"])

    # Wide to long: one observation per (line, measure); a blank cell is no observation.
    long = records.rows.unpivot(
        index=["line", *KEY_COLUMNS], on=measures, variable_name="measure", value_name="cell"
    ).filter(pl.col("cell") != "")
    long = parse_column(long, "Year", parse_year, {"period_date": pl.Date})
    long = parse_column(
        long, "cell", parse_observation, {"value": pl.Float64}, plain_number("cell")
    )
    long = long.with_columns((pl.col("value") * multiplier).alias("value_base"))
    long = with_plausibility(long, unit_base)
    checks = [
        required("Entity"),
        parse_error("Year"),
        parse_error("cell"),
        reason_in("cell", "__implausible"),
    ]
    good, rejections = split_rejected(long, checks)
    # A line is loaded only if all its observations are good: reject its other cells too.
    bad_lines = {rejection.line for rejection in rejections}
    good = good.filter(~pl.col("line").is_in(list(bad_lines)))
    loaded = good.select(
        pl.format(
            "owid_{}_{}", pl.col("Code").str.to_lowercase(), pl.col("measure").str.to_lowercase()
        ).alias("series_id"),
        pl.lit(source["source_id"]).alias("source_id"),
        pl.col("Entity").alias("entity"),
        (pl.col("measure").str.to_lowercase() + "_production").alias("metric"),
        "period_date",
        pl.lit("annual").alias("frequency"),
        "value",
        pl.lit(source["series_unit"]).alias("unit_as_written"),
        pl.lit(multiplier).alias("multiplier"),
        "value_base",
        pl.lit(unit_base).alias("unit_base"),
        pl.lit(file).alias("file"),
        "line",
    ).cast(SCHEMA)
    return loaded, rejections
