"""When the refresh runs on its own: daily at 06:00 in Binzhou, and when a raw file changes.

The sensor compares every raw file's SHA-256 with the hashes kept in its cursor, so a file
touched or copied over with the same bytes requests nothing, and a changed, added or removed
file requests one refresh (its run key is the new set of hashes, so it is requested once) of
what depends on the changed files, as `alcap refresh` would plan it (refresh_plan.py).
"""

from __future__ import annotations

import hashlib
import json

import dagster as dg

from dagster_project.dbt_project import dbt_project
from dagster_project.inputs import raw_file_hashes
from dagster_project.refresh_plan import (
    changed_files,
    last_refresh_succeeded,
    plan_refresh,
    selected_keys,
)
from dagster_project.resources import AlcapPaths


def build_schedule(job) -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name="daily_refresh",
        job=job,
        cron_schedule="0 6 * * *",
        execution_timezone="Asia/Shanghai",
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="The full refresh every morning at 06:00 Binzhou time.",
    )


def build_raw_files_sensor(job) -> dg.SensorDefinition:
    @dg.sensor(
        name="raw_files_changed",
        job=job,
        minimum_interval_seconds=30,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Requests a refresh when the bytes of any file under raw/ change.",
    )
    def raw_files_changed(context: dg.SensorEvaluationContext, paths: AlcapPaths):
        current = raw_file_hashes(paths.settings.raw_dir, paths.settings.raw_file_hashes)
        cursor = json.dumps(current, sort_keys=True)
        if context.cursor is None:
            # First look: remember the files; the daily schedule covers what was there.
            context.update_cursor(cursor)
            return dg.SkipReason(f"recorded {len(current)} raw files; watching for changes")
        changed = changed_files(json.loads(context.cursor), current)
        context.update_cursor(cursor)
        if not changed:
            return dg.SkipReason("no raw file changed its content")
        shown = ", ".join(changed[:5]) + (
            f" and {len(changed) - 5} more" if len(changed) > 5 else ""
        )
        plan = plan_refresh(
            paths.settings,
            lambda: dbt_project.manifest_path,
            lambda: last_refresh_succeeded(context.instance),
        )
        if plan.unchanged_build:
            return dg.SkipReason(f"raw files are back to those of build {plan.unchanged_build}")
        graph = context.repository_def.asset_graph if context.repository_def else None
        keys = selected_keys(graph, plan) if graph is not None else None
        return dg.RunRequest(
            run_key=hashlib.sha256(cursor.encode()).hexdigest(),
            asset_selection=keys,
            tags={
                "alcap/changed_files": shown,
                "alcap/rebuilds": "everything: " + plan.reason if keys is None else "downstream",
                **plan.run_tags(),
            },
        )

    return raw_files_changed
