"""The one Definitions object. Importing it creates no file and changes no environment."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from dagster_project.assets.dbt import alcap_dbt_models
from dagster_project.assets.outputs import serving_outputs
from dagster_project.assets.postgres import POSTGRES
from dagster_project.assets.publish import serving_snapshot
from dagster_project.assets.raw import RAW_GROUP, dataset_assets, load_audit, source_registry
from dagster_project.dbt_project import dbt_resource
from dagster_project.resources import AlcapPaths, PostgresTarget, RefreshLockResource
from dagster_project.sensors import build_raw_files_sensor, build_schedule
from dagster_project.settings import REFRESH_JOB, load_settings

settings = load_settings()

refresh_job = dg.define_asset_job(
    REFRESH_JOB,
    selection=dg.AssetSelection.all(),
    description="Full refresh: raw files → DuckDB → dbt build → serving snapshot → Parquet.",
)
ingest_job = dg.define_asset_job(
    "ingest",
    # dbt's source tests are checks on the raw assets but run inside dbt: leave them to refresh.
    selection=dg.AssetSelection.groups(RAW_GROUP)
    - dg.AssetSelection.checks(*alcap_dbt_models.check_keys),
    description="Load the raw files only (no dbt, no publication).",
)
publish_postgres_job = dg.define_asset_job(
    "publish_postgres",
    selection=dg.AssetSelection.assets(POSTGRES.key),
    description="Copy the published snapshot to PostgreSQL now (`alcap publish postgres`).",
)

defs = dg.Definitions(
    assets=[
        source_registry,
        *dataset_assets,
        load_audit,
        alcap_dbt_models,
        serving_snapshot,
        serving_outputs,
    ],
    jobs=[refresh_job, ingest_job, publish_postgres_job],
    schedules=[build_schedule(refresh_job)],
    sensors=[build_raw_files_sensor(refresh_job)],
    resources={
        "duckdb": DuckDBResource(
            database=str(settings.warehouse), connection_config=settings.duckdb_config
        ),
        "paths": AlcapPaths.from_settings(settings),
        "postgres": PostgresTarget.from_settings(settings),
        "dbt": dbt_resource(),
        "refresh_lock": RefreshLockResource.from_settings(settings),
    },
    # One writer: DuckDB allows a single read-write process per file.
    executor=dg.in_process_executor,
)
