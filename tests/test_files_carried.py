"""Unchanged files keep their rows without being parsed again, and a load that carries files
over ends with exactly the tables a load from scratch writes."""

from __future__ import annotations

import os
import time

import duckdb
import pytest
from conftest import CLAIMS_HEADER, GOOD_CLAIMS, write
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dagster_project.ingest import claims_csv, paths
from dagster_project.ingest.files_carried import CarriedClaimIds, LoadedClaimIds
from dagster_project.ingest.loader import load_dataset, load_source_registry
from dagster_project.inputs import raw_file_hashes

DATASETS = ["article_claims", "exchange_rates", "production_series"]


def load_all(connection, raw_dir):
    load_source_registry(connection, raw_dir)
    return {dataset: load_dataset(connection, dataset, raw_dir) for dataset in DATASETS}


def tables(connection) -> dict[str, list[tuple]]:
    """Every raw table a dataset writes, and the audit tables, without load times."""
    queries = {
        name: f"select * exclude (loaded_at) from raw.{name} order by all"
        for name in ["article_claims", "exchange_rates", "production_series", "file_loads"]
    }
    queries["rejected_rows"] = "select * exclude (rejected_at) from raw.rejected_rows order by all"
    queries["rejected_claim_ids"] = "select * from raw.rejected_claim_ids order by all"
    return {name: connection.execute(query).fetchall() for name, query in queries.items()}


def from_scratch(tmp_path, raw_dir) -> dict[str, list[tuple]]:
    tmp_path.mkdir(exist_ok=True)
    with duckdb.connect(str(tmp_path / "scratch.duckdb")) as connection:
        load_all(connection, raw_dir)
        return tables(connection)


def test_unchanged_files_are_not_parsed_again(connection, raw_dir):
    load_all(connection, raw_dir)
    # Rows changed behind the loader's back stay so: the file was not read into new rows.
    connection.execute("update raw.article_claims set subject = 'carried' where line = 2")
    connection.execute("update raw.exchange_rates set value = -1")
    load_all(connection, raw_dir)
    subjects = connection.execute(
        "select distinct subject from raw.article_claims where line = 2"
    ).fetchall()
    assert subjects == [("carried",)]
    assert connection.execute("select distinct value from raw.exchange_rates").fetchall() == [(-1,)]


def test_a_changed_file_or_registry_entry_is_parsed_again(connection, raw_dir, tmp_path):
    load_all(connection, raw_dir)
    connection.execute("update raw.article_claims set subject = 'stale'")
    connection.execute("update raw.exchange_rates set value = -1")
    write(raw_dir / "claims/test_article.csv", GOOD_CLAIMS + "\n")  # same rows, other bytes
    registry = (raw_dir / "sources.yml").read_text("utf-8")
    registry = registry.replace("metric: exchange_rate,", "metric: yuan_per_dollar,")
    (raw_dir / "sources.yml").write_text(registry, "utf-8")
    load_all(connection, raw_dir)
    subjects = connection.execute(
        "select file, count(*) from raw.article_claims where subject = 'stale' group by file"
    ).fetchall()
    assert subjects == [("claims/test_second_article.csv", 1)]  # carried: unchanged
    assert connection.execute("select distinct metric from raw.exchange_rates").fetchall() == [
        ("yuan_per_dollar",)
    ]
    assert tables(connection)["exchange_rates"] == from_scratch(tmp_path, raw_dir)["exchange_rates"]


def test_carried_files_keep_their_rejections_and_counts(connection, raw_dir, tmp_path):
    write(
        raw_dir / "claims/test_article.csv",
        GOOD_CLAIMS + "t1__09,Binzhou,,,output_value,2018,lots,t,exact,test_article,bad value\n",
    )
    load_all(connection, raw_dir)
    first = tables(connection)
    load_all(connection, raw_dir)
    assert tables(connection) == first == from_scratch(tmp_path, raw_dir)
    [(read, loaded, rejected)] = connection.execute(
        "select rows_read, rows_loaded, rows_rejected from raw.file_loads"
        " where file = 'claims/test_article.csv'"
    ).fetchall()
    assert (read, loaded, rejected) == (4, 3, 1)


