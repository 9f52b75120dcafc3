"""Shared fixtures: a small raw/ directory written by the test, and a DuckDB file for it."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest
import yaml

from dagster_project.marts_file import attach_marts
from dagster_project.settings import DBT_EXECUTABLE, DBT_PROJECT_DIR, PROJECT_ROOT

CLAIMS_HEADER = (
    "claim_id,subject,product,market_scope,metric,period,value,unit,bound,source_id,location_note"
)

REGISTRY = """
sources:
  - id: test_article
    kind: article
    publisher: Test Daily
    title: A test article
    url: http://example.invalid/article
    published: 2019-04-22
    retrieved: 2026-11-29
    licence: written for the tests
    trust: B+
    dataset: article_claims
    format: claims_csv
    files: [claims/test_article.csv]
  - id: test_second_article
    kind: article
    publisher: Test Evening News
    title: Another test article
    url: http://example.invalid/second
    published: 2019-04-28
    retrieved: 2026-11-29
    licence: written for the tests
    trust: A-
    dataset: article_claims
    format: claims_csv
    files: [claims/test_second_article.csv]
  - id: test_fred_fx
    kind: statistic
    publisher: Test Reserve
    title: Yuan per dollar
    url: http://example.invalid/fx
    published: 2025-08
    retrieved: 2026-11-29
    licence: public domain
    trust: A
    dataset: exchange_rates
    format: fred_csv
    files: [statistics/fred_EXCHUS.csv]
    series: {entity: China, metric: exchange_rate, unit: CNY/USD}
  - id: test_owid
    kind: statistic
    publisher: Test World in Data
    title: Metal production
    url: http://example.invalid/owid
    published: 2020
    retrieved: 2026-11-29
    licence: CC BY 4.0
    trust: A
    dataset: production_series
    format: owid_csv
    files: [statistics/owid_world.csv]
    series: {unit: kt}
"""

GOOD_CLAIMS = f"""{CLAIMS_HEADER}
t1__01,Binzhou aluminium industry,,,output_value,2018,330,billion yuan,exact,test_article,lead paragraph
t1__02,Yuhang,conductor rail,domestic,market_share,2019,60,%,at_least,test_article,third section
t1__03,Binzhou,rod,,value_added_per_tonne,2019,500,yuan/t,exact,test_article,ladder quote
"""


@pytest.fixture(scope="session", autouse=True)
def dbt_manifest() -> Path:
    """The dbt manifest the Dagster definitions read, parsed once if the project changed."""
    from dagster_project.dbt_project import dbt_project, prepare

    prepare()
    return dbt_project.manifest_path


def list_article_text(raw: Path, source_id: str, *files: str) -> None:
    """Add files to a source's `text:` in raw/sources.yml, as a user adding an article would."""
    registry = yaml.safe_load((raw / "sources.yml").read_text(encoding="utf-8"))
    for entry in registry["sources"]:
        if entry["id"] == source_id:
            entry["text"] = [*entry.get("text", []), *files]
            break
    else:
        raise KeyError(source_id)
    (raw / "sources.yml").write_text(yaml.safe_dump(registry, allow_unicode=True), "utf-8")


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        # Test bodies start with an unindented f-string header: dedent the lines after it.
        first, _, rest = content.lstrip("\n").partition("\n")
        path.write_text(first + "\n" + textwrap.dedent(rest), encoding="utf-8")
    return path


@pytest.fixture
def raw_dir(tmp_path: Path) -> Path:
    """A valid raw/ directory; tests break one file at a time."""
    raw = tmp_path / "raw"
    write(raw / "sources.yml", REGISTRY)
    write(raw / "claims/test_article.csv", GOOD_CLAIMS)
    write(
        raw / "claims/test_second_article.csv",
        f"""{CLAIMS_HEADER}
        t2__01,Binzhou aluminium industry,,,main_business_revenue,2018,3300,亿元,at_least,test_second_article,"second paragraph, revenue"
        """,
    )
    write(
        raw / "statistics/fred_EXCHUS.csv",
        "observation_date,EXCHUS\n2019-01-01,6.7863\n2019-02-01,6.7367\n",
    )
    write(
        raw / "statistics/owid_world.csv",
        "Entity,Code,Year,Aluminium,Bauxite\nWorld,OWID_WRL,2014,53100,250000\n"
        "World,OWID_WRL,2015,57500,\n",
    )
    return raw


@pytest.fixture
def connection(tmp_path: Path):
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as database:
        yield database


ALCAP = [sys.executable, "-m", "dagster_project.cli"]


