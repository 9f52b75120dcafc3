"""The HTML report, rewritten from the serving snapshot after every publication."""

import dagster as dg

from dagster_project.assets.publish import serving_snapshot
from dagster_project.publish.report import default_report_path, write_report
from dagster_project.resources import AlcapPaths

REPORT = dg.AssetSpec(
    key=["serving", "report"],
    group_name="publish",
    deps=[serving_snapshot],
    description="One self-contained HTML page of charts drawn from the serving snapshot.",
    kinds={"html"},
)


def materialize_report(paths: AlcapPaths) -> dg.MaterializeResult:
    settings = paths.settings
    path = write_report(
        settings.serving_snapshot,
        default_report_path(settings.serving_dir),
        settings.duckdb_config,
    )
    return dg.MaterializeResult(
        asset_key=REPORT.key,
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            "size_bytes": dg.MetadataValue.int(path.stat().st_size),
        },
    )
