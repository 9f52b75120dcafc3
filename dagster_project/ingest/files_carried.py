"""Files unchanged since the last load keep their rows, without being parsed again.

A file is carried over when its parse key (a hash of its bytes, the registry entries that list
it, the unit table and INGEST_VERSION) equals the key the last load recorded for it, and that
load loaded it (status loaded or loaded_with_rejections). Its rows stay in the raw tables (by
`file`), its rejections and counts in raw.rejected_rows and raw.file_loads.

A claims file also depends on the files before it (a claim id they load is a duplicate in it),
so raw.rejected_claim_ids keeps the claim id of each of its rejected rows: internal, like
raw.file_parse_keys, and not published.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import duckdb
import polars as pl

from dagster_project.ingest.claims_csv import SeenClaimIds
from dagster_project.ingest.csv_file import Rejection
from dagster_project.settings import UNITS_TABLE

# Raise it when a parsing rule changes, so that the next load parses every file again.
INGEST_VERSION = "2"
PARSE_KEYS_DDL = """
create table if not exists raw.file_parse_keys (
    dataset varchar not null, file varchar not null, parse_key varchar not null
)"""
# One row per rejected line of a claims file that loaded, written with the file's parse key;
# claim_id is null for a line that is no CSV record.
REJECTED_CLAIM_IDS_DDL = """
create table if not exists raw.rejected_claim_ids (
    dataset varchar not null, file varchar not null, parse_key varchar not null,
    line bigint not null, claim_id varchar
)"""
# What a registry entry tells the parsers about a file.
ENTRY_FIELDS = (
    "source_id", "format", "series_entity", "series_metric", "series_unit", "series_frequency",
)  # fmt: skip
_UNITS_DIGEST = hashlib.sha256(UNITS_TABLE.read_bytes()).hexdigest()


def parse_key(sha256: str, sources: list[dict]) -> str:
    entries = [[source[name] for name in ENTRY_FIELDS] for source in sources]
    text = json.dumps([INGEST_VERSION, _UNITS_DIGEST, sha256, entries])
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class PreviousLoads:
    """What the last load of a dataset recorded for each file it loaded."""

    dataset: str
    counts: dict[str, tuple[int, int, int, str]]  # file → (read, loaded, rejected, status)
    keys: dict[str, str]
    # file → its rejections, each with its row's claim id when raw.rejected_claim_ids has it
    rejections: dict[str, list[Rejection]] = field(default_factory=dict)
    # Files with a rejected line whose claim id is not recorded (under the file's parse key)
    claim_ids_unrecorded: set[str] = field(default_factory=set)

    @classmethod
    def read(cls, connection: duckdb.DuckDBPyConnection, dataset: str) -> PreviousLoads:
        """Read once the raw schema exists (loader.ensure_raw_schema)."""
        counts = {
            file: tuple(row)
            for file, *row in connection.execute(
                "select file, rows_read, rows_loaded, rows_rejected, status from raw.file_loads"
                " where dataset = ? and status like 'loaded%'",
                [dataset],
            ).fetchall()
        }
        keys = dict(
            connection.execute(
                "select file, parse_key from raw.file_parse_keys where dataset = ?", [dataset]
            ).fetchall()
        )
        previous = cls(dataset, counts, keys)
        previous._read_rejections(connection)
        return previous

    def _read_rejections(self, connection: duckdb.DuckDBPyConnection) -> None:
        """All at once: one query per file costs milliseconds, and a load has thousands."""
        # A file is carried only under the parse key it was loaded with, so ids recorded under
        # another key (by a load of other bytes) do not count.
        rows = connection.execute(
            "select rejected.file, rejected.line, column_name, value, reason, source_id,"
            " ids.claim_id, ids.line is not null"
            " from raw.rejected_rows as rejected"
            " left join raw.file_parse_keys as keys"
            " on keys.dataset = rejected.dataset and keys.file = rejected.file"
            " left join raw.rejected_claim_ids as ids"
            " on ids.dataset = rejected.dataset and ids.file = rejected.file"
            " and ids.line = rejected.line and ids.parse_key = keys.parse_key"
            " where rejected.dataset = ? order by rejected.file, rejected.line",
            [self.dataset],
        ).fetchall()
        for file, *rejection, recorded in rows:
            self.rejections.setdefault(file, []).append(Rejection(*rejection))
            if not recorded:
                self.claim_ids_unrecorded.add(file)

    def unchanged(self, file: str, key: str) -> tuple[int, int, int, str] | None:
        """The file's counts and status from the last load, if it is the same file as then."""
        if file in self.counts and self.keys.get(file) == key:
            return self.counts[file]
        return None


