"""`alcap publish TARGET`: run one publication asset on demand, through Dagster."""

from __future__ import annotations

import sys

from dagster_project.settings import Settings


def run_publish(settings: Settings, target: str) -> int:
    if target != "postgres":
        print(f"alcap publish: unknown target {target!r}", file=sys.stderr)
        return 2
    if not settings.postgres_url:
        print(
            "alcap publish postgres: no Postgres configured; set ALCAP_POSTGRES_URL or"
            " ALCAP_POSTGRES_URL_FILE (see the README, 'Connecting a BI tool')",
            file=sys.stderr,
        )
        return 2
    if not settings.serving_snapshot.exists():
        print(
            f"alcap publish postgres: {settings.serving_snapshot} does not exist yet;"
            " run `alcap refresh` first",
            file=sys.stderr,
        )
        return 2
    from dagster_project.jobs import run_job

    # Through Dagster, so that the publication is in the run history like a refresh's.
    result = run_job(settings, "publish_postgres").result
    if not result.success:
        print(
            f"publish postgres FAILED (the published schema was not replaced): run {result.run_id}"
        )
        return 1
    (event,) = result.get_asset_materialization_events()
    metadata = event.materialization.metadata
    rows = metadata["row_counts"].value
    print(
        f"published {len(rows)} tables ({sum(rows.values())} rows) to schema"
        f" {metadata['schema'].value} in {metadata['seconds'].value} s,"
        f" build {metadata['build_id'].value}: run {result.run_id}"
    )
    return 0
