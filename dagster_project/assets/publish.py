"""Publication: runs only after every dbt model and test passed in the same run."""

import dagster as dg

from dagster_project.assets.dbt import alcap_dbt_models
from dagster_project.dbt_project import dbt_project
from dagster_project.inputs import record_published_inputs
from dagster_project.publish.parquet import export_parquet
from dagster_project.publish.snapshot import publish_snapshot
from dagster_project.resources import AlcapPaths


@dg.asset(
    key=["serving", "snapshot"],
    group_name="publish",
    deps=[alcap_dbt_models],
    description=(
        "Read-only DuckDB file (storage v1.2.0) that BI tools and `alcap query` read: marts,"
        " raw.rejected_rows, raw.file_loads and the build history in meta.builds."
    ),
    kinds={"duckdb"},
)
def serving_snapshot(paths: AlcapPaths) -> dg.MaterializeResult:
    settings = paths.settings
    build = publish_snapshot(
        settings.warehouse,
        settings.marts,
        settings.serving_snapshot,
        dbt_project.manifest_path,
        settings.duckdb_config,
    )
    # What the build was made of, so that a refresh with the same inputs can skip.
    record_published_inputs(settings, build.build_id)
    return dg.MaterializeResult(
        metadata={
            "build_id": build.build_id,
            "path": dg.MetadataValue.path(str(settings.serving_snapshot)),
            "git_commit": build.git_commit or "",
            "rows_by_table": dg.MetadataValue.json(build.table_rows),
            "file": (
                "copied from the marts file"
                if build.file_written is None
                else f"{build.file_written / 1e6:,.1f} MB of the previous snapshot's file"
                " rewritten from the marts file"
            ),
        }
    )


PARQUET = dg.AssetSpec(
    key=["serving", "parquet"],
    group_name="publish",
    deps=[serving_snapshot],
    description=(
        "A folder of Parquet parts per mart of the snapshot, with a manifest, swapped as a set;"
        " parts whose rows did not change keep their files."
    ),
    kinds={"parquet"},
)


def materialize_parquet(paths: AlcapPaths) -> dg.MaterializeResult:
    settings = paths.settings
    manifest = export_parquet(
        settings.serving_snapshot, settings.serving_parquet, settings.duckdb_config
    )
    return dg.MaterializeResult(
        asset_key=PARQUET.key,
        metadata={
            "build_id": manifest["build_id"],
            "path": dg.MetadataValue.path(str(settings.serving_parquet)),
            "rows_by_mart": dg.MetadataValue.json(
                {name: mart["rows"] for name, mart in manifest["marts"].items()}
            ),
        },
    )
