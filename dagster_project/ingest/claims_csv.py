"""claims_csv: one figure per row, as articles and point statistics state them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

import polars as pl

from dagster_project.ingest.csv_file import CsvRecords, Rejection
from dagster_project.ingest.units import (
    implausible,
    parse_number,
    parse_period,
    parse_unit,
    plain_number,
    plain_period,
)
from dagster_project.ingest.validate import (
    one_of,
    parse_column,
    parse_error,
    reason_in,
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

# Rows parsed at once: bounds the memory a file of millions of rows needs beside its text.
BATCH_ROWS = 2_000_000

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


class InTable(Protocol):
    """Told of the claim ids parsed files load (files_carried.CarriedClaimIds)."""

    def loaded(self, claim_ids: pl.Series) -> None: ...


class SeenClaimIds:
    """The claim ids loaded so far by a load's files, for telling whether an unchanged file may
    be carried over (files_carried.may_carry_claims). Whether a parsed row repeats an earlier
    file's id is decided once every file is written (repeated_ids.py), not here.

    hold_any, asked for every unchanged file a load may carry over, looks the ids' 64-bit
    hashes up in a set: thousands of binary searches through polars cost about 1 ms each (11 s
    for 2,000 carried files of ten million ids), set lookups microseconds. The set is filled
    only when a load carries claims files (about 80 bytes an id, gone with the load).

    `in_table`, when given, holds the ids of the files carried over that were left in the raw
    table instead (files_carried.CarriedClaimIds), and is told of every id added here.
    """

    def __init__(self, in_table: InTable | None = None) -> None:
        self.in_table = in_table
        self.hashes: set[int] = set()  # filled by hold_any
        self.hashes_pending: list[pl.Series] = []

    def hold_any(self, claim_ids: pl.Series) -> bool:
        """Whether any of `claim_ids` may have been loaded before. An id never loaded is never
        reported; two ids sharing a hash (odds of about 10^-5 at ten million ids) report one
        that was not, and the caller then parses the file, which is always right."""
        for pending in self.hashes_pending:
            self.hashes.update(pending.to_list())
        self.hashes_pending = []
        return not self.hashes.isdisjoint(claim_ids.hash().to_list())

    def add(self, claim_ids: pl.Series) -> None:
        """Remember ids a file loaded."""
        self.hashes_pending.append(claim_ids.hash())
        if self.in_table is not None:
            self.in_table.loaded(claim_ids)


def prepare(records: CsvRecords) -> Iterator[pl.DataFrame]:
    """A claims file's rows, BATCH_ROWS at a time, with everything worked out that depends on
    this file alone: parsed values, units and periods, plausibility, ids repeated in the file.

    A batch is prepared only when the caller asks for it, so a large file's parsed rows need
    not all be in memory at once. Nothing here depends on other files, so it may run in a
    worker process (parse_pool.py); check() then decides what depends on earlier files.
    """
    # Over the whole file: an id repeats a row of any earlier batch too.
    repeated = records.rows.select(pl.col("claim_id").is_first_distinct().not_()).to_series()
    for offset in range(0, max(records.rows.height, 1), BATCH_ROWS):
        rows = records.rows.slice(offset, BATCH_ROWS).with_columns(
            repeated.slice(offset, BATCH_ROWS).alias("__duplicate_in_file")
        )
        yield _prepare_batch(rows)


def check(
    batches: Iterable[pl.DataFrame], file: str, allowed_sources: list[str]
) -> Iterator[tuple[pl.DataFrame, list[Rejection]]]:
    """Validate one claims file's prepared batches: (rows loaded, rejections) per batch. Ids
    that earlier files loaded are found after the load writes every file (repeated_ids.py)."""
    for rows in batches:
        yield _check_batch(rows, file, allowed_sources)


def parse(
    records: CsvRecords, file: str, allowed_sources: list[str]
) -> Iterator[tuple[pl.DataFrame, list[Rejection]]]:
    """Validate and normalise one claims file, BATCH_ROWS rows at a time: (rows, rejections).
    Nothing here depends on other files, so it may run in a worker process (parse_pool.py)."""
    return check(prepare(records), file, allowed_sources)


def _prepare_batch(rows: pl.DataFrame) -> pl.DataFrame:
    rows = parse_column(
        rows, "value", parse_number, {"value_number": pl.Float64}, plain_number("value")
    )
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
    rows = parse_column(rows, "period", parse_period, period_outputs, plain_period("period"))
    rows = rows.with_columns((pl.col("value_number") * pl.col("multiplier")).alias("value_base"))
    return rows.with_columns(
        implausible(rows["value_base"], rows["unit_base"]).alias("__implausible")
    )


def _check_batch(
    rows: pl.DataFrame, file: str, allowed_sources: list[str]
) -> tuple[pl.DataFrame, list[Rejection]]:
    checks = [required(column) for column in REQUIRED]
    checks += [
        parse_error("value"),
        parse_error("unit"),
        parse_error("period"),
        one_of("bound", BOUNDS),
        one_of("market_scope", MARKET_SCOPES),
        one_of("source_id", sorted(allowed_sources)),
        reason_in("value", "__implausible"),
        (
            "claim_id",
            pl.col("__duplicate_in_file"),
            pl.format("duplicate claim_id {} (earlier in this file)", pl.col("claim_id")),
        ),
    ]
    good, rejections = split_rejected(rows, checks, source_column="source_id", id_column="claim_id")
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
