"""Publication: runs only after every dbt model and test passed in the same run."""

import dagster as dg

from dagster_project.assets.dbt import alcap_dbt_models
from dagster_project.publish.snapshot import publish_snapshot
from dagster_project.resources import AlcapPaths


@dg.asset(
    key=["serving", "snapshot"],
    group_name="publish",
    deps=[alcap_dbt_models],
    description="Read-only copy of the warehouse that BI tools and `alcap query` read.",
    kinds={"duckdb"},
)
def serving_snapshot(paths: AlcapPaths) -> dg.MaterializeResult:
    settings = paths.settings
    counts = publish_snapshot(settings.warehouse, settings.serving_snapshot)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(settings.serving_snapshot)),
            "tables_by_schema": dg.MetadataValue.json(counts),
        }
    )
