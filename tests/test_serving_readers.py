"""Older DuckDB readers open the serving snapshot, as BI drivers that embed DuckDB 1.x do.

Each version gets a throw-away virtualenv with only `duckdb==<version>` from PyPI (no pytz:
the snapshot must not need it), and reads the snapshot read-only in a subprocess: every table,
its rows, comments and primary keys, which must equal what the project's DuckDB reads.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import open_warehouse, throwaway_python

from dagster_project.publish.snapshot import publish_snapshot
from dagster_project.settings import PROJECT_ROOT

# 1.2 is the oldest reader the storage format promises; 1.4 is what Evidence and duckdb-wasm
# embed; 1.5 the last 1.x release.
READER_VERSIONS = ["1.2.2", "1.4.5", "1.5.6"]
MANIFEST = PROJECT_ROOT / "dbt" / "target" / "manifest.json"

READ_EVERYTHING = """
import importlib.util, json, sys
import duckdb

connection = duckdb.connect(sys.argv[1], read_only=True)
report = {
    "version": duckdb.__version__,
    "has_pytz": importlib.util.find_spec("pytz") is not None,
    "catalog": connection.execute("select current_database()").fetchone()[0],
    "tables": {},
}
for schema, name, comment in connection.execute(
    "select schema_name, table_name, comment from duckdb_tables() order by all"
).fetchall():
    rows = connection.execute(f'select * from "{schema}"."{name}"').fetchall()  # to Python
    keys = connection.execute(
        "select constraint_column_names from duckdb_constraints()"
        " where schema_name = ? and table_name = ? and constraint_type = 'PRIMARY KEY'",
        [schema, name],
    ).fetchall()
    report["tables"][f"{schema}.{name}"] = {
        "rows": len(rows),
        "comment": comment,
        "primary_key": list(keys[0][0]) if keys else [],
        "column_comments": dict(
            connection.execute(
                "select column_name, comment from duckdb_columns()"
                " where schema_name = ? and table_name = ? order by column_index",
                [schema, name],
            ).fetchall()
        ),
    }
