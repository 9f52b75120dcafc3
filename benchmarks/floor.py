"""The floor of a refresh: dbt's own models as one plain SQL script, run by DuckDB directly.

From a warehouse the pipeline built: copy it, `dbt compile --full-refresh` against the copy and
a new marts file (so every model's compiled SQL is its full build, and the marts go to a file
of the same storage format as the pipeline's), drop every relation a model built, and run, in
the manifest's topological order, `create or replace view|table <relation> as <compiled SQL>`
for every model on what is left: the raw tables and the seeds as the pipeline loaded them. The
time of that script, with no orchestrator, no dbt and no data tests, under dbt's memory bound,
is what the same transformations cost at the least on this machine.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from dagster_project.marts_file import attach_marts
from dagster_project.settings import DBT_PROJECT_DIR

MATERIALISED_AS = {"view": "view", "table": "table", "incremental": "table"}


@dataclass
class Floor:
    seconds: float  # the script's run time alone
    compile_seconds: float
    statements: int
    warehouse: Path  # the copy the script ran on: raw tables, seeds and the floor's models
    marts: Path  # the marts file the script wrote the marts into
    script: Path
    model_seconds: dict[str, float]  # per model, as the script ran it


def compile_manifest(project_dir: Path, warehouse: Path, marts: Path, target_dir: Path) -> dict:
    """dbt's manifest with compiled code for every node, compiled against `warehouse` and the
    marts file `marts`."""
    dbt = str(Path(sys.executable).parent / "dbt")
    dbt_dir = project_dir / "dbt"
    env = {
        **_base_environment(),
        "ALCAP_WAREHOUSE": str(warehouse),
        "ALCAP_MARTS": str(marts),
        "DBT_PROJECT_DIR": str(dbt_dir),
    }
    command = [dbt, "compile", "--full-refresh", "--quiet", "--target-path", str(target_dir)]
    command += ["--project-dir", str(dbt_dir), "--profiles-dir", str(dbt_dir)]
    result = subprocess.run(command, env=env, capture_output=True, text=True, cwd=dbt_dir)
    if result.returncode != 0:
        raise RuntimeError(f"dbt compile failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return json.loads((target_dir / "manifest.json").read_text(encoding="utf-8"))


def _base_environment() -> dict[str, str]:
    moved = {"ALCAP_WAREHOUSE", "ALCAP_MARTS"}
    return {key: value for key, value in os.environ.items() if key not in moved}


def model_nodes(manifest: dict) -> list[dict]:
    """The built models (not ephemeral ones, which are inlined) in topological order."""
    nodes = {
        unique_id: node
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["config"]["materialized"] in MATERIALISED_AS
    }
    parents = {
        unique_id: {parent for parent in node["depends_on"]["nodes"] if parent in nodes}
        for unique_id, node in nodes.items()
    }
    ordered: list[dict] = []
    done: set[str] = set()
    while len(done) < len(nodes):
        ready = sorted(uid for uid in nodes if uid not in done and parents[uid] <= done)
        if not ready:
            raise RuntimeError("the models' dependencies form a cycle")
        for unique_id in ready:
            ordered.append(nodes[unique_id])
            done.add(unique_id)
    return ordered


def floor_statements(manifest: dict) -> list[str]:
    return [statement for _, statement in _named_statements(manifest)]


def _named_statements(manifest: dict) -> list[tuple[str, str]]:
    """(model name or '', statement) in the order the script runs them."""
    statements = []
    schemas = []
    for node in model_nodes(manifest):
        schema = f'"{node["database"]}"."{node["schema"]}"'
        if schema not in schemas:
            schemas.append(schema)
            statements.append(("", f"create schema if not exists {schema}"))
        kind = MATERIALISED_AS[node["config"]["materialized"]]
        code = node["compiled_code"].strip().rstrip(";")
        statement = f"create or replace {kind} {node['relation_name']} as (\n{code}\n)"
        statements.append((node["name"], statement))
    return statements


def connect(warehouse: Path, marts: Path, config: dict | None = None) -> duckdb.DuckDBPyConnection:
    """The warehouse with the marts file attached as dbt's profile attaches it."""
    connection = duckdb.connect(str(warehouse), config=config or {})
    attach_marts(connection, marts)
    return connection


