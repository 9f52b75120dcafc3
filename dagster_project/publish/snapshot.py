"""Publish the warehouse as a read-only serving snapshot, swapped in atomically.

Readers (the CLI's queries, BI tools) open the snapshot, never the warehouse, so they never
block the single writer and never see a half-finished refresh.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb


def publish_snapshot(warehouse: Path, snapshot: Path) -> dict[str, int]:
    """Copy every schema of `warehouse` into a new file and rename it over `snapshot`."""
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    building = snapshot.with_name(snapshot.name + ".building")
    building.unlink(missing_ok=True)
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("checkpoint")
        connection.execute(f"attach '{building}' as snapshot")
        connection.execute("copy from database warehouse to snapshot")
        counts = dict(
            connection.execute(
                "select table_schema, count(*) from information_schema.tables"
                " where table_catalog = 'snapshot' group by table_schema"
            ).fetchall()
        )
        connection.execute("detach snapshot")
    os.replace(building, snapshot)  # atomic on one filesystem: readers see old or new
    return counts