def test_a_duplicate_claim_id_from_a_changed_earlier_file_is_still_caught(
    connection, raw_dir, tmp_path
):
    load_all(connection, raw_dir)
    # The earlier file (by name) now claims the later file's id: the later one, unchanged,
    # must lose that row exactly as in a load from scratch.
    write(
        raw_dir / "claims/test_article.csv",
        GOOD_CLAIMS + "t2__01,Binzhou,,,output_value,2018,1,yuan,exact,test_article,moved\n",
    )
    load_all(connection, raw_dir)
    assert tables(connection) == from_scratch(tmp_path, raw_dir)
    reasons = connection.execute(
        "select reason from raw.rejected_rows where file = 'claims/test_second_article.csv'"
    ).fetchall()
    assert reasons == [("duplicate claim_id t2__01 (first at claims/test_article.csv:5)",)]
    # And when the earlier file gives the id back, the later file loads its row again.
    write(raw_dir / "claims/test_article.csv", GOOD_CLAIMS)
    load_all(connection, raw_dir)
    (tmp_path / "again").mkdir()
    assert tables(connection) == from_scratch(tmp_path / "again", raw_dir)


def test_carried_files_ids_are_looked_up_in_the_table_not_read(
    connection, raw_dir, tmp_path, monkeypatch
):
    """With one changed file, the carried files' claim ids stay in the raw table: one query
    per direction decides, and the rows equal a load from scratch."""
    load_all(connection, raw_dir)
    write(
        raw_dir / "claims/test_article.csv",
        GOOD_CLAIMS + "t2__01,Binzhou,,,output_value,2018,1,yuan,exact,test_article,moved\n",
    )

    def never(*arguments):
        raise AssertionError("the carried files' ids were read into memory")

    monkeypatch.setattr(LoadedClaimIds, "of", never)
    monkeypatch.setattr(CarriedClaimIds, "read_into", never)
    load_all(connection, raw_dir)
    monkeypatch.undo()
    assert tables(connection) == from_scratch(tmp_path, raw_dir)
    (reason,) = connection.execute(
        "select reason from raw.rejected_rows where file = 'claims/test_second_article.csv'"
    ).fetchone()
    assert reason == "duplicate claim_id t2__01 (first at claims/test_article.csv:5)"


def test_a_file_no_longer_listed_loses_its_rows(connection, raw_dir, tmp_path):
    load_all(connection, raw_dir)
    registry = (raw_dir / "sources.yml").read_text("utf-8")
    (raw_dir / "sources.yml").write_text(
        registry.replace("files: [claims/test_second_article.csv]", "files: [claims/other.csv]"),
        "utf-8",
    )
    write(raw_dir / "claims/other.csv", f"{CLAIMS_HEADER}\n")
    load_all(connection, raw_dir)
    files = connection.execute("select distinct file from raw.article_claims").fetchall()
    assert files == [("claims/test_article.csv",)]
    assert tables(connection) == from_scratch(tmp_path, raw_dir)


def test_a_file_parsed_in_batches_loads_as_in_one(connection, raw_dir, tmp_path, monkeypatch):
    write(
        raw_dir / "claims/test_article.csv",
        GOOD_CLAIMS
        + "t1__01,Binzhou,,,output_value,2018,331,t,exact,test_article,repeats a batch before\n"
        + "t1__04,Binzhou,,,output_value,2018,lots,t,exact,test_article,bad value\n"
        + "t2__01,Binzhou,,,output_value,2018,1,t,exact,test_article,taken by the next file\n",
    )
    whole = from_scratch(tmp_path, raw_dir)
    monkeypatch.setattr(claims_csv, "BATCH_ROWS", 2)
    load_all(connection, raw_dir)
    assert tables(connection) == whole
    reasons = {row[-1] for row in whole["rejected_rows"]}
    assert "duplicate claim_id t1__01 (earlier in this file)" in reasons


# The later file (by name) with rows rejected for every kind of reason: a bad value, no claim
# id, a claim id repeated in the file, and a line that is no CSV record.
LATER_WITH_REJECTIONS = f"""{CLAIMS_HEADER}
t2__01,Binzhou aluminium industry,,,main_business_revenue,2018,3300,亿元,at_least,test_second_article,revenue
t2__02,Binzhou,,,output_value,2018,lots,t,exact,test_second_article,bad value
,Binzhou,,,output_value,2018,1,t,exact,test_second_article,no claim id
t2__01,Binzhou,,,output_value,2019,2,t,exact,test_second_article,repeated id
t2__03,too,few,fields
"""
LATER = "claims/test_second_article.csv"


def loaded_at(connection, file: str) -> list[tuple]:
    return connection.execute(
        "select distinct loaded_at from raw.article_claims where file = ?", [file]
    ).fetchall()


