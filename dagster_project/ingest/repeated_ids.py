"""Claim ids that a claims file repeats from an earlier file of the load, found in one query.

A claim id is unique across the claims files of a dataset: a row whose id a file before it (in
load order) loaded is rejected, "duplicate claim_id … (first at <file>:<line>)", whatever else
is wrong with it. Deciding that file by file, before each file's rows were written, meant
holding every id of the load in memory, sorted, and looking each file's ids up there: at ten
million claims that cost the load's own process more than any other step. Here the files are
written first; then one query over the raw table ranks the rows sharing an id by file order,
deletes every loaded row after the first and words the rejections.

Only ids that a parsed file holds can repeat: the files carried over loaded together last time,
with no id twice, and one holding an id a parsed file before it loaded is parsed again
(files_carried.may_carry_claims).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import polars as pl

from dagster_project.ingest.csv_file import Rejection

# The loaded rows (of the files that loaded, in load order) whose id appears twice, or in a
# rejected row; each row after the first of its id (by file order) is a repeat. A CTE read
# twice is materialised: the ten million loaded rows are read twice instead.
REPEATS_SQL = """
with ids as (
    select claim_id from raw.{table}
    where file in (select file from load_order) {scope}
    group by claim_id having count(*) > 1
    union
    select claim_id from rejected_lines
),
places as (
    select kept.claim_id, kept.file, kept.line, kept.source_id, files.position
    from raw.{table} as kept
    inner join load_order as files on kept.file = files.file
    where kept.claim_id in (select claim_id from ids)
),
firsts as (
    select
        claim_id,
        min(position) as position,
        arg_min(concat(file, ':', line), {{'position': position, 'line': line}}) as first_at
    from places
    group by claim_id
)
select places.position, places.file, places.line, places.claim_id, places.source_id,
    firsts.first_at, true as loaded
from places inner join firsts on places.claim_id = firsts.claim_id
where places.position > firsts.position
union all
select files.position, rejected.file, rejected.line, rejected.claim_id, rejected.source_id,
    firsts.first_at, false as loaded
from rejected_lines as rejected
inner join load_order as files on rejected.file = files.file
inner join firsts on rejected.claim_id = firsts.claim_id
where files.position > firsts.position
order by 1, 3
"""
# When a few files were parsed, only the ids they hold can repeat (see the module).
PARSED_SCOPE = "and claim_id in (select claim_id from raw.{table} where file in (select unnest(?)))"


@dataclass(frozen=True)
class Repeat:
    file: str
    line: int
    claim_id: str
    source_id: str | None
    first_at: str  # file:line of the row that keeps the id
    loaded: bool  # the row was written (and is now deleted); otherwise it was rejected already

    def rejection(self) -> Rejection:
        reason = f"duplicate claim_id {self.claim_id} (first at {self.first_at})"
        return Rejection(
            self.line, "claim_id", self.claim_id, reason, self.source_id or None, self.claim_id
        )


def reject_repeated_ids(
    connection: duckdb.DuckDBPyConnection,
    table: str,
    order: list[str],
    parsed: list[str],
    rejected: list[tuple[str, Rejection]],
) -> list[Repeat]:
    """Delete from raw.`table` the rows of parsed files whose claim id a file earlier in
    `order` (the files that loaded, in load order) loaded; return them, and the rejected rows
    of parsed files (`rejected`: file and rejection) whose id an earlier file loaded, in load
    order."""
    if not parsed:
        return []
    load_order = pl.DataFrame(  # noqa: F841 - scanned by DuckDB below
        {"file": order, "position": range(len(order))},
        schema={"file": pl.String, "position": pl.Int64},
    )
    parsed_files = set(parsed)
    rows = {
        (file, r.line): (r.claim_id, r.source_id)
        for file, r in rejected
        if file in parsed_files and r.claim_id
    }
    rejected_lines = pl.DataFrame(  # noqa: F841 - scanned by DuckDB below
        [(file, line, claim_id, source_id) for (file, line), (claim_id, source_id) in rows.items()],
        schema={"file": pl.String, "line": pl.Int64, "claim_id": pl.String, "source_id": pl.String},
        orient="row",
    )
    few = len(parsed) * 2 < len(order)
    scope = PARSED_SCOPE.format(table=table) if few else ""
    repeats = [
        Repeat(*row[1:])
        for row in connection.execute(
            REPEATS_SQL.format(table=table, scope=scope), [parsed] if few else []
        ).fetchall()
    ]
    deleted = pl.DataFrame(  # noqa: F841 - scanned by DuckDB below
        [(r.file, r.line) for r in repeats if r.loaded],
        schema={"file": pl.String, "line": pl.Int64},
        orient="row",
    )
    if not deleted.is_empty():
        connection.execute(
            f"delete from raw.{table} using deleted"
            f" where {table}.file = deleted.file and {table}.line = deleted.line"
        )
    return repeats
