"""The dbt project's unit tests (the models' SQL on fixed rows), which the refresh leaves out
(assets/dbt.py): run here by real dbt, all of them, against a copy of the session's warehouse."""

from __future__ import annotations

import json
import re
import shutil

from conftest import run_dbt

from dagster_project.dbt_project import dbt_project


def test_every_unit_test_passes(refreshed, tmp_path):
    warehouse = shutil.copy(refreshed / "warehouse.duckdb", tmp_path / "warehouse.duckdb")
    marts = shutil.copy(refreshed / "alcap_marts.duckdb", tmp_path / "alcap_marts.duckdb")
    result = run_dbt(
        warehouse, tmp_path, "test", "--select", "test_type:unit", ALCAP_MARTS=str(marts)
    )
    assert result.returncode == 0, result.stdout[-3000:]
    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    defined = set(manifest["unit_tests"])
    run_results = json.loads((tmp_path / "target" / "run_results.json").read_text())
    passed = {r["unique_id"] for r in run_results["results"] if r["status"] == "pass"}
    assert len(defined) >= 7 and passed == defined


def test_the_refresh_leaves_unit_tests_out(refreshed):
    """The session's refresh ran dbt build with data tests and no unit test."""
    (log,) = (refreshed / "logs").glob("refresh-*.log")
    text = log.read_text(encoding="utf-8")
    assert re.search(r"^\d+ of \d+ START test ", text, re.MULTILINE)
    assert not re.search(r"^\d+ of \d+ START unit_test ", text, re.MULTILINE)
