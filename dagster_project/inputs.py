"""What a build is made of: every raw file's SHA-256 and a fingerprint of the project's code.

refresh_plan.py compares them with the inputs of the last published build to decide what a
refresh rebuilds. The raw hashes of a build are in the snapshot's meta.build_files; the project's
(each dbt model and seed file, and one fingerprint of the rest), which the snapshot does not
carry, are kept beside it in $ALCAP_HOME/last_build_inputs.json, written when it is published.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import duckdb

from dagster_project.ingest.paths import (
    hash_raw_file,
    remember_hashes_from,
    save_remembered_hashes,
    sha256_of,
    unsaved,
)
from dagster_project.ingest.registry import (
    REGISTRY_FILE,
    Registry,
    RegistryError,
    data_files_on_disk,
    load_registry,
)
from dagster_project.publish.builds import latest_build
from dagster_project.settings import PROJECT_ROOT, Settings

STATE_FILE = "last_build_inputs.json"
# What of a registry entry is not the source itself: its place in sources.yml and its files.
NOT_SOURCE_FIELDS = ("line", "files", "text_files")
# The code that turns raw files into marts: the dbt project and the Python package.
PROJECT_FOLDERS = ("dbt/models", "dbt/seeds", "dbt/macros", "dbt/tests", "dagster_project")
PROJECT_FILES = ("dbt/dbt_project.yml", "dbt/profiles.yml", "uv.lock")


def raw_file_hashes(raw_dir: Path, remembered: Path | None = None) -> dict[str, str]:
    """SHA-256 of the registry and every data file the loader would read, by path under raw/.
    With `remembered` (a file under ALCAP_HOME), a file the file system reports unchanged since
    the hash saved there is not read again (ingest/paths.py: hash_raw_file)."""
    if remembered is not None:
        remember_hashes_from(remembered)
    hashes, root = {}, os.fspath(raw_dir)
    for file in _raw_files(raw_dir):
        try:
            hashes[file] = hash_raw_file(os.path.join(root, file))
        except FileNotFoundError:
            continue  # removed since it was listed
    if remembered is not None and unsaved():  # the sensor asks every 30 s, mostly for nothing
        save_remembered_hashes(remembered, (os.path.join(root, file) for file in hashes))
    _LISTED[root] = list(hashes)
    return hashes


# The raw files raw_file_hashes last found, by raw folder: what keep_raw_file_hashes saves
# after the load, without listing 22,000 files again (a file added meanwhile is hashed next
# time, as any file the saved hashes lack).
_LISTED: dict[str, list[str]] = {}


def keep_raw_file_hashes(settings: Settings) -> None:
    """Save the raw files' hashes this process took and has not saved (a load's, which reads
    every file it parses), so that the next refresh need not read those files to plan."""
    if not unsaved():
        return
    raw_dir, state = settings.raw_dir, settings.raw_file_hashes
    remember_hashes_from(state)
    root = os.fspath(raw_dir)
    files = _LISTED.get(root)
    if files is None:
        files = _raw_files(raw_dir)
    save_remembered_hashes(state, (os.path.join(root, file) for file in files))


def _raw_files(raw_dir: Path) -> list[str]:
    """The registry, when there is one, and every data file the loader would read (files
    only), by path under raw/."""
    if not raw_dir.exists():
        return []
    registry = [REGISTRY_FILE] if (raw_dir / REGISTRY_FILE).is_file() else []
    return [*registry, *data_files_on_disk(raw_dir)]


def _project_files(root: Path) -> list[Path]:
    paths = [root / name for name in PROJECT_FILES]
    for folder in PROJECT_FOLDERS:
        paths += [
            path
            for path in (root / folder).rglob("*")
            if path.is_file() and "__pycache__" not in path.parts
        ]
    return sorted(path for path in paths if path.is_file())


def _is_node_file(relative: str) -> bool:
    """A file that defines one dbt model or seed: a change selects that node, not everything."""
    return (relative.startswith("dbt/models/") and relative.endswith(".sql")) or (
        relative.startswith("dbt/seeds/") and relative.endswith(".csv")
    )


def node_file_hashes(root: Path = PROJECT_ROOT) -> dict[str, str]:
    """SHA-256 of every dbt model's SQL and every seed, by path under the project root."""
    files = {path.relative_to(root).as_posix(): path for path in _project_files(root)}
    return {name: sha256_of(path) for name, path in files.items() if _is_node_file(name)}