@contextlib.contextmanager
def open_warehouse(home: Path, read_only: bool = True):
    """The warehouse of `home` with its marts file attached, as dbt sees them: `raw.<name>`
    and `marts.<name>` both resolve."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=read_only) as connection:
        attach_marts(connection, home / "alcap_marts.duckdb", read_only=read_only)
        yield connection


def run_alcap(
    home: Path, raw: Path, *arguments: str, environment: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    # A developer's own Postgres settings never reach the tests: they pass their own.
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("ALCAP_POSTGRES_")}
    environment = {
        **inherited,
        "ALCAP_HOME": str(home),
        "ALCAP_RAW_DIR": str(raw),
        "DAGSTER_HOME": str(home / "dagster_home"),
        **(environment or {}),
    }
    return subprocess.run(
        [*ALCAP, *arguments],
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=PROJECT_ROOT,
    )


def python_output(code: str, *arguments: str) -> str:
    """What `code` prints when run in a fresh Python process (for state a test worker, which
    has run other tests, cannot be trusted to have fresh: the collector, file locks)."""
    return subprocess.run(
        [sys.executable, "-c", code, *arguments],
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout


@pytest.fixture(scope="session")
def refreshed(tmp_path_factory) -> Path:
    """One `alcap refresh` of the shipped raw/ (copied to <tmp>/raw) into <tmp>/home, shared
    by every test module of the session. Tests that change it work on a copy."""
    root = tmp_path_factory.mktemp("shipped")
    raw = shutil.copytree(PROJECT_ROOT / "raw", root / "raw")
    home = root / "home"
    result = run_alcap(home, raw, "refresh")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return home


# Columns that differ between two homes built from the same files: when rows were loaded,
# which dbt run wrote them. Left out (mart_rows' exclude) to compare an incremental refresh's
# tables with a full rebuild's.
LOAD_TIMES = (
    "loaded_at",
    "normalised_in_invocation",
    "reconciled_in_invocation",
    "linked_in_invocation",
)


def mart_rows(
    database: Path, schema: str = "marts", exclude: tuple[str, ...] = ()
) -> dict[str, tuple[list[str], list[tuple]]]:
    """Every table of `schema` (marts.*) in a DuckDB file: (columns, rows sorted), without the
    columns in `exclude`. Doubles are rounded to 12 significant digits: DuckDB's parallel sums
    differ in the last bits from run to run."""
    tables = {}
    with duckdb.connect(str(database), read_only=True) as connection:
        names = connection.execute(
            "select table_name from duckdb_tables() where schema_name = ? order by 1", [schema]
        ).fetchall()
        for (name,) in names:
            columns = connection.execute(
                "select column_name from duckdb_columns()"
                " where schema_name = ? and table_name = ? order by column_index",
                [schema, name],
            ).fetchall()
            kept = ", ".join(f'"{column}"' for (column,) in columns if column not in exclude)
            cursor = connection.execute(f"select {kept} from {schema}.{name}")
            columns = [column[0] for column in cursor.description]
            rows = [
                tuple(float(f"{v:.12g}") if isinstance(v, float) else v for v in row)
                for row in cursor.fetchall()
            ]
            tables[name] = (columns, sorted(rows, key=repr))
    return tables


def uv() -> str:
    """The uv that `make env` installs (or one on PATH), to build throw-away environments."""
    found = PROJECT_ROOT / ".tools" / "bin" / "uv"
    if found.exists():
        return str(found)
    on_path = shutil.which("uv")
    assert on_path, "uv is needed to build throw-away environments: run `make env`"
    return on_path


def throwaway_python(environment: Path, *requirements: str) -> Path:
    """A virtualenv of its own with only `requirements` from PyPI (never the project's .venv):
    how a BI tool's own client libraries meet our files."""
    subprocess.run(
        [uv(), "venv", "--quiet", "--python", sys.executable, str(environment)],
        check=True,
        timeout=300,
    )
    python = environment / "bin" / "python"
    subprocess.run(
        [uv(), "pip", "install", "--quiet", "--python", str(python), *requirements],
        check=True,
        timeout=600,
    )
    return python


CATALOG_QUERIES = {
    "tables": "select schema_name, table_name, comment from duckdb_tables()"
    " where database_name = ? order by all",
    "columns": "select schema_name, table_name, column_index, column_name, data_type,"
    " is_nullable, comment from duckdb_columns() where database_name = ? order by all",
    "constraints": "select schema_name, table_name, constraint_type, constraint_column_names"
    " from duckdb_constraints() where database_name = ? order by all",
}


def assert_same_snapshot(published: Path, in_full: Path) -> None:
    """Two serving snapshots hold the same tables, columns, types, comments and keys (meta
    included) and the same rows, both ways, in every table but meta's (a history)."""
    with duckdb.connect() as connection:
        connection.execute(f"attach '{published}' as published (read_only)")
        connection.execute(f"attach '{in_full}' as in_full (read_only)")
        for what, query in CATALOG_QUERIES.items():
            assert connection.execute(query, ["published"]).fetchall() == (
                connection.execute(query, ["in_full"]).fetchall()
            ), what
        tables = connection.execute(
            "select schema_name, table_name from duckdb_tables()"
            " where database_name = 'in_full' and schema_name <> 'meta'"
        ).fetchall()
        assert ("marts", "fct_claims") in tables
        for schema, name in tables:
            left, right = f"published.{schema}.{name}", f"in_full.{schema}.{name}"
            for first, second in ((left, right), (right, left)):
                differing = connection.execute(
                    f"select count(*) from (from {first} except all from {second})"
                ).fetchone()[0]
                assert differing == 0, (
                    f"{schema}.{name}: {differing} rows of {first} not in {second}"
                )


def run_dbt(
    warehouse, tmp_path, *arguments: str, target: str = "target", **environment: str
) -> subprocess.CompletedProcess:
    """Real dbt against `warehouse`, its target and logs under tmp_path."""
    environment = {**os.environ, "ALCAP_WAREHOUSE": str(warehouse), **environment}
    return subprocess.run(
        [DBT_EXECUTABLE, *arguments,
         "--target-path", str(tmp_path / target), "--log-path", str(tmp_path / "logs")],
        cwd=DBT_PROJECT_DIR, env=environment, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
