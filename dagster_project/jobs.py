"""Run a job of the Dagster definitions in this process: what `alcap refresh`, `alcap ingest`
and `alcap publish` do, with run history under ALCAP_HOME, one writer at a time."""

from __future__ import annotations

import contextlib
import os
import sys
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

import dagster as dg

from dagster_project import heap
from dagster_project.settings import Settings

if TYPE_CHECKING:
    from dagster_project.refresh_plan import RefreshPlan

DAGSTER_YAML = """\
# Written by alcap (dagster_project/jobs.py); rewritten when alcap changes it.
# Nothing is reported to anyone, and run history stays here, in this folder.
telemetry:
  enabled: false
# Dagster's SQLite files and folders, as `storage: sqlite` lays them out under storage/; the
# event log keeps a connection per file (dagster_project/run_history.py).
run_storage:
  module: dagster._core.storage.runs
  class: SqliteRunStorage
  config:
    base_dir: {home}/storage/history/
event_log_storage:
  module: dagster_project.run_history
  class: KeptSqliteEventLogStorage
  config:
    base_dir: {home}/storage/history/runs/
schedule_storage:
  module: dagster._core.storage.schedules
  class: SqliteScheduleStorage
  config:
    base_dir: {home}/storage/schedules
# Runs the daemon starts (schedule, sensor) wait in a queue and run one at a time: one writer.
run_coordinator:
  module: dagster._core.run_coordinator
  class: QueuedRunCoordinator
  config:
    max_concurrent_runs: 1
"""


@dataclass
class JobOutcome:
    result: dg.ExecuteInProcessResult
    log_path: os.PathLike
    seconds: float


def write_dagster_yaml(settings: Settings) -> None:
    """The instance config under ALCAP_HOME, so Dagster writes nothing anywhere else."""
    settings.dagster_home.mkdir(parents=True, exist_ok=True)
    config = settings.dagster_home / "dagster.yaml"
    text = DAGSTER_YAML.format(home=settings.dagster_home)
    if not config.exists() or config.read_text(encoding="utf-8") != text:
        config.write_text(text, encoding="utf-8")


def load_definitions(settings: Settings) -> dg.Definitions:
    """Prepare dbt's manifest (the definitions read it), then import the definitions."""
    from dagster_project.dbt_project import prepare

    # dbt (a child process) derives the warehouse from ALCAP_HOME, as settings.py does.
    os.environ["ALCAP_HOME"] = str(settings.home)
    prepare()
    from dagster_project.definitions import defs

    return defs


def open_instance(settings: Settings) -> dg.DagsterInstance:
    write_dagster_yaml(settings)
    return dg.DagsterInstance.from_config(str(settings.dagster_home))


def last_refresh_succeeded(settings: Settings) -> bool:
    from dagster_project.refresh_plan import last_refresh_succeeded as succeeded

    with open_instance(settings) as instance:
        return succeeded(instance)


def run_job(
    settings: Settings, name: str, verbose: bool = False, plan: RefreshPlan | None = None
) -> JobOutcome:
    """Run job `name` with one line per phase on stdout and everything in a log file; print
    each failed step and failed check. With a plan, run only what it selects (and say so).
    The caller holds the refresh lock."""
    from dagster_project.progress import RefreshOutput
    from dagster_project.refresh_plan import describe, selected_keys

    started = time.monotonic()
    with heap.loading():
        defs = load_definitions(settings)
    job = defs.resolve_job_def(name)
    graph = defs.resolve_asset_graph()
    keys = selected_keys(graph, plan) if plan else None
    if plan and plan.changed:
        total = len(graph.get_all_asset_keys())
        print(describe(plan, len(keys or ()), total))
    if keys is not None:
        job = job.get_subset(asset_selection=set(keys))
    run_id = str(uuid.uuid4())
    log_path = settings.home / "logs" / f"{name}-{run_id}.log"
    output = RefreshOutput([node.name for node in job.graph.nodes], log_path, verbose, sys.stdout)
    level = "DEBUG" if verbose else "CRITICAL"  # --verbose: everything the log file gets
    with open_instance(settings) as instance:
        instance.add_event_listener(run_id, output.on_event)
        try:
            with contextlib.redirect_stdout(output):
                result = job.execute_in_process(
                    instance=instance,
                    run_id=run_id,
                    raise_on_error=False,
                    run_config={"loggers": {"console": {"config": {"log_level": level}}}},
                    tags=plan.run_tags() if plan else None,
                )
        finally:
            output.close()
    for event in result.all_events:
        if event.is_step_failure:
            print(f"FAILED {event.step_key}: {event.event_specific_data.error.message.strip()}")
    for event in result.get_asset_check_evaluations():
        if not event.passed:
            # A WARN check (a stale source, a file that failed and kept its rows) does not block.
            blocking = event.severity == dg.AssetCheckSeverity.ERROR
            reason = f": {event.description}" if event.description else ""
            print(
                f"{'FAILED' if blocking else 'warning'} check"
                f" {event.asset_key.to_user_string()}:{event.check_name}{reason}"
            )
    return JobOutcome(result, log_path, time.monotonic() - started)
