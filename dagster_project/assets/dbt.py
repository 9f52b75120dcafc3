"""The dbt project as Dagster assets; dbt tests become asset checks."""

import os
from collections.abc import Mapping
from typing import Any

import dagster as dg

from dagster_project.dagster_dbt_light import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)
from dagster_project.dbt_project import dbt_environment, dbt_project, prepare_if_dev
from dagster_project.resources import RefreshLockResource
from dagster_project.settings import CLAIMS_INCREMENTAL_TAG

prepare_if_dev()


RAW_PREFIX = "raw"


class AlcapTranslator(DagsterDbtTranslator):
    """source('raw', X) is the asset raw/X that ingest materialises: an unbroken graph."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        return dg.AssetKey([dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        path = dbt_resource_props.get("original_file_path", "")
        for layer in ("staging", "intermediate", "marts"):
            if f"models/{layer}/" in path:
                return layer
        return "seeds" if dbt_resource_props["resource_type"] == "seed" else "dbt"

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project):
        """A source test checks a raw asset that ingest materialises. Not blocking: a blocking
        check would make every later raw load wait for dbt, a cycle Dagster resolves by
        splitting `dbt build` into several invocations. It still blocks publication, because a
        failing test fails `dbt build` and the serving assets come after it."""
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None or spec.asset_key.path[0] != RAW_PREFIX:
            return spec
        return dg.AssetCheckSpec(
            name=spec.name,
            asset=spec.asset_key,
            description=spec.description,
            additional_deps=spec.additional_deps,
            blocking=False,
            metadata=spec.metadata,
        )


# Source tests are checks on the raw assets ingest loads: dbt's eager indirect selection runs
# them in `dbt build`, and Dagster expects them (as observations each would log a warning).
TRANSLATOR = AlcapTranslator(
    settings=DagsterDbtTranslatorSettings(enable_source_tests_as_checks=True)
)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    dagster_dbt_translator=TRANSLATOR,
)
def alcap_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, refresh_lock: RefreshLockResource
):
    # refresh_lock is held for the whole run: no two runs write the warehouse at once.
    incremental = context.run.tags.get(CLAIMS_INCREMENTAL_TAG) == "true"
    # The run's dbt.log at info level (each node's result and timing, errors, warnings), not
    # dbt's default debug (every SQL statement and connection, ~26 lines a node: 0.6 s of a
    # one-file refresh at benchmark scale 100). DBT_LOG_LEVEL_FILE=debug in the environment
    # brings them back.
    file_log_level = os.environ.get("DBT_LOG_LEVEL_FILE") or "info"
    with dbt_environment(
        ALCAP_CLAIMS_INCREMENTAL="1" if incremental else "0", DBT_LOG_LEVEL_FILE=file_log_level
    ):
        # dbt starts here, with this environment. Unit tests check the models' SQL on fixed
        # rows, not the data: a refresh would repeat the same result every time (7 nodes, 3 s
        # of node time at scale 1, partly beside other nodes), so, as dbt advises, they run in
        # development and CI (tests/test_dbt_unit_tests.py), not in the refresh.
        # --no-write-json: dbt would write manifest.json before the first node and again, with
        # run_results.json, after the last (0.5 s of every refresh at benchmark scale 100); the
        # run's dbt.log, beside them, has each node's result and timing, and the manifest
        # Dagster reads is the prepared one (dbt_project.py).
        build = ["build", "--exclude-resource-type", "unit_test", "--no-write-json"]
        invocation = dbt.cli(build, context=context)
    yield from invocation.stream()
