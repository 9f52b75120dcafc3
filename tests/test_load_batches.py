"""The loader's batched writes and its worker processes give the raw tables of a load that
writes each file as it is parsed, in one process."""

from __future__ import annotations

import os
import random
from pathlib import Path

import duckdb
import polars as pl
import pytest
import yaml
from conftest import CLAIMS_HEADER, list_article_text, write

from dagster_project.ingest import loader, parse_pool, raw_writer
from dagster_project.ingest.csv_file import Rejection
from dagster_project.ingest.loader import load_dataset, load_source_registry
from dagster_project.ingest.repeated_ids import reject_repeated_ids

DATASETS = ["articles", "article_claims", "exchange_rates", "production_series"]
ARTICLE = """---
title: Article {number}
publisher: Test Daily
published: 2019-04-22
url: http://example.invalid/{number}
language: en
---
Binzhou's output rose {number}% to {number}00,000 tonnes in 2019, worth {number} billion yuan.
"""


def claims(source_id: str, rows: list[str]) -> str:
    lines = [
        f"{claim_id},Binzhou,,,output_value,2018,{value},billion yuan,exact,{source_id},note"
        for claim_id, value in (row.split(":") for row in rows)
    ]
    return "\n".join([CLAIMS_HEADER, *lines]) + "\n"


def add_articles(raw: Path, count: int) -> list[str]:
    files = [f"articles/a{number:02d}.md" for number in range(count)]
    for number, file in enumerate(files):
        write(raw / file, ARTICLE.format(number=number + 1))
    list_article_text(raw, "test_article", *files)
    return files


def first_load(raw: Path) -> None:
    """Claims files whose ids collide across files and within one, and a few articles."""
    write(raw / "claims/test_article.csv", claims("test_article", ["a1:1", "a2:2", "a3:3", "a1:4"]))
    write(raw / "claims/test_second_article.csv", claims("test_second_article", ["b1:5", "a2:6"]))
    write(raw / "claims/test_article_more.csv", claims("test_article", ["m1:1"]))
    registry = yaml.safe_load((raw / "sources.yml").read_text(encoding="utf-8"))
    (entry,) = [entry for entry in registry["sources"] if entry["id"] == "test_article"]
    entry["files"].append("claims/test_article_more.csv")
    (raw / "sources.yml").write_text(yaml.safe_dump(registry, allow_unicode=True), "utf-8")
    add_articles(raw, 6)


def second_load(raw: Path) -> None:
    """One claims file changed, the other broken (it keeps its rows), articles changed,
    unreadable and gone."""
    write(raw / "claims/test_article.csv", claims("test_article", ["a1:1", "a3:3", "b1:9"]))
    write(raw / "claims/test_second_article.csv", "not,the,claims,header\n1,2,3,4\n")
    write(raw / "articles/a01.md", ARTICLE.format(number=42))
    write(raw / "articles/a02.md", "title: half a header\n---\n".encode("utf-16"))
    (raw / "articles/a03.md").unlink()


def third_load(raw: Path) -> None:
    """The broken claims file mended, with an id of its own."""
    write(raw / "claims/test_second_article.csv", claims("test_second_article", ["b2:5", "c1:7"]))


def fourth_load(raw: Path) -> None:
    """A file before the mended one takes its id c1: the unchanged mended file has to be
    parsed again, with c1 rejected, once the files before it are known."""
    write(raw / "claims/test_article.csv", claims("test_article", ["a1:1"]))
    write(raw / "claims/test_article_more.csv", claims("test_article", ["m1:1", "c1:8"]))


