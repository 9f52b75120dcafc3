"""What is made from the published snapshot — Parquet, the report, the Postgres copy — in one
step, side by side.

Each only reads the snapshot, and each spends most of its time in DuckDB or Postgres, outside
Python's lock: run one after the other they cost their sum (1.0 s of a one-file refresh at
scale 100), side by side about the longest. They stay three assets; a run may select any of
them (`alcap publish postgres` selects one). One that fails does not stop the others: the step
reports the ones made and then fails, naming the ones that were not.
"""

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import dagster as dg

from dagster_project.assets.postgres import POSTGRES, SKIPPED, materialize_postgres
from dagster_project.assets.publish import PARQUET, materialize_parquet
from dagster_project.assets.report import REPORT, materialize_report
from dagster_project.publish import spare
from dagster_project.resources import AlcapPaths, PostgresTarget


@dg.multi_asset(specs=[PARQUET, REPORT, POSTGRES], can_subset=True, name="serving_outputs")
def serving_outputs(
    context: dg.AssetExecutionContext, paths: AlcapPaths, postgres: PostgresTarget
) -> Iterator[dg.MaterializeResult]:
    makers: dict[dg.AssetKey, Callable[[], dg.MaterializeResult]] = {
        PARQUET.key: lambda: materialize_parquet(paths),
        REPORT.key: lambda: materialize_report(paths),
        POSTGRES.key: lambda: materialize_postgres(paths, postgres),
    }
    selected = [key for key in makers if key in context.selected_asset_keys]
    snapshot = paths.settings.serving_snapshot
    with ThreadPoolExecutor(max_workers=len(selected) + 1) as pool:
        futures = {key: pool.submit(makers[key]) for key in selected}
        # Beside the Parquet export, the longest of them in a full refresh (a refresh selects
        # it; `alcap publish postgres` does not, and copies no 2 GB file).
        making_spare = (
            pool.submit(spare.make_if_missing, snapshot) if PARQUET.key in selected else None
        )
        failed = []
        for key, future in futures.items():
            try:
                result = future.result()
            except Exception as error:  # the others are still reported
                context.log.error(f"{key.to_user_string()} failed: {error!r}")
                failed.append((key, error))
                continue
            if result.metadata and result.metadata.get("status") == SKIPPED:
                context.log.info(f"{key.to_user_string()} {SKIPPED} (set ALCAP_POSTGRES_URL)")
            yield result
        try:
            if making_spare is not None and making_spare.result():
                context.log.info(f"kept a copy of the snapshot as {spare.spare_path(snapshot)}")
        except OSError as error:  # only the next publication's speed depends on it
            context.log.warning(f"no spare snapshot kept: {error}")
    if failed:
        names = ", ".join(f"{key.to_user_string()} ({error})" for key, error in failed)
        raise dg.Failure(description=f"not made: {names}") from failed[0][1]
