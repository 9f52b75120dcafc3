"""The dbt project, described once; preparing its manifest is an explicit step.

Importing this module runs nothing. `prepare()` parses the project when the manifest is
missing or older than a project file; `alcap refresh`, `alcap ingest` and the test session
call it before they load the Dagster definitions (which read the manifest), and `dagster dev`
parses on load through `prepare_if_dev()`.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path

from packaging import version

from dagster_project.dagster_dbt_light import DbtCliResource, DbtProject, using_dagster_dev
from dagster_project.settings import DBT_CLIENT, DBT_EXECUTABLE, DBT_PROJECT_DIR

PROJECT_FOLDERS = ("models", "seeds", "macros", "tests", "snapshots", "analyses")


dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


class AlcapDbtCliResource(DbtCliResource):
    """dagster-dbt's resource without two steps it takes before every dbt command, about 3 s of
    each refresh that alcap has no use for: it runs `dbt --version` (a second Python start)
    to learn the version of dbt-core, the one installed beside this Python (DBT_EXECUTABLE),
    and it opens a dbt adapter on the warehouse, which serves only fetching row counts and
    column metadata, which these assets do not ask for. (Both are dagster-dbt's private
    methods; uv.lock pins the version they are written against.)"""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None


def dbt_resource() -> AlcapDbtCliResource:
    """The dbt beside this Python, so PATH need not be changed, started through `alcap-dbt`
    (dbt_warm.py), which hands the command to a dbt started ahead when a refresh has one."""
    executable = DBT_CLIENT if Path(DBT_CLIENT).exists() else DBT_EXECUTABLE
    return AlcapDbtCliResource(project_dir=dbt_project, dbt_executable=executable)


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
    """Parse the dbt project if the manifest lags behind it (a few seconds), else nothing.

    Every dbt run of a refresh starts from this parse (dagster-dbt copies its partial-parse
    state) and parses again the files whose env_var values differ from it: the claims models
    and their YAML read ALCAP_CLAIMS_INCREMENTAL. The parse is made with the value of a
    claims-incremental run, the scheduled refresh after a few changed files, which then parses
    nothing again (5 files, 1 to 2 s at benchmark scale 1); a full build, long anyway, does.

    Two processes preparing at once (two commands, or test workers) take turns: the second
    finds the manifest fresh instead of parsing into the same files."""
    if not manifest_is_stale():
        return
    # Beside the manifest: target_path is relative to the dbt project, not to this process.
    lock_path = dbt_project.manifest_path.with_name(".prepare.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if manifest_is_stale():
            with dbt_environment(ALCAP_CLAIMS_INCREMENTAL="1"):
                target = dbt_project.target_path
                dbt_resource().cli(["parse", "--quiet"], target_path=target).wait()


@contextlib.contextmanager
def dbt_environment(**values: str) -> Iterator[None]:
    """os.environ with `values` set, for a dbt process started inside (dagster-dbt passes it
    the whole environment and takes no other)."""
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def prepare_if_dev() -> None:
    """Under `dagster dev`, parse on load so the asset graph follows the models as you edit."""
    if using_dagster_dev():
        prepare()
