"""claims_csv: one figure per row, as articles and point statistics state them."""

from __future__ import annotations

import polars as pl

from dagster_project.ingest.csv_file import CsvRecords, Rejection
from dagster_project.ingest.units import check_plausible, parse_number, parse_period, parse_unit
from dagster_project.ingest.validate import (
    one_of,
    parse_column,
    parse_error,
    required,
    split_rejected,
)

COLUMNS = [
    "claim_id", "subject", "product", "market_scope", "metric", "period", "value", "unit",
    "bound", "source_id", "location_note",
]  # fmt: skip
REQUIRED = ["claim_id", "subject", "metric", "period", "value", "unit", "bound", "source_id"]
BOUNDS = ["exact", "at_least", "at_most", "approx"]
MARKET_SCOPES = ["", "domestic", "world", "provincial", "city"]

SCHEMA = {
    "claim_id": pl.String,
    "source_id": pl.String,
    "subject": pl.String,
    "product": pl.String,
    "market_scope": pl.String,
    "metric": pl.String,
    "period": pl.String,
    "period_year": pl.Int32,
    "period_month": pl.Int32,
    "period_kind": pl.String,
    "period_first_month": pl.Int32,
    "period_last_month": pl.Int32,
    "value": pl.Float64,
    "unit_as_written": pl.String,
    "multiplier": pl.Float64,
    "value_base": pl.Float64,
    "unit_base": pl.String,
    "bound": pl.String,
    "location_note": pl.String,
    "file": pl.String,
    "line": pl.Int64,
}


def parse(
    records: CsvRecords,
    file: str,
    allowed_sources: list[str],
    seen_claim_ids: dict[str, str],
) -> tuple[pl.DataFrame, list[Rejection]]:
    """Validate and normalise one claims file.

    `seen_claim_ids` maps claim ids already loaded (from earlier files) to `file:line`; it is
    updated with this file's ids so duplicates across files are caught too.
    """
    rows = records.rows
    rows = parse_column(rows, "value", parse_number, {"value_number": pl.Float64})
    rows = parse_column(
        rows, "unit", parse_unit, {"multiplier": pl.Float64, "unit_base": pl.String}
    )
    period_outputs = {
        "period_year": pl.Int32,
        "period_month": pl.Int32,
        "period_kind": pl.String,
        "period_first_month": pl.Int32,
        "period_last_month": pl.Int32,
    }
    rows = parse_column(rows, "period", parse_period, period_outputs)
    rows = rows.with_columns(
        (pl.col("value_number") * pl.col("multiplier")).alias("value_base"),
        pl.col("claim_id").is_first_distinct().not_().alias("__duplicate_in_file"),
        pl.col("claim_id").replace_strict(seen_claim_ids, default=None).alias("__seen_at"),
    )
    plausibility = pl.struct("value_base", "unit_base").map_elements(
        lambda row: (
            check_plausible(row["value_base"], row["unit_base"])
            if row["value_base"] is not None and row["unit_base"] is not None
            else None
        ),
        return_dtype=pl.String,
    )
    checks = [required(column) for column in REQUIRED]
    checks += [
        parse_error("value"),
        parse_error("unit"),
        parse_error("period"),
        one_of("bound", BOUNDS),
        one_of("market_scope", MARKET_SCOPES),
        one_of("source_id", sorted(allowed_sources)),
        ("value", plausibility),
        (
            "claim_id",
            pl.when(pl.col("__duplicate_in_file")).then(
                pl.format("duplicate claim_id {} (earlier in this file)", pl.col("claim_id"))
            ),
        ),
        (
            "claim_id",
            pl.when(pl.col("__seen_at").is_not_null()).then(
                pl.format("duplicate claim_id {} (first at {})", pl.col("claim_id"), "__seen_at")
            ),
        ),
    ]
    good, rejections = split_rejected(rows, checks, source_column="source_id")
    for claim_id, line in good.select("claim_id", "line").iter_rows():
        seen_claim_ids[claim_id] = f"{file}:{line}"
    loaded = good.select(
        "claim_id",
        "source_id",
        "subject",
        pl.col("product").replace("", None),
        pl.col("market_scope").replace("", None),
        "metric",
        "period",
        "period_year",
        "period_month",
        "period_kind",
        "period_first_month",
        "period_last_month",
        pl.col("value_number").alias("value"),
        pl.col("unit").alias("unit_as_written"),
        "multiplier",
        "value_base",
        "unit_base",
        "bound",
        pl.col("location_note").replace("", None),
        pl.lit(file).alias("file"),
        "line",
    ).cast(SCHEMA)
    return loaded, rejections