def reasons(connection, file: str, line: int) -> list[str]:
    rows = connection.execute(
        "select reason from raw.rejected_rows where file = ? and line = ? order by reason",
        [file, line],
    ).fetchall()
    return [reason for (reason,) in rows]


def test_a_file_with_rejected_rows_is_carried_when_an_earlier_file_changes(
    connection, raw_dir, tmp_path
):
    write(raw_dir / LATER, LATER_WITH_REJECTIONS)
    load_all(connection, raw_dir)
    later_loaded_at = loaded_at(connection, LATER)
    earlier_loaded_at = loaded_at(connection, "claims/test_article.csv")
    write(
        raw_dir / "claims/test_article.csv",
        GOOD_CLAIMS + "t1__04,Binzhou,,,output_value,2019,340,billion yuan,exact,test_article,\n",
    )
    load_all(connection, raw_dir)
    assert loaded_at(connection, "claims/test_article.csv") != earlier_loaded_at  # parsed
    assert loaded_at(connection, LATER) == later_loaded_at  # carried
    [(rows_rejected,)] = connection.execute(
        "select rows_rejected from raw.file_loads where file = ?", [LATER]
    ).fetchall()
    assert rows_rejected == 4
    assert tables(connection) == from_scratch(tmp_path, raw_dir)


def test_an_earlier_file_taking_a_rejected_rows_claim_id_parses_the_later_file_again(
    connection, raw_dir, tmp_path
):
    write(raw_dir / LATER, LATER_WITH_REJECTIONS)
    load_all(connection, raw_dir)
    later_loaded_at = loaded_at(connection, LATER)
    taking = "t2__02,Binzhou,,,output_value,2019,1,t,exact,test_article,takes the id\n"
    write(raw_dir / "claims/test_article.csv", GOOD_CLAIMS + taking)
    load_all(connection, raw_dir)
    assert loaded_at(connection, LATER) != later_loaded_at  # parsed again
    assert reasons(connection, LATER, 3) == [
        "duplicate claim_id t2__02 (first at claims/test_article.csv:5)",
        "not a number: 'lots'",
    ]
    assert tables(connection) == from_scratch(tmp_path / "taken", raw_dir)
    # The id moves to another line of the earlier file: the reason names the new line.
    skipping = "t1__05,Binzhou,,,output_value,2017,1,t,exact,test_article,a line before\n"
    write(raw_dir / "claims/test_article.csv", GOOD_CLAIMS + skipping + taking)
    load_all(connection, raw_dir)
    assert "duplicate claim_id t2__02 (first at claims/test_article.csv:6)" in reasons(
        connection, LATER, 3
    )
    assert tables(connection) == from_scratch(tmp_path / "moved", raw_dir)
    # And the earlier file gives the id back: the reason goes.
    write(raw_dir / "claims/test_article.csv", GOOD_CLAIMS)
    load_all(connection, raw_dir)
    assert reasons(connection, LATER, 3) == ["not a number: 'lots'"]
    assert tables(connection) == from_scratch(tmp_path / "given_back", raw_dir)


@pytest.mark.parametrize("lost", ["all", "stale"])
def test_a_file_whose_rejected_claim_ids_were_not_recorded_is_parsed(
    connection, raw_dir, tmp_path, lost
):
    write(raw_dir / LATER, LATER_WITH_REJECTIONS)
    load_all(connection, raw_dir)
    later_loaded_at = loaded_at(connection, LATER)
    earlier_loaded_at = loaded_at(connection, "claims/test_article.csv")
    if lost == "all":  # a warehouse loaded before the table existed
        connection.execute("drop table raw.rejected_claim_ids")
    else:  # recorded for other bytes (by a version that parsed the file and did not record)
        connection.execute("update raw.rejected_claim_ids set parse_key = 'other bytes'")
    load_all(connection, raw_dir)
    assert loaded_at(connection, "claims/test_article.csv") == earlier_loaded_at  # no rejections
    assert loaded_at(connection, LATER) != later_loaded_at
    assert tables(connection) == from_scratch(tmp_path, raw_dir)
    # Recorded now: the next load carries it.
    later_loaded_at = loaded_at(connection, LATER)
    load_all(connection, raw_dir)
    assert loaded_at(connection, LATER) == later_loaded_at


# Three claims files drawing claim ids from one small pool, so that ids collide across files,
# with good and bad values, blank ids and lines that are no record.
THREE_FILES = ["claims/test_article.csv", "claims/test_article_b.csv", LATER]
SOURCE_OF = {LATER: "test_second_article"}
claims_row = st.tuples(
    st.sampled_from(["x1", "x2", "x3", ""]), st.sampled_from(["1", "2", "lots", "broken"])
)
claims_file = st.lists(claims_row, max_size=4)


