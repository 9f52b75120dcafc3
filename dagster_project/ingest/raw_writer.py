"""Parsed files' rows, written to their raw tables a batch of files at a time.

One delete and one insert per file cost milliseconds each however small the file, and a
delete scans the whole table (the files' names share a long prefix, so DuckDB's row-group
filters skip nothing): thousands of files made the load grow with the square of the data.
So the rows of parsed files wait here until about FLUSH_ROWS of them are held, then one
delete removes the old rows of those files (none on a first load) and one insert per table
writes the new ones, in file order. A file's old rows always go before its
new rows are written, and each file's old rows are deleted once.

A file's rows come as a polars frame, or as a list of records (dicts) when the file is small
and many: an article gives one row and a few candidates, and a frame of its own cost more than
its extraction (a worker built two frames an article, and pickled them back, 0.3 ms of 0.7 ms
an article). The writer makes one frame of the records of all the files it holds.
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
import polars as pl

# Rows held before they are written: about 100 MB of frames, twice that while inserted.
FLUSH_ROWS = 250_000
# A file's rows for one table: a frame, or records (dicts keyed by column name).
Rows = pl.DataFrame | list[dict]
# Rows per insert statement: each slice becomes Arrow (which DuckDB scans in place) only
# while it is inserted.
INSERT_ROWS = 1_000_000


class RawWriter:
    def __init__(
        self, connection: duckdb.DuckDBPyConnection, schemas: Mapping[str, Mapping]
    ) -> None:
        self.connection, self.schemas = connection, schemas
        self.tables = list(schemas)
        # A table with no rows at the start needs no delete at all (a first load); any other
        # gets one delete per batch, a scan of the table, like a single file's delete.
        self.empty_at_start = {
            table: connection.execute(f"select count(*) = 0 from raw.{table}").fetchall()[0][0]
            for table in self.tables
        }
        self.replaced: list[str] = []  # parsed files whose old rows are still to be deleted
        self.pending: dict[str, list[Rows]] = {table: [] for table in self.tables}
        self.pending_rows = 0

    def replace(self, file: str) -> None:
        """`file` was parsed: its old rows go, whatever it now loads (perhaps no row at all)."""
        self.replaced.append(file)

    def add(self, table: str, rows: Rows) -> None:
        """Rows of the file last given to replace(), to be written to raw.`table`."""
        if len(rows) == 0:
            return
        self.pending[table].append(rows)
        self.pending_rows += len(rows)
        if self.pending_rows >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        for table in self.tables:
            if self.replaced and not self.empty_at_start[table]:
                self.connection.execute(
                    f"delete from raw.{table} where file in (select unnest(?))", [self.replaced]
                )
            frames, self.pending[table] = self.pending[table], []
            if not frames:
                continue
            # One chunk: DuckDB scanning thousands of small Arrow batches (one per article)
            # ran out of its memory limit.
            batch = pl.concat(self._frames(table, frames), rechunk=True)
            del frames
            for rows in batch.iter_slices(INSERT_ROWS):  # noqa: B007 - scanned by DuckDB
                self.connection.execute(
                    f"insert into raw.{table} by name"
                    " select *, current_timestamp as loaded_at from rows"
                )
        self.replaced = []
        self.pending_rows = 0

    def _frames(self, table: str, held: list[Rows]) -> list[pl.DataFrame]:
        """The rows held, in order, with each run of records made into one frame."""
        frames: list[pl.DataFrame] = []
        records: list[dict] = []
        for rows in held:
            if isinstance(rows, pl.DataFrame):
                if records:
                    frames.append(pl.DataFrame(records, schema=self.schemas[table]))
                    records = []
                frames.append(rows)
            else:
                records += rows
        if records:
            frames.append(pl.DataFrame(records, schema=self.schemas[table]))
        return frames