report["output_value_2018"] = connection.execute(
    "select output_value_cny from marts.fct_cluster_output_value where year = 2018"
).fetchone()[0]
report["newest_build"] = connection.execute(
    "select build_id from meta.builds order by finished_at desc limit 1"
).fetchone()[0]
print(json.dumps(report))
"""


@pytest.fixture(scope="session")
def reader_environments(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("duckdb_readers")
    return {
        version: throwaway_python(root / f"duckdb-{version}", f"duckdb=={version}")
        for version in READER_VERSIONS
    }


def read_everything(python: str | Path, snapshot: Path) -> dict:
    """The probe's report, read by the DuckDB of the given Python."""
    result = subprocess.run(
        [str(python), "-c", READ_EVERYTHING, str(snapshot)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


@pytest.mark.parametrize("version", READER_VERSIONS)
def test_older_duckdb_reads_every_table_of_the_snapshot(refreshed, reader_environments, version):
    snapshot = refreshed / "serving" / "alcap.duckdb"
    report = read_everything(reader_environments[version], snapshot)
    assert report["version"] == version
    assert report["has_pytz"] is False, "the reader must work without pytz"
    assert report["catalog"] == "alcap"

    # The same probe through this project's DuckDB 2: every table, row count, comment and key,
    # the 2018 figure and the newest build must read the same in the older version.
    expected = read_everything(sys.executable, snapshot)
    assert set(report["tables"]) == set(expected["tables"])
    for table, seen in report["tables"].items():
        assert seen == expected["tables"][table], table
    assert report["tables"]["marts.fct_claims"]["primary_key"] == ["claim_id"]
    assert report["output_value_2018"] == pytest.approx(330e9)
    assert report["newest_build"] == expected["newest_build"]


# The keys are added to the snapshot's tables after their rows are in (`alter table … add
# primary key`): the oldest reader must see them as keys and NOT NULL columns, and enforce them.
CHECK_KEYS = """
import json, sys
import duckdb

connection = duckdb.connect(sys.argv[1])
report = {
    "constraints": connection.execute(
        "select constraint_type, constraint_column_names from duckdb_constraints()"
        " where schema_name = 'marts' and table_name = 'fct_claims'"
        " and 'claim_id' in constraint_column_names order by all"
    ).fetchall(),
    "claim_id_comment": connection.execute(
        "select comment from duckdb_columns()"
        " where table_name = 'fct_claims' and column_name = 'claim_id'"
    ).fetchone()[0],
}
copy_of_a_claim = (
    "insert into marts.fct_claims select * replace ({claim_id} as claim_id)"
    " from marts.fct_claims limit 1"
)
for case, claim_id in [("duplicate", "claim_id"), ("null", "null")]:
    try:
        connection.execute(copy_of_a_claim.format(claim_id=claim_id))
        report[case] = "accepted"
    except duckdb.ConstraintException as error:
        report[case] = "refused: " + str(error).splitlines()[0]
print(json.dumps(report))
"""


def keys_as_read(python: Path, snapshot: Path, tmp_path: Path) -> dict:
    """CHECK_KEYS run by `python` on a writable copy (a published snapshot is only read)."""
    writable = tmp_path / "writable.duckdb"
    shutil.copyfile(snapshot, writable)
    result = subprocess.run(
        [str(python), "-c", CHECK_KEYS, str(writable)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def test_oldest_reader_sees_and_enforces_the_keys(refreshed, reader_environments, tmp_path):
    report = keys_as_read(
        reader_environments[READER_VERSIONS[0]], refreshed / "serving" / "alcap.duckdb", tmp_path
    )
    assert report["constraints"] == [["NOT NULL", ["claim_id"]], ["PRIMARY KEY", ["claim_id"]]]
    assert report["claim_id_comment"]
    assert report["duplicate"].startswith("refused"), report["duplicate"]
    assert report["null"].startswith("refused"), report["null"]


def test_oldest_reader_reads_a_snapshot_of_marts_changed_in_place(
    refreshed, reader_environments, tmp_path
):
    """A snapshot copied from a marts file whose keyed rows were deleted and inserted again
    (as dbt's incremental fct_claims does, its key kept up to date) and updated, is still read,
    keys and all, by DuckDB 1.2."""
    home = tmp_path / "home"
    shutil.copytree(refreshed, home, ignore=shutil.ignore_patterns("dagster_home"), symlinks=True)
    with open_warehouse(home, read_only=False) as warehouse:
        warehouse.execute(
            "create temporary table edited as select * replace ('edited by the test' as"
            " location_note) from marts.fct_claims where file = (select min(file) from"
            " marts.fct_claims)"
        )
        warehouse.execute(
            "delete from marts.fct_claims where claim_id in (from edited select claim_id)"
        )
        warehouse.execute("insert into marts.fct_claims from edited")
        warehouse.execute(
            "update marts.dim_sources set title = title || ' (edited by the test)'"
            " where source_id = (select min(source_id) from marts.dim_sources)"
        )
    snapshot = home / "serving" / "alcap.duckdb"
    build = publish_snapshot(
        home / "warehouse.duckdb", home / "alcap_marts.duckdb", snapshot, MANIFEST
    )

    report = read_everything(reader_environments[READER_VERSIONS[0]], snapshot)
    expected = read_everything(sys.executable, snapshot)
    assert report["tables"] == expected["tables"]
    assert report["newest_build"] == build.build_id
    keys = keys_as_read(reader_environments[READER_VERSIONS[0]], snapshot, tmp_path)
    assert keys["duplicate"].startswith("refused") and keys["null"].startswith("refused"), keys
    with duckdb.connect(str(snapshot), read_only=True) as connection:
        (edited,) = connection.execute(
            "select count(*) from marts.fct_claims where location_note = 'edited by the test'"
        ).fetchone()
    assert edited > 1
