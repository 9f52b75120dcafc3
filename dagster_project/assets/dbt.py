"""The dbt project as Dagster assets; dbt tests become asset checks."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from dagster_project.settings import load_settings

settings = load_settings()
settings.export()  # the dbt profile reads ALCAP_WAREHOUSE

dbt_project = DbtProject(
    project_dir=settings.dbt_project_dir, profiles_dir=settings.dbt_project_dir
)


def _manifest_is_stale() -> bool:
    """True if any project file changed after the manifest was written."""
    manifest = dbt_project.manifest_path
    if not manifest.exists():
        return True
    written = manifest.stat().st_mtime
    project_dir = settings.dbt_project_dir
    folders = ["models", "seeds", "macros", "tests", "snapshots", "analyses"]
    files = [project_dir / "dbt_project.yml", project_dir / "profiles.yml"]
    files += [path for folder in folders for path in (project_dir / folder).rglob("*")]
    return any(path.is_file() and path.stat().st_mtime > written for path in files)


# Parse whenever the models changed, so the asset graph never lags behind them.
if _manifest_is_stale():
    dbt_project.preparer.prepare(dbt_project)


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


dbt_resource = DbtCliResource(project_dir=dbt_project, profiles_dir=str(settings.dbt_project_dir))
