"""The dbt project as Dagster assets; dbt tests become asset checks."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from dagster_project.dbt_project import dbt_project, prepare_if_dev
from dagster_project.settings import DBT_EXECUTABLE

prepare_if_dev()


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


@dbt_assets(manifest=dbt_project.manifest_path, dagster_dbt_translator=AlcapTranslator())
def alcap_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    yield from dbt.cli(["build"], context=context).stream()


dbt_resource = DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)