def other_project_fingerprint(root: Path = PROJECT_ROOT) -> str:
    """One SHA-256 over the path and bytes of every other project file that shapes a build:
    Python code, macros, tests, YAML (a test or config change is not one node's change)."""
    digest = hashlib.sha256()
    for path in _project_files(root):
        name = path.relative_to(root).as_posix()
        if not _is_node_file(name):
            digest.update(name.encode() + b"\0")
            digest.update(sha256_of(path).encode())
    return digest.hexdigest()


def published_build_inputs(settings: Settings) -> tuple[str, dict[str, str | None]] | None:
    """The newest published build's id and raw file hashes, or None without a snapshot."""
    try:
        build = latest_build(settings.serving_snapshot)
        if build is None:
            return None
        with duckdb.connect(str(settings.serving_snapshot), read_only=True) as connection:
            files = connection.execute(
                "select file, sha256 from meta.build_files where build_id = ?",
                [build["build_id"]],
            ).fetchall()
    except duckdb.Error:
        return None  # an older snapshot layout: rebuild
    return build["build_id"], dict(files)


def registry_summary(raw_dir: Path) -> dict | None:
    """summarise_registry of raw/sources.yml as it is now; None when it cannot be read."""
    path = raw_dir / REGISTRY_FILE
    try:
        return summarise_registry(load_registry(path), sha256_of(path))
    except (OSError, RegistryError):
        return None


def summarise_registry(registry: Registry, sha256: str) -> dict:
    """What tells a registry with sources added apart from one with sources changed: the
    SHA-256 of sources.yml, a hash of each source's entry without its files, and every file it
    lists with the sources that list it (a file's parse depends on them)."""
    sources: dict[str, str] = {}
    files: dict[str, list[str]] = {}
    for row in registry.sources.iter_rows(named=True):
        entry = {name: value for name, value in row.items() if name not in NOT_SOURCE_FIELDS}
        text = json.dumps(entry, sort_keys=True, default=str)
        sources[row["source_id"]] = hashlib.sha256(text.encode()).hexdigest()
        for file in [*row["files"], *row["text_files"]]:
            files.setdefault(file, []).append(row["source_id"])
    listings = {file: sorted(set(ids)) for file, ids in sorted(files.items())}
    return {
        "sha256": sha256,
        "sources": sources,
        "files": listings,
        "datasets": registry.datasets_of_files(),
    }


def record_published_inputs(settings: Settings, build_id: str) -> None:
    """Remember the project files and the registry of the build just published (atomically).
    A registry with the SHA-256 of the last build's, summarised by the same code, keeps that
    summary instead of being parsed again."""
    other_project = other_project_fingerprint()
    previous = read_published_state(settings) or {}
    registry = previous.get("registry")
    try:
        unchanged = (
            previous.get("other_project_sha256") == other_project
            and isinstance(registry, dict)
            and registry.get("sha256") == sha256_of(settings.raw_dir / REGISTRY_FILE)
        )
    except OSError:
        unchanged = False
    state = {
        "build_id": build_id,
        "other_project_sha256": other_project,
        "node_files": node_file_hashes(),
        "registry": registry if unchanged else registry_summary(settings.raw_dir),
    }
    path = settings.home / STATE_FILE
    temporary = path.with_name(path.name + ".new")
    temporary.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def read_published_state(settings: Settings) -> dict | None:
    """What record_published_inputs wrote, or None (missing, unreadable, older layout)."""
    try:
        state = json.loads((settings.home / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) and "node_files" in state else None
