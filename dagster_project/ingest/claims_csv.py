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
    """Claim ids of earlier files left in a raw table (files_carried.CarriedClaimIds)."""

    def first_at(self, claim_ids: pl.Series, found: pl.Series | None) -> pl.Series | None: ...

    def loaded(self, claim_ids: pl.Series) -> None: ...


class SeenClaimIds:
    """The claim ids loaded from earlier files of a load, with the file and line of each.

    Frames, not a dict: a load can hold millions of ids. They are kept as a few frames sorted
    by claim_id, of doubling sizes (merged as they grow, like a log-structured merge tree), so
    that looking up a small file's ids is a binary search per id, not a pass over every id.
    A file's ids are sorted in only when the next file is looked up (first_at).

    hold_any, asked for every unchanged file a load may carry over, looks the ids' 64-bit
    hashes up in a set instead: thousands of binary searches through polars cost about 1 ms
    each (11 s for 2,000 carried files of ten million ids), set lookups microseconds. The set
    is filled only when a load carries claims files (about 80 bytes an id, gone with the load),
    and a file carried over never needs its ids' places.

    `in_table`, when given, holds the ids of the files carried over that were left in the raw
    table instead (files_carried.CarriedClaimIds): first_at looks them up there, and it is told
    of every id added here. Until it reads them into memory, only the ids of parsed files are
    here, and hold_any is asked only about carried files' rejected rows.
    """

    def __init__(self, in_table: InTable | None = None) -> None:
        self.in_table = in_table
        self.files: list[str] = []
        self.levels: list[pl.DataFrame] = []  # each sorted by claim_id; sizes shrink
        self.pending: list[pl.DataFrame] = []
        self.hashes: set[int] = set()  # filled by hold_any
        self.hashes_pending: list[pl.Series] = []

    def first_at(self, claim_ids: pl.Series) -> pl.Expr:
        """`file:line` where each id was first loaded, or null for an id not seen before."""
        self._sort_in_pending()
        found = None
        for level in self.levels:
            sorted_ids = level["claim_id"]
            position = sorted_ids.search_sorted(claim_ids).clip(0, level.height - 1)
            hit = sorted_ids.gather(position) == claim_ids
            if not hit.any():
                continue
            # Duplicates are rare: only their places are worded, in Python.
            where = level.select("file_index", "line")[position.filter(hit)]
            words = [f"{self.files[index]}:{line}" for index, line in where.iter_rows()]
            if found is None:
                found = pl.repeat(None, claim_ids.len(), dtype=pl.String, eager=True)
            found = found.scatter(hit.arg_true(), words)  # an id is in one level at most
        if self.in_table is not None:
            found = self.in_table.first_at(claim_ids, found)
        if found is None:
            return pl.lit(None, dtype=pl.String)  # one null for every row, nothing allocated
        return pl.lit(found)

    def hold_any(self, claim_ids: pl.Series) -> bool:
        """Whether any of `claim_ids` may have been seen before. An id never seen is never
        reported; two ids sharing a hash (odds of about 10^-5 at ten million ids) report one
        that was not, and the caller then parses the file, whose checks use the ids."""
        for pending in self.hashes_pending:
            self.hashes.update(pending.to_list())
        self.hashes_pending = []
        return not self.hashes.isdisjoint(claim_ids.hash().to_list())

    def add(self, file: str, rows: pl.DataFrame) -> None:
        """Remember the ids of `rows` (columns claim_id and line), loaded from `file`."""
        self.files.append(file)
        index = pl.lit(len(self.files) - 1, dtype=pl.UInt32).alias("file_index")
        self.pending.append(rows.select("claim_id", index, "line"))
        self.hashes_pending.append(rows["claim_id"].hash())
        if self.in_table is not None:
            self.in_table.loaded(rows["claim_id"])

    def _sort_in_pending(self) -> None:
        # Many files' ids wait when files were carried over: sorted together, then merged once.
        frames = [frame for frame in self.pending if not frame.is_empty()]
        if frames:
            self.levels.append(pl.concat(frames).sort("claim_id"))
            while len(self.levels) > 1 and self.levels[-2].height <= 2 * self.levels[-1].height:
                newer, older = self.levels.pop(), self.levels.pop()
                self.levels.append(older.merge_sorted(newer, key="claim_id"))
        self.pending = []


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
    batches: Iterable[pl.DataFrame],
    file: str,
    allowed_sources: list[str],
    seen_claim_ids: SeenClaimIds,
) -> Iterator[tuple[pl.DataFrame, list[Rejection]]]:
    """Validate one claims file's prepared batches: (rows loaded, rejections) per batch.

    `seen_claim_ids` holds the ids loaded from earlier files; once the last batch is out,
    this file's loaded ids are added to it.
    """
    loaded_ids = []
    for rows in batches:
        loaded, rejections = _check_batch(rows, file, allowed_sources, seen_claim_ids)
        loaded_ids.append(loaded.select("claim_id", "line"))
        yield loaded, rejections
    seen_claim_ids.add(file, pl.concat(loaded_ids))


def parse(
    records: CsvRecords,
    file: str,
    allowed_sources: list[str],
    seen_claim_ids: SeenClaimIds,
) -> Iterator[tuple[pl.DataFrame, list[Rejection]]]:
    """Validate and normalise one claims file, BATCH_ROWS rows at a time: (rows, rejections)."""
    return check(prepare(records), file, allowed_sources, seen_claim_ids)


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
    rows: pl.DataFrame, file: str, allowed_sources: list[str], seen_claim_ids: SeenClaimIds
) -> tuple[pl.DataFrame, list[Rejection]]:
    rows = rows.with_columns(seen_claim_ids.first_at(rows["claim_id"]).alias("__seen_at"))
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
        (
            "claim_id",
            pl.col("__seen_at").is_not_null(),
            pl.format("duplicate claim_id {} (first at {})", pl.col("claim_id"), "__seen_at"),
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