def keep_inputs_only(warehouse: Path, marts: Path, manifest: dict) -> None:
    """Drop every relation a model built: what stays is raw tables, seeds and the rest."""
    with connect(warehouse, marts) as connection:
        for node in reversed(model_nodes(manifest)):
            kind = MATERIALISED_AS[node["config"]["materialized"]]
            # A relation may be a table where the manifest says view, or the other way round.
            for drop in (kind, "view" if kind == "table" else "table"):
                try:
                    connection.execute(f"drop {drop} if exists {node['relation_name']} cascade")
                except duckdb.CatalogException:
                    continue


def run_floor(project_dir: Path, warehouse: Path, work_dir: Path) -> Floor:
    """Copy `warehouse`, compile against the copy, keep only its inputs, run the floor script.

    The copy keeps the file name, so the catalog name (`warehouse`) in dbt's relation names
    matches.
    """
    if work_dir.exists():
        shutil.rmtree(work_dir)
    copy = work_dir / "db" / warehouse.name
    copy.parent.mkdir(parents=True)
    shutil.copy2(warehouse, copy)
    marts = work_dir / "db" / "alcap_marts.duckdb"
    started = time.monotonic()
    manifest = compile_manifest(project_dir, copy, marts, work_dir / "target")
    compile_seconds = time.monotonic() - started
    keep_inputs_only(copy, marts, manifest)
    statements = _named_statements(manifest)
    script = work_dir / "floor.sql"
    script.write_text(";\n\n".join(sql for _, sql in statements) + ";\n", encoding="utf-8")
    model_seconds = {}
    with connect(copy, marts, dbt_bound()) as connection:
        started = time.monotonic()
        for name, statement in statements:
            before = time.monotonic()
            connection.execute(statement)
            if name:
                model_seconds[name] = time.monotonic() - before
        seconds = time.monotonic() - started
    return Floor(seconds, compile_seconds, len(statements), copy, marts, script, model_seconds)


# The profile's memory_limit: env_var('ALCAP_DBT_MEMORY_LIMIT', '<default>').
PROFILE_BOUND = re.compile(r"env_var\('ALCAP_DBT_MEMORY_LIMIT',\s*'([^']+)'\)")


