"""One asset per raw table: the registry first, then each dataset it describes."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from dagster_project.extract.load import load_articles
from dagster_project.ingest.loader import (
    REGISTRY_DATASET,
    DatasetLoad,
    load_dataset,
    load_source_registry,
)
from dagster_project.ingest.registry import DATASETS
from dagster_project.settings import load_settings

RAW_GROUP = "raw"


def _metadata(result: DatasetLoad) -> dict:
    table = "| file | status | read | loaded | rejected |\n|---|---|---|---|---|\n" + "\n".join(
        f"| {f.file} | {f.status} | {f.rows_read} | {f.rows_loaded} | {f.rows_rejected} |"
        for f in result.files
    )
    return {
        "rows_loaded": dg.MetadataValue.int(result.rows_loaded),
        "rows_rejected": dg.MetadataValue.int(result.rows_rejected),
        "failed_files": dg.MetadataValue.int(len(result.failed_files)),
        "files": dg.MetadataValue.md(table),
    }


def _check_result(result: DatasetLoad) -> dg.AssetCheckResult:
    failed = result.failed_files
    return dg.AssetCheckResult(
        check_name="every_file_loaded",
        passed=not failed,
        severity=dg.AssetCheckSeverity.WARN,
        description="; ".join(f.error or f.file for f in failed) or "all files loaded",
    )


@dg.asset(
    key=["raw", REGISTRY_DATASET],
    group_name=RAW_GROUP,
    description="raw/sources.yml: every source, and every file on disk that no source lists.",
    check_specs=[dg.AssetCheckSpec("every_file_loaded", asset=["raw", REGISTRY_DATASET])],
    kinds={"duckdb", "python"},
)
def source_registry(duckdb: DuckDBResource):
    with duckdb.get_connection() as connection:
        result = load_source_registry(connection, load_settings().raw_dir)
    yield dg.MaterializeResult(metadata=_metadata(result))
    yield _check_result(result)


def _dataset_asset(dataset: str) -> dg.AssetsDefinition:
    key = ["raw", dataset]

    @dg.asset(
        key=key,
        group_name=RAW_GROUP,
        deps=[source_registry],
        description=f"raw.{dataset}: the files the registry lists for {dataset}, validated.",
        check_specs=[dg.AssetCheckSpec("every_file_loaded", asset=key)],
        kinds={"duckdb", "polars"},
    )
    def _asset(duckdb: DuckDBResource):
        with duckdb.get_connection() as connection:
            result = load_dataset(connection, dataset, load_settings().raw_dir)
        yield dg.MaterializeResult(metadata=_metadata(result))
        yield _check_result(result)

    return _asset


dataset_assets = [_dataset_asset(dataset) for dataset in DATASETS]


AUDIT_TABLES = ["file_loads", "rejected_rows"]


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["raw", table],
            group_name=RAW_GROUP,
            deps=[source_registry, *dataset_assets],
            description=f"raw.{table}, complete once every dataset has loaded.",
            kinds={"duckdb"},
        )
        for table in AUDIT_TABLES
    ],
    check_specs=[dg.AssetCheckSpec("rows_reconcile", asset=["raw", "file_loads"])],
)
def load_audit(duckdb: DuckDBResource):
    """Every raw row is loaded or rejected: rows read = rows loaded + rows rejected, per file."""
    with duckdb.get_connection() as connection:
        mismatched = connection.execute(
            "select file from raw.file_loads where rows_read <> rows_loaded + rows_rejected"
        ).fetchall()
        totals = connection.execute(
            "select count(*), sum(rows_read), sum(rows_loaded), sum(rows_rejected),"
            " count(*) filter (where status in ('failed', 'unlisted')) from raw.file_loads"
        ).fetchone()
        rejected = connection.execute("select count(*) from raw.rejected_rows").fetchone()[0]
    files, read, loaded, rejected_rows_total, failed = totals
    yield dg.MaterializeResult(
        asset_key=["raw", "file_loads"],
        metadata={"files": files, "rows_read": read, "rows_loaded": loaded, "failed_files": failed},
    )
    yield dg.MaterializeResult(
        asset_key=["raw", "rejected_rows"],
        metadata={"rejections": rejected, "rows_rejected": rejected_rows_total},
    )
    yield dg.AssetCheckResult(
        asset_key=["raw", "file_loads"],
        check_name="rows_reconcile",
        passed=not mismatched,
        description=", ".join(f for (f,) in mismatched) or "every file reconciles",
    )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["raw", "articles"],
            group_name=RAW_GROUP,
            deps=[source_registry],
            description="raw.articles: each article in raw/articles/, its header and status.",
            kinds={"duckdb", "python"},
        ),
        dg.AssetSpec(
            ["raw", "claim_candidates"],
            group_name=RAW_GROUP,
            deps=[source_registry],
            description="raw.claim_candidates: every figure the extractor found, with its span.",
            kinds={"duckdb", "python"},
        ),
    ],
    check_specs=[dg.AssetCheckSpec("every_article_read", asset=["raw", "articles"])],
)
def article_candidates(duckdb: DuckDBResource):
    """Extract every article; an unchanged article (same hash) is carried over, not re-read."""
    with duckdb.get_connection() as connection:
        result = load_articles(connection, load_settings().raw_dir)
    statuses = result.articles.group_by("status").len().rows()
    yield dg.MaterializeResult(
        asset_key=["raw", "articles"],
        metadata={
            "articles": result.articles.height,
            "by_status": dg.MetadataValue.json(dict(statuses)),
        },
    )
    yield dg.MaterializeResult(
        asset_key=["raw", "claim_candidates"], metadata={"candidates": result.candidates_total}
    )
    failed = result.failed
    yield dg.AssetCheckResult(
        asset_key=["raw", "articles"],
        check_name="every_article_read",
        passed=failed.height == 0,
        severity=dg.AssetCheckSeverity.WARN,
        description="; ".join(failed["error"].to_list()) or "all articles read",
    )