class LoadedClaimIds:
    """The claim ids (and lines) each file loaded last time, read for many files at once.

    A query for one file's rows scans the whole raw table (the files' names share a long
    prefix, so DuckDB's row-group filters skip nothing): with thousands of files that grows
    with the square of the data. So the files that may be carried are read in load order, a
    window of files at a time: at least WINDOW_ROWS rows, more in a large table, which is then
    scanned about MOST_WINDOWS times. A file's rows change only when it is parsed, and by then
    it is no longer asked for.
    """

    WINDOW_ROWS = 1_000_000
    MOST_WINDOWS = 8

    def __init__(
        self,
        connection: duckdb.DuckDBPyConnection,
        table: str,
        files: list[str],
        rows: dict[str, int],
    ) -> None:
        self.connection, self.table, self.files, self.rows = connection, table, files, rows
        self.position = {file: index for index, file in enumerate(files)}
        self.window: dict[str, pl.DataFrame] = {}
        self.window_rows = max(self.WINDOW_ROWS, sum(rows.values()) // self.MOST_WINDOWS)

    def of(self, file: str) -> pl.DataFrame:
        """Columns claim_id and line of the rows `file` has in the raw table."""
        if file not in self.window:
            self._read_window(self.position[file])
        return self.window.pop(file)

    def _read_window(self, start: int) -> None:
        window, total = [], 0
        for file in self.files[start:]:
            if window and total + self.rows[file] > self.window_rows:
                break
            window.append(file)
            total += self.rows[file]
        frame = self.connection.sql(
            f"select file, claim_id, line from raw.{self.table} where file in (select unnest(?))",
            params=[window],
        ).pl()
        empty = frame.clear().drop("file")
        self.window = {file: empty for file in window}  # a file whose rows were all rejected
        for (file,), rows in frame.partition_by("file", as_dict=True, include_key=False).items():
            self.window[file] = rows


class CarriedClaimIds:
    """The claim ids of the files carried over, left in the raw table while that pays.

    Each load keeps the claim ids it loads unique across its files (a repeated id is rejected),
    so the files carried over, whose rows are those of the last load, never share an id. Their
    ids matter only where they could meet the ids of files parsed in this load: a carried file
    holding an id a parsed file before it loaded is parsed again (`holds_parsed_id`; a parsed
    file repeating a carried file's id is found with the others, repeated_ids.py). That is one
    query on the raw table, instead of reading every carried id into memory (10 M ids at
    scale 100: 5 s of a one-file refresh's load). Many parsed files between carried ones would
    make many queries, so after LOOKUPS of them the carried ids are read into memory
    (`read_into`) and the load goes on as with LoadedClaimIds.
    """

    LOOKUPS = 16

    def __init__(self, connection: duckdb.DuckDBPyConnection, table: str) -> None:
        self.connection, self.table = connection, table
        self.files: list[str] = []  # carried, in load order
        self.in_memory = False  # read_into has run: the ids are all in SeenClaimIds
        self.lookups = 0
        self.parsed_ids: list[pl.Series] = []  # loaded by parsed files, not yet looked up
        self.holding: set[str] = set()  # files whose rows hold an id a parsed file loaded

    def carry(self, file: str) -> None:
        self.files.append(file)

    def loaded(self, claim_ids: pl.Series) -> None:
        """A parsed file loaded these ids (SeenClaimIds.add)."""
        if not self.in_memory and not claim_ids.is_empty():
            self.parsed_ids.append(claim_ids)

    def holds_parsed_id(self, file: str) -> bool:
        """Whether `file`'s rows hold an id that a file parsed before it in this load loaded."""
        if self.parsed_ids:
            ids = pl.concat(self.parsed_ids).unique()
            self.parsed_ids = []
            self.lookups += 1
            self.holding.update(
                name
                for (name,) in self.connection.execute(
                    f"select distinct file from raw.{self.table}"
                    " where claim_id in (select unnest(?))",
                    [ids.to_list()],
                ).fetchall()
            )
        return file in self.holding

    def due(self) -> bool:
        """Whether the carried ids are now to be read into memory (see the class)."""
        return not self.in_memory and self.lookups >= self.LOOKUPS

    def read_into(self, seen_claim_ids: SeenClaimIds) -> None:
        """Add every carried file's ids to `seen_claim_ids`; from now on nothing is left here."""
        self.in_memory, self.parsed_ids = True, []
        ids = self.connection.sql(
            f"select claim_id from raw.{self.table} where file in (select unnest(?))",
            params=[self.files],
        ).pl()
        seen_claim_ids.add(ids["claim_id"])
        self.files = []


def may_carry_claims(
    file: str,
    rejections: list[Rejection],
    claim_ids_recorded: bool,
    loaded_ids: LoadedClaimIds,
    seen_claim_ids: SeenClaimIds,
    carried_ids: CarriedClaimIds,
) -> bool:
    """Whether an unchanged claims file would get the same rows and rejections if parsed again.

    Parsed again, a row whose claim id an earlier file of this load loaded is rejected with
    "duplicate claim_id … (first at …)", whatever else is wrong with it; nothing else in the
    file depends on other files. So it is carried when none of its claim ids, loaded or
    rejected, is among the earlier files' (each rejected row's id is in raw.rejected_claim_ids;
    a file loaded by a version that did not record them is parsed), and none of its rejections
    had that reason (the id may have left the earlier file, or moved in it).
    """
    if rejections and not claim_ids_recorded:
        return False
    if any(r.column_name == "claim_id" and "(first at " in r.reason for r in rejections):
        return False
    rejected_ids = pl.Series("claim_id", [r.claim_id for r in rejections], dtype=pl.String)
    if not carried_ids.in_memory:
        # Its loaded ids can meet only parsed files' ids; its rejected ids are in memory.
        if carried_ids.holds_parsed_id(file) or seen_claim_ids.hold_any(rejected_ids.drop_nulls()):
            return False
        carried_ids.carry(file)
        return True
    ids = loaded_ids.of(file)
    checked = pl.concat([ids["claim_id"], rejected_ids.drop_nulls()])
    if seen_claim_ids.hold_any(checked):
        return False
    seen_claim_ids.add(ids["claim_id"])
    return True
