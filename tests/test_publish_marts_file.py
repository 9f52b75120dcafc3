"""Publishing copies the marts file dbt built: what is still in its write-ahead log is copied
too, what is not a mart of the project is left out, and time zones are published as UTC."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import open_warehouse

from dagster_project.publish.snapshot import publish_snapshot
from dagster_project.settings import PROJECT_ROOT

MANIFEST = PROJECT_ROOT / "dbt" / "target" / "manifest.json"

# Writes a row into the marts file and exits without a checkpoint: the row is only in the WAL.
WRITE_WITHOUT_CHECKPOINT = """
import sys, duckdb
connection = duckdb.connect(sys.argv[1])
connection.execute("pragma disable_checkpoint_on_shutdown")
connection.execute("set wal_autocheckpoint = '1TB'")
connection.execute(
    "insert into marts.dim_metrics select * replace ('zz_only_in_the_log' as metric_id)"
    " from marts.dim_metrics order by metric_id limit 1"
)
"""


@pytest.fixture
def home(refreshed, tmp_path) -> Path:
    copied = tmp_path / "home"
    shutil.copytree(refreshed, copied, ignore=shutil.ignore_patterns("dagster_home"), symlinks=True)
    return copied


def publish(home: Path) -> Path:
    snapshot = home / "serving" / "alcap.duckdb"
    publish_snapshot(home / "warehouse.duckdb", home / "alcap_marts.duckdb", snapshot, MANIFEST)
    return snapshot


def test_rows_still_in_the_marts_files_log_are_published(home):
    marts = home / "alcap_marts.duckdb"
    subprocess.run([sys.executable, "-c", WRITE_WITHOUT_CHECKPOINT, str(marts)], check=True)
    assert Path(f"{marts}.wal").exists(), "the row was meant to stay in the log"
    with duckdb.connect(str(publish(home)), read_only=True) as snapshot:
        assert snapshot.execute(
            "select count(*) from marts.dim_metrics where metric_id = 'zz_only_in_the_log'"
        ).fetchone() == (1,)


def test_only_the_projects_marts_are_published(home):
    with open_warehouse(home, read_only=False) as connection:
        connection.execute(
            "create table marts.fct_claims__dbt_tmp as select * from marts.fct_claims limit 3;"
            " create table marts.fct_removed_model as select 1 as id;"
            " create view marts.v_claims as select claim_id from marts.fct_claims;"
            " create schema alcap_marts.scratch;"
            " create table alcap_marts.scratch.notes as select 'x' as note"
        )
    with duckdb.connect(str(publish(home)), read_only=True) as snapshot:
        names = {
            f"{schema}.{name}"
            for schema, name in snapshot.execute(
                "select schema_name, table_name from duckdb_tables()"
                " union all select schema_name, view_name from duckdb_views() where not internal"
            ).fetchall()
        }
    left_out = {"marts.fct_claims__dbt_tmp", "marts.fct_removed_model", "marts.v_claims"}
    assert not names & (left_out | {"scratch.notes"})
    assert {"marts.fct_claims", "marts.dim_sources", "raw.file_loads", "meta.builds"} <= names


def test_a_time_zone_column_of_a_mart_is_published_in_utc(home):
    with open_warehouse(home, read_only=False) as connection:
        connection.execute("set timezone = 'Asia/Shanghai'")
        connection.execute(
            "alter table marts.dim_metrics add column checked_at timestamptz"
            " default timestamptz '2026-01-01 08:00:00+08';"
            " comment on column marts.dim_metrics.checked_at is 'When the metric was checked.'"
        )
    with duckdb.connect(str(publish(home)), read_only=True) as snapshot:
        data_type, comment = snapshot.execute(
            "select data_type, comment from duckdb_columns()"
            " where table_name = 'dim_metrics' and column_name = 'checked_at'"
        ).fetchone()
        values = snapshot.execute("select distinct checked_at from marts.dim_metrics").fetchall()
    assert data_type == "TIMESTAMP"
    assert comment == "When the metric was checked (UTC, without time zone)."
    assert [str(value) for (value,) in values] == ["2026-01-01 00:00:00"]


def test_without_a_marts_file_nothing_is_published(home):
    snapshot = home / "serving" / "alcap.duckdb"
    before = snapshot.read_bytes()
    (home / "alcap_marts.duckdb").unlink()
    with pytest.raises(FileNotFoundError, match="dbt has not built the marts"):
        publish(home)
    assert snapshot.read_bytes() == before
    assert not list(snapshot.parent.glob("*.building*"))
