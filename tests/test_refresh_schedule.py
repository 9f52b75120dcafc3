"""The refresh runs on its own: the daily schedule is on by default, and the raw/ sensor asks
for a refresh when a file's bytes change, not when a file is only touched. Real sensor
evaluations (build_sensor_context) over a real raw/ folder."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import dagster as dg
import pytest
import yaml

from dagster_project.resources import AlcapPaths
from dagster_project.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def defs():
    from dagster_project.definitions import defs

    return defs


def evaluate(sensor, raw: Path, home: Path, cursor: str | None):
    context = dg.build_sensor_context(
        cursor=cursor, resources={"paths": AlcapPaths(raw_dir=str(raw), home=str(home))}
    )
    return sensor.evaluate_tick(context)


def test_the_sensor_follows_content_not_modification_times(defs, tmp_path):
    raw = shutil.copytree(PROJECT_ROOT / "raw", tmp_path / "raw")
    sensor = defs.resolve_sensor_def("raw_files_changed")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert sensor.job_name == "refresh"

    first = evaluate(sensor, raw, tmp_path, None)
    assert first.run_requests == [], "the first look only records the hashes"
    assert first.cursor

    claims = next((raw / "claims").glob("*.csv"))
    later = time.time() + 3600
    os.utime(claims, (later, later))
    claims.write_bytes(claims.read_bytes())  # rewritten with the same bytes
    touched = evaluate(sensor, raw, tmp_path, first.cursor)
    assert touched.run_requests == []
    assert touched.skip_message == "no raw file changed its content"

    with claims.open("a", encoding="utf-8") as handle:
        handle.write("\n")
    changed = evaluate(sensor, raw, tmp_path, touched.cursor)
    assert len(changed.run_requests) == 1
    assert claims.name in changed.run_requests[0].tags["alcap/changed_files"]

    again = evaluate(sensor, raw, tmp_path, changed.cursor)
    assert again.run_requests == [], "one change, one request"

    (raw / "claims" / "new_source.csv").write_text("claim_id\n", encoding="utf-8")
    (raw / "claims" / ".editor-swap").write_text("not data", encoding="utf-8")
    added = evaluate(sensor, raw, tmp_path, again.cursor)
    assert len(added.run_requests) == 1
    assert added.run_requests[0].tags["alcap/changed_files"] == "claims/new_source.csv"


def test_the_daily_schedule_is_on_by_default_at_six_in_binzhou(defs):
    schedule = defs.resolve_schedule_def("daily_refresh")
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert schedule.cron_schedule == "0 6 * * *"
    assert schedule.execution_timezone == "Asia/Shanghai"
    assert schedule.job_name == "refresh"


def test_the_instance_keeps_history_under_alcap_home_one_run_at_a_time(tmp_path):
    from dagster_project.jobs import write_dagster_yaml
    from dagster_project.settings import Settings

    settings = Settings(raw_dir=tmp_path / "raw", home=tmp_path / "home")
    write_dagster_yaml(settings)
    config = yaml.safe_load((settings.dagster_home / "dagster.yaml").read_text(encoding="utf-8"))
    assert config["telemetry"] == {"enabled": False}
    assert config["storage"]["sqlite"]["base_dir"].startswith(str(settings.home))
    assert config["run_coordinator"]["config"] == {"max_concurrent_runs": 1}
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        assert Path(instance.root_directory) == settings.dagster_home
