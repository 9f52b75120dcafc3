"""The refresh runs on its own: the daily schedule is on by default, and the raw/ sensor asks
for a refresh when a file's bytes change, not when a file is only touched. Real sensor
evaluations (build_sensor_context) over a real raw/ folder."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
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


def test_the_sensor_requests_only_what_depends_on_the_changed_file(defs, refreshed, tmp_path):
    """After a published build, a changed claims file requests its dataset and what depends on
    it; a changed registry requests everything; files put back request nothing."""
    home = shutil.copytree(refreshed, tmp_path / "home", symlinks=True)
    raw = shutil.copytree(PROJECT_ROOT / "raw", tmp_path / "raw")
    claims = raw / "claims" / "stdaily_2019_aluminium_city.csv"
    original = claims.read_bytes()
    sensor = defs.resolve_sensor_def("raw_files_changed")
    with dg.DagsterInstance.from_config(str(home / "dagster_home")) as instance:

        def tick(cursor):
            context = dg.build_sensor_context(
                cursor=cursor,
                instance=instance,
                definitions=defs,
                resources={"paths": AlcapPaths(raw_dir=str(raw), home=str(home))},
            )
            return sensor.evaluate_tick(context)

        first = tick(None)
        claims.write_bytes(original.replace(b'"80,000"', b'"90,000"'))
        changed = tick(first.cursor)
        (request,) = changed.run_requests
        selected = {key.to_user_string() for key in request.asset_selection}
        assert {"raw/article_claims", "fct_value_added_ladder", "serving/snapshot"} <= selected
        assert not selected & {"raw/price_series", "raw/articles", "int_exchange_rates_annualised"}
        assert request.tags["alcap/rebuilds"] == "downstream"
        # Only a claims file changed: the claims models may update that file's claims alone.
        assert request.tags["alcap/claims_incremental"] == "true"

        prices = raw / "statistics" / "fred_PALUMUSDM.csv"
        prices_original = prices.read_bytes()
        prices.write_bytes(prices_original + b"\n")
        with_prices = tick(changed.cursor)
        (request,) = with_prices.run_requests
        assert "raw/price_series" in {key.to_user_string() for key in request.asset_selection}
        # Anything but claims files changed: the claims models rebuild in full (a rate, for one,
        # converts claims of every file).
        assert "alcap/claims_incremental" not in request.tags
        prices.write_bytes(prices_original)

        registry = raw / "sources.yml"
        # A source's trust reaches all its claims (a source only added would not rebuild all).
        text = registry.read_text(encoding="utf-8")
        registry.write_text(text.replace("trust: B+", "trust: B", 1), encoding="utf-8")
        everything = tick(changed.cursor)
        (request,) = everything.run_requests
        assert request.asset_selection is None
        assert request.tags["alcap/rebuilds"].startswith(
            "everything: raw/sources.yml changed source "
        )
        assert "alcap/claims_incremental" not in request.tags

        registry.write_bytes((PROJECT_ROOT / "raw" / "sources.yml").read_bytes())
        claims.write_bytes(original)
        back = tick(everything.cursor)
        assert back.run_requests == []
        assert back.skip_message.startswith("raw files are back to those of build ")


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
    for storage in ("run_storage", "event_log_storage", "schedule_storage"):
        assert config[storage]["config"]["base_dir"].startswith(str(settings.dagster_home))
    assert config["run_coordinator"]["config"] == {"max_concurrent_runs": 1}
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        assert type(instance.event_log_storage).__name__ == "KeptSqliteEventLogStorage"
        assert Path(instance.root_directory) == settings.dagster_home


SCHEDULES_QUERY = """
{ repositoriesOrError { ... on RepositoryConnection { nodes {
    schedules { name scheduleState { status } }
    sensors { name sensorState { status } }
} } } }
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_alcap_serve_runs_the_daemon_and_ui_with_the_schedule_on(tmp_path):
    """`alcap serve` on 127.0.0.1: the UI answers, the schedule and sensor are running, and
    nothing is written to the user's home directory."""
    user_home = tmp_path / "user"
    user_home.mkdir()
    alcap_home = tmp_path / "alcap"
    port = free_port()
    inherited = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "ALCAP_HOME")}
    # A file, not a pipe: nobody reads a pipe while the server runs, and a full one stalls it.
    log_path = tmp_path / "serve.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "dagster_project.cli", "serve", "--port", str(port)],
            env={**inherited, "HOME": str(user_home), "ALCAP_HOME": str(alcap_home)},
            cwd=PROJECT_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output() -> str:
        return log_path.read_text(errors="replace")[-4000:]

    try:
        # The UI answers before it has loaded the code location (its repositories are empty
        # until then; on a busy machine, seconds later): wait for the repository itself.
        answer, repositories = None, []
        deadline = time.monotonic() + 240
        while not repositories and time.monotonic() < deadline and server.poll() is None:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/graphql",
                data=json.dumps({"query": SCHEDULES_QUERY}).encode(),
                headers={"Content-Type": "application/json"},
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    answer = json.load(response)
                repositories = answer["data"]["repositoriesOrError"].get("nodes", [])
            except OSError:
                pass
            if not repositories:
                time.sleep(1)
        assert answer is not None, f"the UI did not answer (exit {server.poll()}):\n{output()}"
        assert repositories, f"the UI never listed the code location: {answer}\n{output()}"
        (repository,) = repositories
        assert {s["name"]: s["scheduleState"]["status"] for s in repository["schedules"]} == {
            "daily_refresh": "RUNNING"
        }
        assert {s["name"]: s["sensorState"]["status"] for s in repository["sensors"]} == {
            "raw_files_changed": "RUNNING"
        }
        assert server.poll() is None, f"the daemon and the UI keep running:\n{output()}"
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    assert server.returncode == 0, output()
    assert list(user_home.iterdir()) == []
    assert (alcap_home / "dagster_home" / "dagster.yaml").exists()
    assert "telemetry" not in log_path.read_text(errors="replace").lower()
