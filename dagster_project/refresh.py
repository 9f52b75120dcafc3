"""`alcap refresh`: skip when nothing changed, else run the refresh job under the lock, then
say what was published, where, and what to try next."""

from __future__ import annotations

import re
import sys
import time

import duckdb

from dagster_project import heap
from dagster_project.dbt_warm import warm_dbt
from dagster_project.inputs import keep_raw_file_hashes
from dagster_project.refresh_lock import RefreshLocked, refresh_lock
from dagster_project.refresh_plan import RefreshPlan, plan_refresh
from dagster_project.refresh_plan import full as full_plan
from dagster_project.settings import REFRESH_JOB, Settings

NEXT_COMMAND = 'alcap query "select * from marts.fct_cluster_output_value"'
WAREHOUSE_WAIT_SECONDS = 900


def wait_for_warehouse(settings: Settings) -> None:
    """A dbt left running by a refresh killed with SIGKILL keeps the warehouse open until it
    finishes its build; wait for it rather than fail (we hold the refresh lock, so no live
    refresh is the holder)."""
    deadline = time.monotonic() + WAREHOUSE_WAIT_SECONDS
    told = False
    while settings.warehouse.exists():
        try:
            duckdb.connect(str(settings.warehouse)).close()
            return
        except duckdb.IOException as error:
            if "lock" not in str(error).lower() or time.monotonic() > deadline:
                raise
            if not told:
                pid = re.search(r"PID (\d+)", str(error))
                holder = f"pid {pid[1]}" if pid else "another process"
                print(
                    f"waiting for {holder}, left by an interrupted refresh, to close the warehouse"
                )
                told = True
            time.sleep(1)


def print_summary(settings: Settings, seconds: float, log_path) -> None:
    with duckdb.connect(str(settings.serving_snapshot), read_only=True) as snapshot:
        build_id = snapshot.execute(
            "select build_id from meta.builds order by finished_at desc limit 1"
        ).fetchone()[0]
        tables = dict(
            snapshot.execute(
                "select table_schema || '.' || table_name, row_count from meta.build_tables"
                " where build_id = ? order by all",
                [build_id],
            ).fetchall()
        )
    marts = {
        name.split(".", 1)[1]: rows for name, rows in tables.items() if name.startswith("marts.")
    }
    width = max(map(len, marts), default=0)
    print(f"build    {build_id}, published in {seconds:.1f} s")
    for name, rows in marts.items():
        print(f"  {name:<{width}} {rows:>7,} rows")
    print(f"rejected {tables.get('raw.rejected_rows', 0):,} rows (alcap rejected)")
    print(f"snapshot {settings.serving_snapshot}")
    print(f"log      {log_path}")
    print(f"next     {NEXT_COMMAND}")


def plan_of(settings: Settings) -> RefreshPlan:
    """What this refresh rebuilds. Dagster and dbt are imported only when something changed."""

    def manifest_path():
        from dagster_project.dbt_project import dbt_project, prepare

        prepare()
        return dbt_project.manifest_path

    def last_run_succeeded() -> bool:
        from dagster_project.jobs import last_refresh_succeeded

        return last_refresh_succeeded(settings)

    return plan_refresh(settings, manifest_path, last_run_succeeded)


def refresh(settings: Settings, full: bool = False, verbose: bool = False) -> int:
    from dagster_project.jobs import run_job

    started = time.monotonic()
    try:
        with refresh_lock(settings.home):
            with heap.loading():
                plan = full_plan("--full") if full else plan_of(settings)
            if plan.unchanged_build:
                print(
                    f"unchanged: raw files and project are those of build"
                    f" {plan.unchanged_build}; nothing to do (alcap refresh --full rebuilds anyway)"
                )
                return 0
            with warm_dbt():  # dbt-core imports while the run starts and the raw files load
                wait_for_warehouse(settings)
                outcome = run_job(settings, REFRESH_JOB, verbose, plan)
            keep_raw_file_hashes(settings)
    except RefreshLocked as error:
        print(f"alcap refresh: {error}", file=sys.stderr)
        return 75  # EX_TEMPFAIL: try again later
    result = outcome.result
    published = {
        event.asset_key.to_user_string()
        for event in result.get_asset_materialization_events()
        if event.asset_key
    }
    if "serving/snapshot" not in published:
        print(f"refresh FAILED (the serving snapshot was not replaced); log {outcome.log_path}")
        return 1
    print_summary(settings, time.monotonic() - started, outcome.log_path)
    if not result.success:
        print(f"refresh FAILED after publishing the snapshot (see above); log {outcome.log_path}")
        return 1
    return 0
