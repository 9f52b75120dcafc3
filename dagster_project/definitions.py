"""The one Definitions object."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from dagster_project.assets.dbt import alcap_dbt_models, dbt_resource
from dagster_project.assets.publish import serving_snapshot
from dagster_project.assets.raw import (
    article_candidates,
    dataset_assets,
    load_audit,
    source_registry,
)
from dagster_project.assets.report import serving_report
from dagster_project.settings import load_settings

settings = load_settings()

refresh_job = dg.define_asset_job(
    "refresh",
    selection=dg.AssetSelection.all(),
    description="Full refresh: raw files → DuckDB → dbt build → serving snapshot.",
)

defs = dg.Definitions(
    assets=[
        source_registry,
        *dataset_assets,
        load_audit,
        article_candidates,
        alcap_dbt_models,
        serving_snapshot,
        serving_report,
    ],
    jobs=[refresh_job],
    schedules=[
        dg.ScheduleDefinition(job=refresh_job, cron_schedule="0 6 * * *", name="daily_refresh")
    ],
    resources={
        "duckdb": DuckDBResource(database=str(settings.warehouse)),
        "dbt": dbt_resource,
    },
    # One writer: DuckDB allows a single read-write process per file.
    executor=dg.in_process_executor,
)
