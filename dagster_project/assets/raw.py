"""The raw layer: the registry first, then one asset per dataset it describes.

Every raw file, articles included, goes through the same loader (ingest/loader.py). A dataset
writes one raw table, or several (articles → raw.articles and raw.claim_candidates); each
table is an asset, so dbt sources map onto them one to one.
"""

import contextlib
from collections.abc import Iterator

import dagster as dg
import duckdb as duckdb_module
from dagster_duckdb import DuckDBResource

from dagster_project.ingest.loader import (
    DATASET_TABLES,
    REGISTRY_DATASET,
    DatasetLoad,
    load_dataset,
    load_source_registry,
)
from dagster_project.resources import AlcapPaths
from dagster_project.settings import NO_PROGRESS_BAR

RAW_GROUP = "raw"
AUDIT_TABLES = ["file_loads", "rejected_rows"]


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


def _check_result(result: DatasetLoad, key: list[str]) -> dg.AssetCheckResult:
    """A failed file is a warning: the others load and its previous rows are kept."""
    failed = result.failed_files
    return dg.AssetCheckResult(
        asset_key=key,
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
def source_registry(duckdb: DuckDBResource, paths: AlcapPaths):
    with quiet(duckdb) as connection:
        result = load_source_registry(connection, paths.settings.raw_dir)
    yield dg.MaterializeResult(metadata=_metadata(result))
    yield _check_result(result, ["raw", REGISTRY_DATASET])


def _dataset_asset(dataset: str) -> dg.AssetsDefinition:
    tables = list(DATASET_TABLES[dataset])
    first = ["raw", tables[0]]

    @dg.multi_asset(
        name=f"load_{dataset}",
        specs=[
            dg.AssetSpec(
                ["raw", table],
                group_name=RAW_GROUP,
                deps=[source_registry],
                description=f"raw.{table}: the files the registry lists for {dataset}.",
                kinds={"duckdb", "polars"},
            )
            for table in tables
        ],
        check_specs=[dg.AssetCheckSpec("every_file_loaded", asset=first)],
    )
    def _asset(duckdb: DuckDBResource, paths: AlcapPaths):
        with quiet(duckdb) as connection:
            result = load_dataset(connection, dataset, paths.settings.raw_dir)
        for table in tables:
            yield dg.MaterializeResult(asset_key=["raw", table], metadata=_metadata(result))
        yield _check_result(result, first)

    return _asset


dataset_assets = [_dataset_asset(dataset) for dataset in DATASET_TABLES]


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
)
def load_audit(duckdb: DuckDBResource):
    """The audit tables as every dataset left them; dbt checks that they reconcile."""
    with quiet(duckdb) as connection:
        files, read, loaded, failed = connection.execute(
            "select count(*), sum(rows_read), sum(rows_loaded),"
            " count(*) filter (where status in ('failed', 'unlisted')) from raw.file_loads"
        ).fetchone()
        rejected = connection.execute("select count(*) from raw.rejected_rows").fetchone()[0]
    yield dg.MaterializeResult(
        asset_key=["raw", "file_loads"],
        metadata={"files": files, "rows_read": read, "rows_loaded": loaded, "failed_files": failed},
    )
    yield dg.MaterializeResult(
        asset_key=["raw", "rejected_rows"], metadata={"rejections": rejected}
    )


@contextlib.contextmanager
def quiet(duckdb: DuckDBResource) -> Iterator[duckdb_module.DuckDBPyConnection]:
    """The resource's connection, without DuckDB's progress bar."""
    with duckdb.get_connection() as connection:
        connection.execute(NO_PROGRESS_BAR)
        yield connection