def snapshot(connection) -> dict[str, list[tuple]]:
    """Every raw table the loads write, without load times, in the order of its rows."""
    names = [
        "articles", "claim_candidates", "article_claims", "exchange_rates", "production_series",
        "file_loads", "rejected_rows", "rejected_claim_ids", "file_parse_keys",
    ]  # fmt: skip
    return {
        name: connection.execute(
            f"select * exclude (loaded_at) from raw.{name} order by rowid"
            if name not in ("rejected_rows", "rejected_claim_ids", "file_parse_keys")
            else f"select * exclude ({'rejected_at' if name == 'rejected_rows' else 'file'},"
            f" {'file' if name == 'rejected_rows' else 'dataset'}) from raw.{name} order by rowid"
        ).fetchall()
        for name in names
    }


def load_in_turn(raw: Path, database: Path) -> list[dict[str, list[tuple]]]:
    """Snapshots after a first load and after each load over it."""
    snapshots = []
    with duckdb.connect(str(database)) as connection:
        for change in (first_load, second_load, third_load, fourth_load):
            change(raw)
            load_source_registry(connection, raw)
            for dataset in DATASETS:
                load_dataset(connection, dataset, raw)
            snapshots.append(snapshot(connection))
    return snapshots


class CountingPool(parse_pool.ParsePool):
    """The real pool, counting the files it hands to its workers."""

    names: list[tuple[str, str]] = []  # (what the worker does, the file)

    def submit(self, function, *arguments):
        future = super().submit(function, *arguments)
        if future is not None:
            CountingPool.names.append((function.__name__, arguments[1]))
        return future


@pytest.fixture
def one_at_a_time(raw_dir, tmp_path, monkeypatch):
    """The loads written one row at a time (a delete and an insert for each file, as the
    loader did before batches) and parsed in this process only."""
    copy = tmp_path / "one_at_a_time"
    with monkeypatch.context() as patch:
        patch.setattr(raw_writer, "FLUSH_ROWS", 1)
        patch.setattr(loader, "PARALLEL_DATASETS", set())
        return load_in_turn(copy_raw(raw_dir, copy / "raw"), copy / "warehouse.duckdb")


def copy_raw(raw: Path, destination: Path) -> Path:
    for path in raw.rglob("*"):
        if path.is_file():
            write(destination / path.relative_to(raw), path.read_bytes())
    return destination


def test_batched_loads_equal_file_by_file_loads(one_at_a_time, raw_dir, tmp_path, monkeypatch):
    # Everything in one batch, and batches ending inside a file.
    for flush_rows in (10_000_000, 2):
        monkeypatch.setattr(raw_writer, "FLUSH_ROWS", flush_rows)
        copy = tmp_path / f"flush_{flush_rows}"
        monkeypatch.setattr(loader, "PARALLEL_DATASETS", set())
        assert load_in_turn(copy_raw(raw_dir, copy / "raw"), copy / "db.duckdb") == one_at_a_time
    first, second = one_at_a_time[:2]
    claim_ids = [row[0] for row in second["article_claims"]]
    # The carried file keeps its m1 and the broken file its b1 (its a2 was a duplicate) where
    # they were; the changed file's rows follow.
    assert claim_ids == ["m1", "b1", "a1", "a3", "b1"]
    reasons = [row[-1] for row in first["rejected_rows"]]
    assert "duplicate claim_id a2 (first at claims/test_article.csv:3)" in reasons
    assert "duplicate claim_id a1 (earlier in this file)" in reasons
    assert any(
        "kept 1 rows from the previous load" in (row[-1] or "") for row in second["file_loads"]
    )


