"""The Dagster definitions: loadable, and an asset graph without gaps from raw files to serving.

The graph is also compared with a stored snapshot (tests/snapshots/asset_graph.txt), so a
change to lineage shows up in review. Regenerate it with ALCAP_UPDATE_SNAPSHOTS=1; a missing
snapshot is a failure, not a fresh start.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading
import time
import types
from pathlib import Path

import dagster as dg
import pytest

from dagster_project.settings import PROJECT_ROOT

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_graph.txt"


@pytest.fixture(scope="module")
def graph():
    from dagster_project.definitions import defs

    dg.Definitions.validate_loadable(defs)
    return defs.get_repository_def().asset_graph


def test_every_asset_is_materialised_by_the_project(graph):
    """No dbt source dangles: each raw table is the output of an ingest asset."""
    external = [
        key.to_user_string()
        for key in graph.get_all_asset_keys()
        if not graph.get(key).is_materializable
    ]
    assert external == []


def test_dbt_sources_depend_on_the_assets_that_load_them(graph):
    staging = dg.AssetKey(["stg_raw__article_claims"])
    assert dg.AssetKey(["raw", "article_claims"]) in graph.get(staging).parent_keys
    assert (
        dg.AssetKey(["raw", "source_registry"])
        in graph.get(dg.AssetKey(["raw", "article_claims"])).parent_keys
    )


def test_publication_comes_after_every_mart(graph):
    ancestors = graph.upstream_key_iterator(dg.AssetKey(["serving", "snapshot"]))
    upstream = set(ancestors)
    for mart in [
        "fct_claims",
        "fct_cluster_output_value",
        "fct_market_share",
        "fct_value_added_ladder",
    ]:
        assert dg.AssetKey([mart]) in upstream


def test_dbt_tests_are_asset_checks(graph):
    """Each invariant is checked once, where it blocks publication: dbt build."""
    checks = {key.name for key in graph.asset_check_keys}
    assert any(name.startswith("unique_fct_claims") for name in checks)
    assert "assert_rows_read_equal_loaded_plus_rejected" in checks
    assert "rows_reconcile" not in checks


def test_articles_load_like_every_other_raw_file(graph):
    """One loader for every dataset: articles have their asset and the same check."""
    article_assets = {dg.AssetKey(["raw", "articles"]), dg.AssetKey(["raw", "claim_candidates"])}
    registry = dg.AssetKey(["raw", "source_registry"])
    for key in article_assets:
        assert graph.get(key).parent_keys == {registry}
    checks = {(key.asset_key, key.name) for key in graph.asset_check_keys}
    assert (dg.AssetKey(["raw", "articles"]), "every_file_loaded") in checks


def test_single_writer_executor():
    from dagster_project.definitions import defs

    job = defs.resolve_job_def("refresh")
    assert job.executor_def.name == "in_process"


def test_asset_graph_matches_snapshot(graph):
    lines = sorted(
        f"{key.to_user_string()} <- {', '.join(sorted(p.to_user_string() for p in graph.get(key).parent_keys))}"
        for key in graph.get_all_asset_keys()
    )
    text = "\n".join(lines) + "\n"
    if os.environ.get("ALCAP_UPDATE_SNAPSHOTS"):
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(text)
    assert SNAPSHOT.exists(), f"{SNAPSHOT} is missing: create it with ALCAP_UPDATE_SNAPSHOTS=1"
    assert text == SNAPSHOT.read_text(), (
        "asset graph changed: review, then ALCAP_UPDATE_SNAPSHOTS=1"
    )


def test_dagster_cli_loads_the_code_location(tmp_path):
    """What `dagster dev` loads: the module named in pyproject's [tool.dagster]."""
    dagster = Path(sys.executable).parent / "dagster"
    result = subprocess.run(
        [str(dagster), "definitions", "validate", "-m", "dagster_project.definitions"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "ALCAP_HOME": str(tmp_path), "DAGSTER_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


# The libraries first (polars sets an allocator variable of its own on import), then ours.
IMPORT_PROBE = """
import json, os, sys
import dagster, dagster_dbt, dagster_duckdb, duckdb, polars
before = dict(os.environ)
import dagster_project.definitions
print(json.dumps({"changed": sorted(k for k in set(before) | set(os.environ)
                                    if before.get(k) != os.environ.get(k))}))
"""


NOT_PROJECT = {
    ".venv", ".tools", ".git", "__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis",
}  # fmt: skip
# What other test workers write while this test runs: dbt's log, and the target folder of each
# dbt run (dagster-dbt's, one per refresh). A parse would still show in dbt/target's own files.
DBT_RUNS = (PROJECT_ROOT / "dbt" / "logs", PROJECT_ROOT / "dbt" / "target")


def project_files() -> list[Path]:
    return sorted(
        path
        for path in PROJECT_ROOT.rglob("*")
        if not NOT_PROJECT.intersection(path.parts) and not from_other_runs(path)
    )


def from_other_runs(path: Path) -> bool:
    """dbt's log, and each dbt run's folder in the target folder with what is in it (a parse
    writes files in the target folder itself)."""
    logs, target = DBT_RUNS
    return path.is_relative_to(logs) or (
        path.is_relative_to(target) and (len(path.relative_to(target).parts) > 1 or path.is_dir())
    )


def test_importing_the_definitions_has_no_side_effects(tmp_path):
    """No file created (not even ALCAP_HOME), no environment variable changed, no dbt parse."""
    home = tmp_path / "home"
    tracked = project_files()
    stamps = {path: path.stat().st_mtime_ns for path in tracked if path.is_file()}
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_PROBE],
        cwd=tmp_path,
        env={**os.environ, "ALCAP_HOME": str(home), "ALCAP_RAW_DIR": str(tmp_path / "raw")},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == '{"changed": []}'
    assert not home.exists()
    after = project_files()
    assert after == tracked
    assert {path: path.stat().st_mtime_ns for path in after if path.is_file()} == stamps


def test_the_definitions_load_without_importing_dbt_core(tmp_path):
    """dbt runs as a subprocess, so the process that loads the definitions (every refresh, the
    daemon, the web UI) leaves dbt-core out (dagster_dbt_light.py); it can import it after."""
    probe = (
        "import sys, dagster_project.definitions\n"
        "loaded = sorted(m for m in sys.modules if m == 'dbt' or m.startswith('dbt.'))\n"
        "from dbt.cli.main import dbtRunner\n"
        "print(loaded)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env={**os.environ, "ALCAP_HOME": str(tmp_path / "home")},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_the_dbt_resource_states_the_version_dbt_itself_reports():
    """The resource names dbt-core's version without running `dbt --version`; it must be the
    version of the dbt executable the refresh runs."""
    from dagster_project.dbt_project import dbt_resource
    from dagster_project.settings import DBT_EXECUTABLE

    printed = subprocess.run(
        [str(DBT_EXECUTABLE), "--version"], capture_output=True, text=True, check=True
    ).stdout
    stated = dbt_resource()._cli_version
    assert f"installed: {stated}" in printed, printed


def test_prepare_waits_for_a_parse_under_way_and_does_not_parse_again(tmp_path, monkeypatch):
    """Two processes preparing at once (two commands, or two test workers): the second waits
    for the first's lock, then finds the manifest fresh and does not parse into the same files."""
    from dagster_project import dbt_project as module

    manifest = tmp_path / "dbt" / "target" / "manifest.json"
    (tmp_path / "elsewhere").mkdir()
    parses = []
    project = types.SimpleNamespace(target_path=Path("target"), manifest_path=manifest)
    monkeypatch.setattr(module, "dbt_project", project)
    monkeypatch.chdir(tmp_path / "elsewhere")  # the lock is the project's, whatever the cwd
    monkeypatch.setattr(module, "manifest_is_stale", lambda: not manifest.exists())
    monkeypatch.setattr(module, "dbt_resource", lambda: parses.append("parse"))
    holding, events = threading.Event(), []

    def first_parse() -> None:  # its own open file: flock then excludes prepare(), in-process too
        manifest.parent.mkdir(parents=True)
        with open(manifest.with_name(".prepare.lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            holding.set()
            time.sleep(0.5)
            manifest.write_text("{}")
            events.append("first parse done")

    other = threading.Thread(target=first_parse)
    other.start()
    holding.wait(10)
    module.prepare()
    events.append("prepare returned")
    other.join()
    assert events == ["first parse done", "prepare returned"]
    assert parses == []
    assert not any((tmp_path / "elsewhere").iterdir())
