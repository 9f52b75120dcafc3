"""What a refresh must rebuild: the assets downstream of what changed since the published build.

The comparison is with the inputs of the newest published build (inputs.py): raw files by
SHA-256, dbt model and seed files by SHA-256, and one fingerprint of the rest of the project.
A changed raw file selects its dataset's raw tables; a changed model or seed selects its asset;
the refresh builds those and everything downstream (dagster-dbt turns that into `dbt build
--select`). A registry that only gained sources, or files of its sources, selects the registry
table and the datasets of the files whose listing sources changed. Everything is rebuilt when
the difference cannot be trusted to be only that: no published build, a source of the registry
changed or removed, other project code changed, a file nobody lists, or the last refresh did
not finish (it may have left models built from other inputs).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dagster_project.ingest.loader import DATASET_TABLES
from dagster_project.ingest.registry import (
    REGISTRY_FILE,
    RegistryError,
    load_registry,
)
from dagster_project.inputs import (
    node_file_hashes,
    other_project_fingerprint,
    published_build_inputs,
    raw_file_hashes,
    read_published_state,
    summarise_registry,
)
from dagster_project.settings import CLAIMS_INCREMENTAL_TAG, REFRESH_JOB, Settings

REGISTRY_ASSET = "raw/source_registry"
# The datasets whose files hold one claim per row: when only their files changed, the claims
# models update the claims of those files alone (dbt/macros/claims_incremental.sql).
CLAIMS_DATASETS = ("article_claims", "point_statistics")


@dataclass(frozen=True)
class RefreshPlan:
    """roots None: rebuild everything (reason says why); unchanged_build set: nothing to do."""

    changed: list[str] = field(default_factory=list)
    roots: list[str] | None = None  # asset keys as 'raw/point_statistics'
    reason: str = ""
    unchanged_build: str | None = None
    claims_only: bool = False  # only claims files changed: the claims models may go incrementally

    def run_tags(self) -> dict[str, str]:
        return {CLAIMS_INCREMENTAL_TAG: "true"} if self.claims_only else {}


def changed_files(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )


def full(reason: str, changed: list[str] | None = None) -> RefreshPlan:
    return RefreshPlan(changed=changed or [], roots=None, reason=reason)


def _datasets(owner: dict[str, str], files: list[str]) -> set[str] | str:
    """The datasets that list `files` (owner: Registry.datasets_of_files), or why that cannot
    be known."""
    for file in files:
        if file not in owner:
            return f"{file} is not listed by any source (the registry load records it)"
    return {owner[file] for file in files}


def _relisted_files(
    now: dict, published: dict | None, published_sha256: str | None
) -> list[str] | str:
    """The files whose listing sources changed (newly listed, or listed by a source more or
    less), when the registry changed only by sources added or files added to its sources;
    otherwise why everything is to be rebuilt. A source's other fields (trust, publisher,
    dates) reach every claim of it, so any change to them rebuilds all."""
    if (
        not isinstance(published, dict)
        or published.get("sha256") != published_sha256
        or not isinstance(published.get("sources"), dict)
        or not isinstance(published.get("files"), dict)
    ):
        return f"raw/{REGISTRY_FILE} changed (the published build's registry is not on record)"
    for source_id, entry in sorted(published["sources"].items()):
        if source_id not in now["sources"]:
            return f"raw/{REGISTRY_FILE} no longer lists source {source_id}"
        if now["sources"][source_id] != entry:
            return f"raw/{REGISTRY_FILE} changed source {source_id}"
    before, after = published["files"], now["files"]
    dropped = sorted(set(before) - set(after))
    if dropped:
        return f"raw/{REGISTRY_FILE} no longer lists {dropped[0]}"
    return sorted(file for file, sources in after.items() if before.get(file) != sources)


def _model_roots(manifest_path: Path, files: list[str]) -> list[str] | str:
    """The dbt models and seeds defined in `files` (paths under the project root)."""
    nodes = json.loads(manifest_path.read_text(encoding="utf-8"))["nodes"].values()
    by_path = {
        f"dbt/{node['original_file_path']}": node["name"]
        for node in nodes
        if node["resource_type"] in ("model", "seed")
    }
    missing = [file for file in files if file not in by_path]
    if missing:
        return f"{missing[0]} was removed or is not a model"
    return [by_path[file] for file in files]


def plan_refresh(
    settings: Settings,
    manifest_path: Callable[[], Path],
    last_run_succeeded: Callable[[], bool],
) -> RefreshPlan:
    """Compare the inputs with the published build's. The two callables are called only when
    something changed (they parse dbt's project and open the Dagster instance)."""
    published = published_build_inputs(settings)
    state = read_published_state(settings)
    if published is None or state is None or state.get("build_id") != published[0]:
        return full("no published build to compare with")
    build_id, published_raw = published
    raw_now = raw_file_hashes(settings.raw_dir, settings.raw_file_hashes)
    changed_raw = changed_files(published_raw, raw_now)
    changed_nodes = changed_files(state.get("node_files", {}), node_file_hashes())
    other_changed = state.get("other_project_sha256") != other_project_fingerprint()
    changed = changed_raw + changed_nodes
    if not changed and not other_changed:
        return RefreshPlan(unchanged_build=build_id)
    if other_changed:
        return full("project code or configuration changed", changed)
    published_registry = state.get("registry")
    if (
        REGISTRY_FILE not in changed_raw
        and isinstance(published_registry, dict)
        and published_registry.get("sha256") == raw_now.get(REGISTRY_FILE)
        and isinstance(published_registry.get("datasets"), dict)
    ):
        # The registry is the published build's: its files' datasets as recorded then, without
        # parsing it again (0.5 s at benchmark scale 100).
        owner = published_registry["datasets"]
    else:
        try:
            registry = load_registry(settings.raw_dir / REGISTRY_FILE)
        except RegistryError as error:
            return full(f"the registry cannot be read ({error})", changed)
        owner = registry.datasets_of_files()
    data_files, registry_roots = changed_raw, []
    if REGISTRY_FILE in changed_raw:
        relisted = _relisted_files(
            summarise_registry(registry, raw_now[REGISTRY_FILE]),
            state.get("registry"),
            published_raw.get(REGISTRY_FILE),
        )
        if isinstance(relisted, str):
            return full(relisted, changed)
        # A file listed anew (or by one more source) may be unchanged on disk: it loads again.
        others = [file for file in changed_raw if file != REGISTRY_FILE]
        data_files, registry_roots = sorted(set(others) | set(relisted)), [REGISTRY_ASSET]
    if not last_run_succeeded():
        return full("the last refresh did not finish", changed)
    datasets = _datasets(owner, data_files)
    if isinstance(datasets, str):
        return full(datasets, changed)
    model_roots = _model_roots(manifest_path(), changed_nodes) if changed_nodes else []
    if isinstance(model_roots, str):
        return full(model_roots, changed)
    roots = [f"raw/{table}" for dataset in datasets for table in DATASET_TABLES[dataset]]
    roots += registry_roots
    return RefreshPlan(
        changed=changed,
        roots=sorted(set(roots + model_roots)),
        claims_only=not changed_nodes and datasets <= set(CLAIMS_DATASETS),
    )


def last_refresh_succeeded(instance) -> bool:
    """The newest refresh run finished well. A killed run stays 'started' forever, and a failed
    one may have rebuilt some models from inputs that are not the published build's."""
    import dagster as dg

    runs = instance.get_runs(dg.RunsFilter(job_name=REFRESH_JOB), limit=1)
    return bool(runs) and runs[0].status == dg.DagsterRunStatus.SUCCESS


def selected_keys(asset_graph, plan: RefreshPlan) -> list | None:
    """The plan's roots and everything downstream of them (AssetKeys), or None for everything."""
    import dagster as dg

    if plan.roots is None:
        return None
    roots = [dg.AssetKey.from_user_string(root) for root in plan.roots]
    return sorted(dg.AssetSelection.assets(*roots).downstream().resolve(asset_graph), key=str)


def describe(plan: RefreshPlan, selected: int, total: int) -> str:
    shown = ", ".join(plan.changed[:3]) + (
        f" and {len(plan.changed) - 3} more" if len(plan.changed) > 3 else ""
    )
    if plan.roots is None:
        return f"changed  {shown}: rebuilding everything ({plan.reason})"
    claims = " (the claims models: only the changed files' claims)" if plan.claims_only else ""
    return f"changed  {shown}: rebuilding {selected} of {total} assets{claims}"