def test_files_parsed_in_workers_equal_files_parsed_here(
    one_at_a_time, raw_dir, tmp_path, monkeypatch
):
    monkeypatch.setattr(parse_pool, "START_AFTER", 1)
    monkeypatch.setattr(parse_pool, "AHEAD_PER_WORKER", 1)  # results wait their turn
    monkeypatch.setattr(loader, "ParsePool", CountingPool)
    monkeypatch.setattr(parse_pool, "worker_count", lambda: 2)
    CountingPool.names = []
    copy = tmp_path / "workers"
    assert load_in_turn(copy_raw(raw_dir, copy / "raw"), copy / "db.duckdb") == one_at_a_time
    # Each load parses the first file of a dataset here, the others in workers: 5 of the 6
    # articles and 2 of the 3 claims files (an a2 duplicates the first file's), then a02 (it
    # fails there), the broken claims file and a03 (gone), then none (one file changed), then
    # the second changed claims file, the mended file whose c1 it took, and a03 again. A file
    # no earlier load loaded cannot be carried over, so the worker reads it too.
    read, parsed = "_read_and_parse_elsewhere", "_parse_elsewhere"
    assert CountingPool.names == [
        *((read, f"articles/a0{number}.md") for number in range(1, 6)),
        (read, "claims/test_article_more.csv"),
        (read, "claims/test_second_article.csv"),
        (parsed, "articles/a02.md"),
        (parsed, "claims/test_second_article.csv"),
        (read, "articles/a03.md"),
        (read, "articles/a03.md"),
        (parsed, "claims/test_article_more.csv"),
        (parsed, "claims/test_second_article.csv"),
    ]
    first, second = one_at_a_time[:2]
    assert len(first["articles"]) == 6
    failed = [row for row in second["file_loads"] if row[6] == "failed"]
    assert [(row[1], row[-1].split(": ")[1].split("; ")[0]) for row in failed] == [
        ("articles/a02.md", "article is UTF-16-encoded, not UTF-8"),
        ("articles/a03.md", "file not found"),
        ("claims/test_second_article.csv", "missing columns"),
    ]


def test_a_worker_runs_in_another_process():
    pool = parse_pool.ParsePool(True, workers=2)
    try:
        futures = [pool.submit(os.getpid) for _ in range(parse_pool.START_AFTER + 1)]
        assert futures[: parse_pool.START_AFTER] == [None] * parse_pool.START_AFTER
        assert futures[-1].result() != os.getpid()
    finally:
        pool.close()


def _square_or_fail(number: int) -> int:
    if number == 4:
        raise ValueError("four")
    return number * number


def test_calls_gathered_into_tasks_each_get_their_own_result():
    """per_task calls go to a worker as one task; a call's result (or its error) is its own,
    and asking for one still gathering sends its task."""
    pool = parse_pool.ParsePool(True, workers=2, per_task=3)
    try:
        for _ in range(parse_pool.START_AFTER):
            assert pool.submit(os.getpid) is None
        futures = [pool.submit(_square_or_fail, number) for number in range(7)]
        assert len(pool.gathering) == 1  # 7 = two tasks of 3 sent, one call gathering
        assert futures[6].result(timeout=60) == 36 and not pool.gathering
        assert [f.result() for f in futures[:4]] == [0, 1, 4, 9]
        with pytest.raises(ValueError, match="four"):
            futures[4].result()
        assert futures[5].result() == 25
    finally:
        pool.close()


def test_a_load_failing_half_way_leaves_the_tables_as_they_were(raw_dir, connection, monkeypatch):
    first_load(raw_dir)
    load_source_registry(connection, raw_dir)
    for dataset in DATASETS:
        load_dataset(connection, dataset, raw_dir)
    # Rows of the first files are written (one batch each) before the last file breaks.
    add_articles(raw_dir, 9)
    load_source_registry(connection, raw_dir)
    before = snapshot(connection)
    monkeypatch.setattr(raw_writer, "FLUSH_ROWS", 1)
    parse = loader._parse_file

    def parse_then_break(data, file, *arguments):
        if file == "articles/a08.md":
            raise RuntimeError("the machine went away")
        return parse(data, file, *arguments)

    monkeypatch.setattr(loader, "_parse_file", parse_then_break)
    with pytest.raises(RuntimeError, match="went away"):
        load_dataset(connection, "articles", raw_dir)
    after = snapshot(connection)
    assert after == before