def dbt_bound() -> dict[str, str]:
    """The memory bound dbt's profile gives DuckDB (dbt/profiles.yml, read from there), so that
    the floor runs the models under the same conditions: unbounded, DuckDB takes 80 % of RAM
    and spills nothing (int_claims_reconciled peaked at 17 GB so at scale 100)."""
    profile = (DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8")
    default = PROFILE_BOUND.search(profile)
    if default is None:
        raise ValueError("dbt/profiles.yml no longer sets memory_limit from ALCAP_DBT_MEMORY_LIMIT")
    return {"memory_limit": os.environ.get("ALCAP_DBT_MEMORY_LIMIT", default.group(1))}


@dataclass
class LoadFloor:
    seconds: float  # DuckDB's read_csv of every CSV file the registry lists, into tables
    files: int
    rows: int


def run_load_floor(raw_dir: Path, work_dir: Path) -> LoadFloor:
    """The least a load of the same CSV files costs: per dataset, one `read_csv` of its files
    (every column VARCHAR, union by name) into a table of a new DuckDB file, with the loaders'
    threads and memory bound. No checks, no line numbers, no rejected rows; article texts are
    not CSV and are left out (their extraction has no SQL floor)."""
    from dagster_project.ingest.registry import DATASETS, REGISTRY_FILE, load_registry
    from dagster_project.settings import load_settings

    registry = load_registry(raw_dir / REGISTRY_FILE)
    work_dir.mkdir(parents=True, exist_ok=True)
    database = work_dir / "load_floor.duckdb"
    database.unlink(missing_ok=True)
    files = rows = 0
    started = time.monotonic()
    with duckdb.connect(str(database), config=load_settings().duckdb_config) as connection:
        for dataset in DATASETS:
            paths = [str(raw_dir / f) for f in registry.files_of(dataset) if f.endswith(".csv")]
            if not paths:
                continue
            connection.execute(
                f"create table {dataset} as select * from read_csv(?, all_varchar = true,"
                " union_by_name = true, filename = true, ignore_errors = true)",
                [paths],
            )
            files += len(paths)
            rows += connection.execute(f"select count(*) from {dataset}").fetchone()[0]
    seconds = time.monotonic() - started
    database.unlink(missing_ok=True)
    return LoadFloor(seconds, files, rows)


@dataclass
class PublishFloor:
    seconds: float  # the marts file copied, and every mart written as Parquet
    marts: int
    parquet_bytes: int


def run_publish_floor(marts: Path, work_dir: Path) -> PublishFloor:
    """The least publishing the same marts costs: a copy of the marts file (the snapshot BI
    tools open is that file and a few small tables) and one Parquet file per mart (zstd, rows
    in no particular order, as the export writes them), with the loaders' threads and memory
    bound. No build history, comments, parts, fingerprints, Postgres or report."""
    from dagster_project.settings import load_settings

    if work_dir.exists():
        shutil.rmtree(work_dir)
    work_dir.mkdir(parents=True)
    started = time.monotonic()
    copy = work_dir / marts.name
    shutil.copyfile(marts, copy)
    with duckdb.connect(config=load_settings().duckdb_config) as connection:
        connection.execute("set preserve_insertion_order = false")
        connection.execute(f"attach '{copy}' as published (read_only)")
        tables = [
            name
            for (name,) in connection.execute(
                "select table_name from information_schema.tables where table_catalog ="
                " 'published' and table_schema = 'marts' and table_type = 'BASE TABLE'"
            ).fetchall()
        ]
        for name in tables:
            target = str(work_dir / f"{name}.parquet").replace("'", "''")
            connection.execute(
                f"copy published.marts.\"{name}\" to '{target}' (format parquet, compression zstd)"
            )
    seconds = time.monotonic() - started
    written = sum(path.stat().st_size for path in work_dir.glob("*.parquet"))
    shutil.rmtree(work_dir)
    return PublishFloor(seconds, len(tables), written)


def _rounded(column: str, data_type: str) -> str:
    """A column for comparison: doubles to 12 significant digits, anything else as it is."""
    quoted = f'"{column}"'
    if data_type.upper() not in {"DOUBLE", "FLOAT", "REAL"}:
        return quoted
    digits = f"11 - floor(log10(abs({quoted})))::integer"
    return (
        f"case when {quoted} is null or {quoted} = 0 or isnan({quoted}) or isinf({quoted})"
        f" then {quoted} else round({quoted}, {digits}) end as {quoted}"
    )


def compare_marts(pipeline: Path, floor: Path, schema: str = "marts") -> dict[str, tuple[int, int]]:
    """Per table of `schema`: (its rows in the pipeline, rows that differ either way)."""
    result = {}
    with duckdb.connect() as connection:
        connection.execute(f"attach '{pipeline}' as pipeline (read_only)")
        connection.execute(f"attach '{floor}' as floor (read_only)")
        tables = connection.execute(
            "select table_name from information_schema.tables"
            " where table_catalog = 'pipeline' and table_schema = ? order by 1",
            [schema],
        ).fetchall()
        for (table,) in tables:
            columns = connection.execute(
                "select column_name, data_type from information_schema.columns"
                " where table_catalog = 'pipeline' and table_schema = ? and table_name = ?"
                " order by ordinal_position",
                [schema, table],
            ).fetchall()
            select = ", ".join(_rounded(name, data_type) for name, data_type in columns)
            ours = f'select {select} from pipeline."{schema}"."{table}"'
            theirs = f'select {select} from floor."{schema}"."{table}"'
            rows = connection.execute(f"select count(*) from ({ours})").fetchone()[0]
            differing = connection.execute(
                f"select (select count(*) from ({ours} except all {theirs}))"
                f" + (select count(*) from ({theirs} except all {ours}))"
            ).fetchone()[0]
            result[table] = (rows, differing)
    return result
