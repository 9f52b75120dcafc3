"""Publishing rewrites the previous snapshot's file where it differs from the marts file, and
copies the marts file to a new one while a reader still has that previous snapshot open."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from dagster_project.marts_file import STORAGE_VERSION
from dagster_project.publish import spare
from dagster_project.publish.snapshot import publish_snapshot
from dagster_project.settings import PROJECT_ROOT

MANIFEST = PROJECT_ROOT / "dbt" / "target" / "manifest.json"

# Opens a snapshot read-only and, for each line read, prints what it sees in it.
READER = """
import sys, duckdb
connection = duckdb.connect(sys.argv[1], read_only=True)
for line in sys.stdin:
    print(connection.execute(
        "select count(*), max(build_id) from marts.dim_metrics, meta.builds"
    ).fetchone(), flush=True)
"""


@pytest.fixture
def home(refreshed, tmp_path) -> Path:
    copied = tmp_path / "home"
    shutil.copytree(refreshed, copied, ignore=shutil.ignore_patterns("dagster_home"), symlinks=True)
    return copied


@pytest.mark.parametrize(
    ("old", "written"),
    [
        (b"abcdefgh" * 4 + b"xyz", 0),
        (b"abcdefgh" * 2 + b"ABCDEFGH" + b"abcdefgh", 8 + 3),
        (b"", 35),
        (b"abcdefgh" * 6, 3),
    ],
)
def test_only_the_chunks_that_differ_are_written(tmp_path, monkeypatch, old, written):
    monkeypatch.setattr(spare, "CHUNK", 8)
    source, target = tmp_path / "source", tmp_path / "target"
    source.write_bytes(b"abcdefgh" * 4 + b"xyz")
    target.write_bytes(old)
    with open(target, "r+b", buffering=0) as file:
        assert spare.rewrite_differences(source, file) == written
    assert target.read_bytes() == source.read_bytes()


def duckdb_file(path: Path, rows: int) -> None:
    """A DuckDB file in the marts file's storage format with `rows` rows in one table."""
    with duckdb.connect() as connection:
        connection.execute(f"attach '{path}' as db (storage_version '{STORAGE_VERSION}')")
        connection.execute(
            f"create or replace table db.t as select range as id, md5(range::varchar) as text"
            f" from range({rows})"
        )


def test_duckdb_files_are_compared_by_their_block_checksums(tmp_path, monkeypatch):
    source, target = tmp_path / "source.duckdb", tmp_path / "target.duckdb"
    duckdb_file(source, 2_000_000)
    shutil.copyfile(source, target)
    with duckdb.connect(str(source)) as connection:  # a few blocks change, most do not
        connection.execute("update t set text = 'changed' where id between 1000 and 1100")
        connection.execute("insert into t select range, 'new' from range(5)")
        connection.execute("checkpoint")
    with open(source, "rb") as one, open(target, "rb") as other:
        block = spare.block_size(one.fileno(), other.fileno())
    assert block == 1 << 18

    def compared_byte_for_byte(*_arguments):
        raise AssertionError("two DuckDB files were compared byte for byte")

    monkeypatch.setattr(spare, "rewrite_chunks", compared_byte_for_byte)
    with open(target, "r+b", buffering=0) as file:
        written = spare.rewrite_differences(source, file)
    assert target.read_bytes() == source.read_bytes()
    assert 0 < written < source.stat().st_size // 4
    assert (written - spare.HEADER_BYTES) % block == 0, "whole blocks and the headers"
    with duckdb.connect(str(target), read_only=True) as connection:
        assert connection.execute("select count(*) from t where text = 'changed'").fetchone() == (
            101,
        )


def test_a_file_that_is_not_duckdb_is_compared_byte_for_byte(tmp_path):
    source, target = tmp_path / "source.duckdb", tmp_path / "target"
    duckdb_file(source, 1000)
    data = source.read_bytes()
    # Not a DuckDB file (no magic), though every block starts with the source's checksum:
    # only a comparison of every byte finds that the blocks' contents differ.
    damaged = bytearray(len(data))
    damaged[: spare.HEADER_BYTES] = data[: spare.HEADER_BYTES]
    damaged[8:12] = b"XXXX"
    for offset in range(spare.HEADER_BYTES, len(data), 1 << 18):
        damaged[offset : offset + spare.CHECKSUM_BYTES] = data[offset : offset + 8]
    target.write_bytes(bytes(damaged))
    with open(source, "rb") as one, open(target, "rb") as other:
        assert spare.block_size(one.fileno(), other.fileno()) is None
    with open(target, "r+b", buffering=0) as file:
        spare.rewrite_differences(source, file)
    assert target.read_bytes() == data


def test_the_previous_snapshot_is_rewritten_unless_a_reader_holds_it(home):
    marts = home / "alcap_marts.duckdb"
    snapshot = home / "serving" / "alcap.duckdb"
    spare_file = spare.spare_path(snapshot)

    def publish():
        return publish_snapshot(home / "warehouse.duckdb", marts, snapshot, MANIFEST)

    publish()
    publish()  # now the spare is the snapshot before
    assert spare_file.exists()
    published, kept = inode(snapshot), inode(spare_file)

    drop_a_metric(marts)
    build = publish()
    assert build.file_written is not None and build.file_written > 0
    assert inode(snapshot) == kept, "the new snapshot is the spare, rewritten"
    assert inode(spare_file) == published, "the replaced snapshot is the next spare"
    assert differences(snapshot, marts) == 0

    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(snapshot)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        seen = ask(reader)
        assert seen.endswith(f"'{build.build_id}')")
        publish()  # the spare is not the file the reader has open
        drop_a_metric(marts)
        held = publish()  # now it is: a new file
        assert held.file_written is None
        assert ask(reader) == seen, "the reader's snapshot is not written to"
        assert inode(snapshot) != inode(spare_file)
        assert differences(snapshot, marts) == 0
    finally:
        reader.stdin.close()
        reader.wait(timeout=60)
    assert publish().file_written is not None


def inode(path: Path) -> int:
    return os.stat(path).st_ino


def ask(reader: subprocess.Popen) -> str:
    reader.stdin.write("?\n")
    reader.stdin.flush()
    return reader.stdout.readline().strip()


def drop_a_metric(marts: Path) -> None:
    with duckdb.connect(str(marts)) as connection:
        connection.execute(
            "delete from marts.dim_metrics where metric_id = (select min(metric_id)"
            " from marts.dim_metrics)"
        )


def differences(snapshot: Path, marts: Path) -> int:
    """Rows in one file's marts and not the other's, over every mart of the marts file."""
    with duckdb.connect() as connection:
        connection.execute(f"attach '{snapshot}' as published (read_only)")
        connection.execute(f"attach '{marts}' as built (read_only)")
        names = connection.execute(
            "select table_name from duckdb_tables()"
            " where database_name = 'built' and schema_name = 'marts'"  # not its meta history
        ).fetchall()
        assert len(names) >= 9
        total = 0
        for (name,) in names:
            one, other = f"published.marts.{name}", f"built.marts.{name}"
            (count,) = connection.execute(
                f"select count(*) from ((from {one} except all from {other})"
                f" union all (from {other} except all from {one}))"
            ).fetchone()
            total += count
        return total
