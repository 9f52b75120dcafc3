"""Run a job of the Dagster definitions in this process: what `alcap refresh`, `alcap ingest`
and `alcap publish` do, with run history under ALCAP_HOME."""

from __future__ import annotations

import os

import dagster as dg

from dagster_project.settings import Settings

DAGSTER_YAML = """\
# Written by alcap: run history stays here, and nothing is reported to anyone.
telemetry:
  enabled: false
"""


def run_job(settings: Settings, name: str, log_level: str = "INFO") -> dg.ExecuteInProcessResult:
    """Prepare dbt's manifest, then run job `name`; print each failed step and failed check."""
    from dagster_project.dbt_project import prepare

    # dbt (a child process) derives the warehouse from ALCAP_HOME, as settings.py does.
    os.environ["ALCAP_HOME"] = str(settings.home)
    prepare()  # the definitions read dbt's manifest
    from dagster_project.definitions import defs

    settings.dagster_home.mkdir(parents=True, exist_ok=True)
    config = settings.dagster_home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML, encoding="utf-8")
    job = defs.resolve_job_def(name)
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
        )
    for event in result.all_events:
        if event.is_step_failure:
            print(f"FAILED {event.step_key}: {event.event_specific_data.error.message.strip()}")
    for event in result.get_asset_check_evaluations():
        if not event.passed:
            print(
                f"check {event.asset_key.to_user_string()}:{event.check_name}: {event.description}"
            )
    return result
