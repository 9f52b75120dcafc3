"""Files unchanged since the last load keep their rows, without being parsed again.

A file is carried over when its parse key (a hash of its bytes, the registry entries that list
it, the unit table and INGEST_VERSION) equals the key the last load recorded for it, and that
load loaded it (status loaded or loaded_with_rejections). Its rows stay in the raw tables (by
`file`), its rejections and counts in raw.rejected_rows and raw.file_loads.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import duckdb

from dagster_project.ingest.claims_csv import SeenClaimIds
from dagster_project.ingest.csv_file import Rejection
from dagster_project.settings import UNITS_TABLE

# Raise it when a parsing rule changes, so that the next load parses every file again.
INGEST_VERSION = "2"
PARSE_KEYS_DDL = """
create table if not exists raw.file_parse_keys (
    dataset varchar not null, file varchar not null, parse_key varchar not null
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

    @classmethod
    def read(cls, connection: duckdb.DuckDBPyConnection, dataset: str) -> PreviousLoads:
        tables = {
            name
            for (name,) in connection.execute(
                "select table_name from information_schema.tables where table_schema = 'raw'"
            ).fetchall()
        }
        counts, keys = {}, {}
        if "file_loads" in tables:
            for file, *row in connection.execute(
                "select file, rows_read, rows_loaded, rows_rejected, status from raw.file_loads"
                " where dataset = ? and status like 'loaded%'",
                [dataset],
            ).fetchall():
                counts[file] = tuple(row)
        if "file_parse_keys" in tables:
            keys = dict(
                connection.execute(
                    "select file, parse_key from raw.file_parse_keys where dataset = ?", [dataset]
                ).fetchall()
            )
        return cls(dataset, counts, keys)

    def unchanged(self, file: str, key: str) -> tuple[int, int, int, str] | None:
        """The file's counts and status from the last load, if it is the same file as then."""
        if file in self.counts and self.keys.get(file) == key:
            return self.counts[file]
        return None

    def rejections(self, connection: duckdb.DuckDBPyConnection, file: str) -> list[Rejection]:
        rows = connection.execute(
            "select line, column_name, value, reason, source_id from raw.rejected_rows"
            " where dataset = ? and file = ? order by line",
            [self.dataset, file],
        ).fetchall()
        return [Rejection(*row) for row in rows]


def may_carry_claims(
    connection: duckdb.DuckDBPyConnection,
    table: str,
    file: str,
    rejections: list[Rejection],
    seen_claim_ids: SeenClaimIds,
    parsed_before: bool,
) -> bool:
    """Whether an unchanged claims file would get the same rows and rejections if parsed again.

    Its claim ids are checked against the files before it: carried, they must meet none of them,
    and it must have had no duplicate from an earlier file. A file with rejected rows is carried
    only if no file before it was parsed (a rejected row's id is not in its raw table).
    """
    if parsed_before and rejections:
        return False
    if any(r.column_name == "claim_id" and "(first at " in r.reason for r in rejections):
        return False
    ids = connection.sql(
        f"select claim_id, line from raw.{table} where file = ?", params=[file]
    ).pl()
    if ids.select(seen_claim_ids.first_at(ids["claim_id"]).is_not_null().any()).item():
        return False
    seen_claim_ids.add(file, ids)
    return True