def claims_text(file: str, rows: list[tuple[str, str]]) -> str:
    source = SOURCE_OF.get(file, "test_article")
    lines = [CLAIMS_HEADER]
    for claim_id, value in rows:
        if value == "broken":
            lines.append(f"{claim_id},too,few")
        else:
            lines.append(f"{claim_id},Binzhou,,,output_value,2018,{value},t,exact,{source},")
    return "\n".join(lines) + "\n"


def load_claims(connection, raw_dir) -> dict[str, list[tuple]]:
    load_source_registry(connection, raw_dir)
    load_dataset(connection, "article_claims", raw_dir)
    return {
        name: connection.execute(query).fetchall()
        for name, query in {
            "rows": "select * exclude (loaded_at) from raw.article_claims order by all",
            "file_loads": "select * exclude (loaded_at) from raw.file_loads order by all",
            "rejected_rows": "select * exclude (rejected_at) from raw.rejected_rows order by all",
            "rejected_claim_ids": "select * from raw.rejected_claim_ids order by all",
        }.items()
    }


# The carried files' ids: read into memory from the start, after one lookup in the raw table,
# or only looked up there.
@pytest.mark.parametrize("lookups", [0, 1, 1000])
def test_a_load_that_carries_files_equals_a_fresh_load_for_any_edits(raw_dir, monkeypatch, lookups):
    # Windows of a few rows: the claim ids of carried files are read across several.
    monkeypatch.setattr(LoadedClaimIds, "WINDOW_ROWS", 2)
    monkeypatch.setattr(CarriedClaimIds, "LOOKUPS", lookups)
    registry = (raw_dir / "sources.yml").read_text("utf-8")
    (raw_dir / "sources.yml").write_text(
        registry.replace(
            "files: [claims/test_article.csv]",
            "files: [claims/test_article.csv, claims/test_article_b.csv]",
        ),
        "utf-8",
    )

    @settings(max_examples=40, deadline=None, database=None, derandomize=True)
    @given(
        first=st.lists(claims_file, min_size=3, max_size=3),
        second=st.lists(st.none() | claims_file, min_size=3, max_size=3),
    )
    # The first file, edited, takes the id the last file (unchanged) loaded.
    @example(
        first=[[("x1", "1")], [], [("x2", "1")]], second=[[("x1", "1"), ("x2", "2")], None, None]
    )
    def loads_alike(first, second):
        with duckdb.connect() as connection:
            for file, rows in zip(THREE_FILES, first, strict=True):
                write(raw_dir / file, claims_text(file, rows))
            load_claims(connection, raw_dir)
            for file, rows in zip(THREE_FILES, second, strict=True):
                if rows is not None:  # None: the file stays as it was
                    write(raw_dir / file, claims_text(file, rows))
            carried = load_claims(connection, raw_dir)
        with duckdb.connect() as connection:
            assert carried == load_claims(connection, raw_dir)

    loads_alike()


def test_files_the_plan_just_hashed_are_carried_without_being_read(
    connection, raw_dir, tmp_path, monkeypatch
):
    """A refresh hashes every raw file to plan, then loads in the same process: an unchanged
    file is carried on the plan's hash, unread; a file changed since the plan is read, and its
    rows and hash are those of its new bytes."""
    load_all(connection, raw_dir)
    past = time.time() - 60  # file times older than the last second: the hashes are kept
    for path in raw_dir.rglob("*"):
        os.utime(path, (past, past))
    time.sleep(paths.RECENT_NS / 1e9 + 0.05)  # and the change time utime just set
    raw_file_hashes(raw_dir)  # the plan
    read = []
    real_read = paths.RawDir.read_and_hash
    monkeypatch.setattr(
        paths.RawDir, "read_and_hash", lambda raw, f: read.append(f) or real_read(raw, f)
    )
    load_all(connection, raw_dir)
    assert [f for f in read if f != "sources.yml"] == [], "carried files were read"

    raw_file_hashes(raw_dir)
    write(raw_dir / "claims/test_article.csv", GOOD_CLAIMS + "\n")  # other bytes since the plan
    load_all(connection, raw_dir)
    assert "claims/test_article.csv" in read
    assert tables(connection) == from_scratch(tmp_path / "scratch", raw_dir)
