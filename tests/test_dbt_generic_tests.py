"""The project's own generic dbt tests fail when they should, run by real dbt on a copy of the
session's warehouse with bad rows put in."""

from __future__ import annotations

import json
import shutil
import subprocess

import duckdb
from conftest import run_dbt

from dagster_project.settings import MARTS_CATALOG


def dbt_test(warehouse, tmp_path, selector: str) -> subprocess.CompletedProcess:
    return run_dbt(warehouse, tmp_path, "test", "--select", selector, "--store-failures")


def stored_failures(warehouse) -> list[tuple]:
    """The rows of the one failed test's table that --store-failures wrote."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        (table,) = connection.execute(
            "select schema_name || '.' || table_name from duckdb_tables()"
            " where schema_name like '%test__audit'"  # one table per failed test (here one)
        ).fetchone()
        return connection.execute(f"select * from {table} order by all").fetchall()


def test_columns_not_null_names_each_column_with_nulls_and_how_many(refreshed, tmp_path):
    warehouse = shutil.copy(refreshed / "warehouse.duckdb", tmp_path / "warehouse.duckdb")
    selector = "source:raw.point_statistics,test_name:columns_not_null"
    assert dbt_test(warehouse, tmp_path, selector).returncode == 0
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("update raw.point_statistics set unit_base = null")
        connection.execute(
            "update raw.point_statistics set period_year = null"
            " where line = (select min(line) from raw.point_statistics)"
        )
        rows = connection.execute("select count(*) from raw.point_statistics").fetchone()[0]
    result = dbt_test(warehouse, tmp_path, selector)
    assert result.returncode == 1, result.stdout[-2000:]
    assert "Got 2 results" in result.stdout
    assert stored_failures(warehouse) == [("period_year", 1), ("unit_base", rows)]


def test_columns_not_null_on_a_raw_table_reads_its_newest_load_when_incremental(
    refreshed, tmp_path
):
    """On a claims-incremental run the raw table's test scans the rows of its newest load (the
    files this refresh loaded); rows carried over from an earlier load passed it then. A full
    build scans every row."""
    warehouse = shutil.copy(refreshed / "warehouse.duckdb", tmp_path / "warehouse.duckdb")
    selector = "source:raw.point_statistics,test_name:columns_not_null"
    scoped, _ = compiled_test(warehouse, tmp_path, selector, "1")
    everything, _ = compiled_test(warehouse, tmp_path, selector, "0")
    with duckdb.connect(str(warehouse)) as connection:
        newest, older = connection.execute(
            "select min(line), max(line) from raw.point_statistics"
        ).fetchone()
        # One row loaded a minute after the rest, with a unit missing; an older row lacks a year.
        connection.execute(
            "update raw.point_statistics set loaded_at = loaded_at + interval 1 minute,"
            " unit_base = null where line = ?",
            [newest],
        )
        connection.execute(
            "update raw.point_statistics set period_year = null where line = ?", [older]
        )
        assert connection.execute(scoped).fetchall() == [("unit_base", 1)]
        assert connection.execute(everything).fetchall() == sorted(
            [("period_year", 1), ("unit_base", 1)]
        )


NORMALISED = "intermediate.int_claims_normalised"  # schema as dbt_project.yml names it


def lowest(connection, table: str, column: str, count: int) -> list:
    """The `count` lowest distinct values of `column`: rows to plant repeats or faults in."""
    return [
        value
        for (value,) in connection.execute(
            f"select distinct {column} from {table} order by all limit {count}"
        ).fetchall()
    ]


def mark_written(connection, table: str, key: str, column: str, invocation: str, count: int):
    """The `count` lowest values of `key` in `table`, the first one's rows marked (in `column`)
    as written by the dbt invocation `invocation`; the others stay kept from an earlier run."""
    values = lowest(connection, table, key, count)
    connection.execute(f"update {table} set {column} = ? where {key} = ?", [invocation, values[0]])
    return values


def test_unique_lists_each_repeated_value_and_how_often(refreshed, tmp_path):
    """dbt's `unique`, overridden to group hashes first (macros/test_unique.sql), as a full
    build runs it for the claims models: a repeated value is found, with its count, as dbt's
    own test reports it."""
    warehouse = shutil.copy(refreshed / "warehouse.duckdb", tmp_path / "warehouse.duckdb")
    selector = "int_claims_normalised,test_name:unique_among_rows_written"
    assert dbt_test(warehouse, tmp_path, selector).returncode == 0
    with duckdb.connect(str(warehouse)) as connection:
        first, second, third = lowest(connection, NORMALISED, "claim_id", 3)
        # One id three times, another twice; the rest stay unique.
        connection.execute(
            f"insert into {NORMALISED} select * from {NORMALISED} where claim_id = ?"
            f" union all select * from {NORMALISED} where claim_id = ?"
            f" union all select * from {NORMALISED} where claim_id = ?",
            [first, first, second],
        )
    result = dbt_test(warehouse, tmp_path, selector)
    assert result.returncode == 1, result.stdout[-2000:]
    failures = stored_failures(warehouse)
    assert failures == sorted([(first, 3), (second, 2)])
    assert third not in {value for value, _ in failures}


def compiled_test(
    warehouse, tmp_path, selector: str, incremental: str, **environment: str
) -> tuple[str, str]:
    """The compiled SQL of the one test (or model) `selector` picks, and the invocation id of
    the dbt command that compiled it."""
    target = tmp_path / f"target-{incremental}"
    result = run_dbt(
        warehouse, tmp_path, "compile", "--select", selector,
        target=target.name, ALCAP_CLAIMS_INCREMENTAL=incremental, **environment,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:]
    (compiled,) = (target / "compiled").rglob("*.sql")
    invocation = json.loads((target / "manifest.json").read_text())["metadata"]["invocation_id"]
    return compiled.read_text(encoding="utf-8"), invocation


def test_unique_reads_only_the_values_this_run_wrote_when_incremental(refreshed, tmp_path):
    """On a claims-incremental run, `unique` on int_claims_normalised looks up the ids of the
    rows this dbt invocation wrote, each against the whole table: a written row repeating a
    kept one fails it; kept rows were checked by the run that wrote them."""
    warehouse = shutil.copy(refreshed / "warehouse.duckdb", tmp_path / "warehouse.duckdb")
    selector = "int_claims_normalised,test_name:unique_among_rows_written"
    scoped, invocation = compiled_test(warehouse, tmp_path, selector, "1")
    with duckdb.connect(str(warehouse)) as connection:
        written, repeats_kept, kept_twice = mark_written(
            connection, NORMALISED, "claim_id", "normalised_in_invocation", invocation, 3
        )
        as_written = f"select * replace ('{invocation}' as normalised_in_invocation)"
        for statement, claim_id in [
            (f"{as_written} from {NORMALISED}", written),  # written twice in this run
            (f"{as_written} from {NORMALISED}", repeats_kept),  # this run repeats a kept id
            (f"select * from {NORMALISED}", kept_twice),  # two kept rows: not this run's
        ]:
            connection.execute(
                f"insert into {NORMALISED} {statement} where claim_id = ?", [claim_id]
            )
        assert connection.execute(scoped).fetchall() == sorted([(written, 2), (repeats_kept, 2)])
    everything, _ = compiled_test(warehouse, tmp_path, selector, "0")
    assert "normalised_in_invocation" not in everything


def test_reported_claim_test_reads_only_this_runs_groups_when_incremental(refreshed, tmp_path):
    """On a claims-incremental run the test reads the groups this dbt invocation reconciled
    (the others were kept whole from a build that passed it); otherwise every group."""
    warehouse = shutil.copy(refreshed / "warehouse.duckdb", tmp_path / "warehouse.duckdb")
    selector = "test_name:exactly_one_reported_claim_per_group"
    scoped, invocation = compiled_test(warehouse, tmp_path, selector, "1")
    reconciled = "intermediate.int_claims_reconciled"
    with duckdb.connect(str(warehouse)) as connection:
        reconciled_now, kept = mark_written(
            connection, reconciled, "claim_group_id", "reconciled_in_invocation", invocation, 2
        )
        # Both groups now report no claim; only the one reconciled in this run is looked at.
        connection.execute(
            f"update {reconciled} set is_reported = false where claim_group_id in (?, ?)",
            [reconciled_now, kept],
        )
        assert connection.execute(scoped).fetchall() == [(reconciled_now, 0)]
    everything, _ = compiled_test(warehouse, tmp_path, selector, "0")
    assert "reconciled_in_invocation" not in everything


def test_not_null_on_fct_claims_reads_only_this_runs_claims_when_incremental(refreshed, tmp_path):
    """On a claims-incremental run, columns_not_null on fct_claims scans the rows of the claims
    this dbt invocation reconciled (int_claims_reconciled says which); otherwise every row."""
    warehouse = shutil.copy(refreshed / "warehouse.duckdb", tmp_path / "warehouse.duckdb")
    marts = shutil.copy(refreshed / "alcap_marts.duckdb", tmp_path / "alcap_marts.duckdb")
    selector = "fct_claims,test_name:columns_not_null"
    scoped, invocation = compiled_test(warehouse, tmp_path, selector, "1")
    everything, _ = compiled_test(warehouse, tmp_path, selector, "0")
    reconciled = "intermediate.int_claims_reconciled"
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute(f"attach '{marts}' as {MARTS_CATALOG}")
        written, kept = mark_written(
            connection, reconciled, "claim_id", "reconciled_in_invocation", invocation, 2
        )
        # Both rows lose their entity; only the one reconciled in this run is looked at.
        connection.execute(
            f"update {MARTS_CATALOG}.marts.fct_claims set entity_id = null"
            " where claim_id in (?, ?)",
            [written, kept],
        )
        assert connection.execute(scoped).fetchall() == [("entity_id", 1)]
        assert connection.execute(everything).fetchall() == [("entity_id", 2)]


def test_not_null_on_a_claims_model_reads_only_the_rows_it_wrote_when_incremental(
    refreshed, tmp_path
):
    """The column form of `written_in`: on a claims-incremental run, columns_not_null on
    int_claims_normalised scans the rows its own normalised_in_invocation says this dbt
    invocation wrote; otherwise every row."""
    warehouse = shutil.copy(refreshed / "warehouse.duckdb", tmp_path / "warehouse.duckdb")
    selector = "int_claims_normalised,test_name:columns_not_null"
    scoped, invocation = compiled_test(warehouse, tmp_path, selector, "1")
    everything, _ = compiled_test(warehouse, tmp_path, selector, "0")
    with duckdb.connect(str(warehouse)) as connection:
        written, kept = mark_written(
            connection, NORMALISED, "claim_id", "normalised_in_invocation", invocation, 2
        )
        # Both rows lose their normalised value; only the one written in this run is looked at.
        connection.execute(
            f"update {NORMALISED} set value_normalised = null where claim_id in (?, ?)",
            [written, kept],
        )
        assert connection.execute(scoped).fetchall() == [("value_normalised", 1)]
        assert connection.execute(everything).fetchall() == [("value_normalised", 2)]


def test_a_repeated_mart_key_fails_the_model(refreshed, tmp_path):
    """A mart's primary key stands in for a `unique` test: its contract creates the table with
    the key before dbt inserts the rows, so a repeated key fails the model itself (were the key
    added after the rows, or dropped from the contract, the repeat would be published)."""
    warehouse = shutil.copy(refreshed / "warehouse.duckdb", tmp_path / "warehouse.duckdb")
    marts = shutil.copy(refreshed / "alcap_marts.duckdb", tmp_path / "alcap_marts.duckdb")
    with duckdb.connect(str(warehouse)) as connection:
        # One curatable metric twice in the seed dim_metrics is built from.
        connection.execute(
            "insert into seeds.metrics select * from seeds.metrics"
            " where is_curatable order by metric_id limit 1"
        )
    result = run_dbt(warehouse, tmp_path, "run", "--select", "dim_metrics", ALCAP_MARTS=str(marts))
    assert result.returncode == 1, result.stdout[-2000:]
    assert "Constraint Error" in result.stdout and "dim_metrics" in result.stdout, result.stdout[
        -2000:
    ]
    with duckdb.connect(str(marts), read_only=True) as connection:
        repeated = connection.execute(
            f"select count(*) - count(distinct metric_id) from {MARTS_CATALOG}.marts.dim_metrics"
        ).fetchone()
    assert repeated == (0,), "the published dim_metrics keeps one row per metric"


def test_the_review_queue_is_kept_unless_the_links_changed(refreshed, tmp_path):
    """On a claims-incremental run fct_claim_review_queue ranks the unlinked candidates again
    only when int_claim_candidates_linked wrote a row in this dbt run or holds another number of
    unlinked candidates than the queue; otherwise its query reads nothing and the queue stays.
    Any other run ranks them all."""
    warehouse = shutil.copy(refreshed / "warehouse.duckdb", tmp_path / "warehouse.duckdb")
    marts = shutil.copy(refreshed / "alcap_marts.duckdb", tmp_path / "alcap_marts.duckdb")
    # The model alone, without its tests; against the copy of the marts file (is_incremental).
    model = {"DBT_INDIRECT_SELECTION": "empty", "ALCAP_MARTS": str(marts)}
    scoped, invocation = compiled_test(warehouse, tmp_path, "fct_claim_review_queue", "1", **model)
    everything, _ = compiled_test(warehouse, tmp_path, "fct_claim_review_queue", "0", **model)
    assert "linked_in_invocation" not in everything
    linked = "intermediate.int_claim_candidates_linked"
    queue = f"{MARTS_CATALOG}.marts.fct_claim_review_queue"
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute(f"attach '{marts}' as {MARTS_CATALOG}")

        def ranked() -> list[str]:
            return [row[0] for row in connection.execute(scoped).fetchall()]

        # The shipped data has no article text: no candidate, an empty queue, nothing to rank.
        assert ranked() == []
        # A candidate left unlinked by an earlier run, which the queue lacks: ranked again.
        connection.execute(
            f"insert into {linked} (candidate_id, article_path, source_id, value, unit,"
            " is_unit_known, surface, span_start, span_end, is_metric_known, is_linked,"
            " matching_claims_count, linked_in_invocation) values ('k_earlier', 'articles/a.md',"
            " 'alcap_test', 1.0, 't', true, '1 t', 0, 3, true, false, 0, 'an earlier run')"
        )
        assert ranked() == ["k_earlier"]
        # Once the queue holds it, and the linking wrote nothing in this run: kept.
        connection.execute(f"insert into {queue} by name select * from ({everything})")
        assert ranked() == []
        # The linking wrote the row in this run: ranked again.
        connection.execute(f"update {linked} set linked_in_invocation = ?", [invocation])
        assert ranked() == ["k_earlier"]