@pytest.mark.parametrize("parsed_every", [1, 5])
def test_repeated_ids_name_the_first_file_and_line_and_leave_the_first_row(parsed_every):
    """Against a plain dict, file by file in load order. Every file parsed (the whole table is
    ranked), or one in five (only the ids the parsed files hold are); the files not parsed
    hold no id twice, as carried files never do."""
    generator = random.Random(11)
    order = [f"claims/file_{number:02d}.csv" for number in range(40)]
    parsed = order[::parsed_every]
    rows, rejected, first, expected = [], [], {}, []
    unused = iter(range(100_000, 200_000))
    for file in order:
        for line in range(2, 62):
            claim_id = f"claim_{generator.randrange(3000):06d}"
            if file not in parsed and claim_id in first:  # a carried file repeats no id
                claim_id = f"claim_{next(unused):06d}"
            if file in parsed and generator.random() < 0.1:  # rejected for another reason
                rejected.append((file, Rejection(line, "value", "x", "bad", "src", claim_id)))
                if claim_id in first and first[claim_id][0] != file:
                    expected.append((file, line, claim_id, first[claim_id][1], False))
                continue
            rows.append((claim_id, "src", file, line))
            if claim_id in first and first[claim_id][0] != file:
                expected.append((file, line, claim_id, first[claim_id][1], True))
                continue
            if claim_id in first:  # earlier in this file: rejected by the file's own checks
                rows.pop()
                reason = "earlier in this file"
                rejected.append(
                    (file, Rejection(line, "claim_id", claim_id, reason, "src", claim_id))
                )
                continue
            first[claim_id] = (file, f"{file}:{line}")
    with duckdb.connect() as connection:
        connection.execute("create schema raw")
        connection.execute(
            "create table raw.claims (claim_id varchar, source_id varchar, file varchar, line bigint)"
        )
        connection.executemany("insert into raw.claims values (?, ?, ?, ?)", rows)
        # A file that failed keeps its rows from before: not in the load order, never ranked.
        connection.execute("insert into raw.claims values ('claim_000001', 'src', 'failed.csv', 2)")
        repeats = reject_repeated_ids(connection, "claims", order, parsed, rejected)
        assert [(r.file, r.line, r.claim_id, r.first_at, r.loaded) for r in repeats] == expected
        assert {loaded for *_, loaded in expected} == {True, False}
        if parsed_every > 1:  # a parsed file repeats the id of a file not parsed before it
            assert any(at.split(":")[0] not in parsed for *_, at, _ in expected)
        assert repeats[0].rejection().reason == (
            f"duplicate claim_id {expected[0][2]} (first at {expected[0][3]})"
        )
        left = connection.execute("select claim_id, file, line from raw.claims").fetchall()
    deleted = {(file, line) for file, line, *_, loaded in expected if loaded}
    wanted = [(claim, file, line) for claim, _, file, line in rows if (file, line) not in deleted]
    assert sorted(left) == sorted([*wanted, ("claim_000001", "failed.csv", 2)])


def test_the_writer_keeps_the_order_of_frames_and_records(connection):
    """Records (an article's rows) become one frame per run between frames, in file order."""
    schema = {"file": pl.String, "value": pl.Float64}
    connection.execute("create schema raw")
    connection.execute(
        "create table raw.rows (file varchar, value double, loaded_at timestamp with time zone)"
    )
    writer = raw_writer.RawWriter(connection, {"rows": schema})
    held = [
        [{"file": "a", "value": 1.0}, {"file": "a", "value": 2.0}],
        [{"file": "b", "value": 3.0}],
        pl.DataFrame({"file": ["c"], "value": [4.0]}, schema=schema),
        [],
        [{"value": 5.0, "file": "d"}],  # keys in any order
    ]
    for rows in held:
        writer.replace("x")
        writer.add("rows", rows)
    writer.flush()
    written = connection.execute("select file, value from raw.rows").fetchall()
    assert written == [("a", 1.0), ("a", 2.0), ("b", 3.0), ("c", 4.0), ("d", 5.0)]
