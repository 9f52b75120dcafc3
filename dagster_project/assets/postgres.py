"""Postgres publication for BI tools: runs after the serving snapshot, when a URL is configured."""

import dagster as dg

from dagster_project.assets.publish import serving_snapshot
from dagster_project.publish.postgres import publish_postgres
from dagster_project.resources import AlcapPaths, PostgresTarget

POSTGRES = dg.AssetSpec(
    key=["serving", "postgres"],
    group_name="publish",
    deps=[serving_snapshot],
    description=(
        "The marts, dimensions and build table copied into a PostgreSQL schema for BI tools,"
        " swapped in atomically. Skipped when ALCAP_POSTGRES_URL(_FILE) is not set."
    ),
    kinds={"postgres"},
)
SKIPPED = "skipped: no Postgres configured"


def materialize_postgres(paths: AlcapPaths, postgres: PostgresTarget) -> dg.MaterializeResult:
    url = postgres.url()
    if not url:
        return dg.MaterializeResult(asset_key=POSTGRES.key, metadata={"status": SKIPPED})
    publication = publish_postgres(
        paths.settings.serving_snapshot,
        url,
        schema=postgres.schema_name,
        reader_role=postgres.reader_role,
    )
    return dg.MaterializeResult(
        asset_key=POSTGRES.key,
        metadata={
            "status": "published",
            "schema": publication.schema,
            "build_id": publication.build_id or "(unknown: the snapshot has no meta.builds)",
            "row_counts": dg.MetadataValue.json(publication.row_counts),
            "seconds": round(publication.seconds, 3),
        },
    )
