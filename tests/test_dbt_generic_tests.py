"""The project's own generic dbt tests fail when they should, run by real dbt on a copy of the
session's warehouse with bad rows put in."""

from __future__ import annotations

import os
import shutil
import subprocess

import duckdb

from dagster_project.settings import DBT_EXECUTABLE, DBT_PROJECT_DIR


def dbt_test(warehouse, tmp_path, selector: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "ALCAP_WAREHOUSE": str(warehouse)}
    return subprocess.run(
        [DBT_EXECUTABLE, "test", "--select", selector, "--store-failures",
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
        cwd=DBT_PROJECT_DIR, env=environment, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


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
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        (table,) = connection.execute(
            "select schema_name || '.' || table_name from duckdb_tables()"
            " where schema_name like '%test__audit'"  # one table per failed test (here one)
        ).fetchone()
        failures = connection.execute(f"select * from {table} order by all").fetchall()
    assert failures == [("period_year", 1), ("unit_base", rows)]
