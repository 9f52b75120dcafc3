"""The dbt project, described once; preparing its manifest is an explicit step.

Importing this module runs nothing. `prepare()` parses the project when the manifest is
missing or older than a project file; `alcap refresh`, `alcap ingest` and the test session
call it before they load the Dagster definitions (which read the manifest), and `dagster dev`
parses on load through `prepare_if_dev()`.
"""

from __future__ import annotations

from dagster_dbt import DbtCliResource, DbtProject
from dagster_dbt.dbt_project import using_dagster_dev

from dagster_project.settings import DBT_EXECUTABLE, DBT_PROJECT_DIR

PROJECT_FOLDERS = ("models", "seeds", "macros", "tests", "snapshots", "analyses")


dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def manifest_is_stale() -> bool:
    """True if the manifest is missing or any project file changed after it was written."""
    manifest = dbt_project.manifest_path
    if not manifest.exists():
        return True
    written = manifest.stat().st_mtime
    files = [DBT_PROJECT_DIR / "dbt_project.yml", DBT_PROJECT_DIR / "profiles.yml"]
    files += [path for folder in PROJECT_FOLDERS for path in (DBT_PROJECT_DIR / folder).rglob("*")]
    return any(path.is_file() and path.stat().st_mtime > written for path in files)


def prepare() -> None:
    """Parse the dbt project if the manifest lags behind it (a few seconds), else nothing."""
    if manifest_is_stale():
        # The dbt beside this Python, so PATH need not be changed.
        resource = DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)
        resource.cli(["parse", "--quiet"], target_path=dbt_project.target_path).wait()


def prepare_if_dev() -> None:
    """Under `dagster dev`, parse on load so the asset graph follows the models as you edit."""
    if using_dagster_dev():
        prepare()
