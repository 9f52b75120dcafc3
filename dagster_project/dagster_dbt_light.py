"""dagster-dbt, imported without dbt-core. Import its names from here, not from dagster_dbt.

dagster-dbt imports dbt-core into this process when it is installed, but only for a few types
and constants; without it, it defines the same ones itself (as for dbt Fusion, which has no
Python package). alcap never runs dbt in this process: dbt runs as a subprocess
(DbtCliResource), and the resource's two uses of dbt-core are replaced (dbt_project.py). So
dagster-dbt is imported here with dbt-core hidden: 1.3 s less to load the definitions, in every
refresh and every Dagster process. dbt-core stays importable afterwards (tests run dbtRunner)."""

import sys

if "dagster_dbt" not in sys.modules and "dbt.version" not in sys.modules:
    # A None entry makes `from dbt.version import __version__` (dagster_dbt.compat) fail.
    sys.modules["dbt.version"] = None  # type: ignore[assignment]
    try:
        import dagster_dbt  # noqa: F401
    finally:
        del sys.modules["dbt.version"]

from dagster_dbt import (  # noqa: E402
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)
from dagster_dbt.dbt_project import using_dagster_dev  # noqa: E402

__all__ = [
    "DagsterDbtTranslator",
    "DagsterDbtTranslatorSettings",
    "DbtCliResource",
    "DbtProject",
    "dbt_assets",
    "using_dagster_dev",
]
