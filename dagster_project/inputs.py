"""What a build is made of: every raw file's SHA-256 and a fingerprint of the project's code.

A refresh whose inputs equal those of the last published build would publish the same marts, so
`alcap refresh` skips it (`--full` rebuilds anyway). The raw hashes of a build are in the
snapshot's meta.build_files; the project fingerprint, which the snapshot does not carry, is
kept beside it in $ALCAP_HOME/last_build_inputs.json, written when the build is published.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import duckdb

from dagster_project.ingest.registry import REGISTRY_FILE, data_files_on_disk
from dagster_project.publish.builds import latest_build
from dagster_project.settings import PROJECT_ROOT, Settings

STATE_FILE = "last_build_inputs.json"
# The code that turns raw files into marts: the dbt project and the Python package.
PROJECT_FOLDERS = ("dbt/models", "dbt/seeds", "dbt/macros", "dbt/tests", "dagster_project")
PROJECT_FILES = ("dbt/dbt_project.yml", "dbt/profiles.yml", "uv.lock")


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, read in blocks (Parquet exports and raw files may be large)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def raw_file_hashes(raw_dir: Path) -> dict[str, str]:
    """SHA-256 of the registry and every data file the loader would read, by path under raw/."""
    files = [REGISTRY_FILE, *data_files_on_disk(raw_dir)] if raw_dir.exists() else []
    return {file: sha256_of(raw_dir / file) for file in files if (raw_dir / file).is_file()}


def project_fingerprint(root: Path = PROJECT_ROOT) -> str:
    """One SHA-256 over the path and bytes of every project file that shapes a build."""
    paths = [root / name for name in PROJECT_FILES]
    for folder in PROJECT_FOLDERS:
        paths += [
            path
            for path in (root / folder).rglob("*")
            if path.is_file() and "__pycache__" not in path.parts
        ]
    digest = hashlib.sha256()
    for path in sorted(p for p in paths if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(sha256_of(path).encode())
    return digest.hexdigest()


def published_build_inputs(settings: Settings) -> tuple[str, dict[str, str | None]] | None:
    """The newest published build's id and raw file hashes, or None without a snapshot."""
    build = latest_build(settings.serving_snapshot)
    if build is None:
        return None
    with duckdb.connect(str(settings.serving_snapshot), read_only=True) as connection:
        files = connection.execute(
            "select file, sha256 from meta.build_files where build_id = ?", [build["build_id"]]
        ).fetchall()
    return build["build_id"], dict(files)


def record_published_inputs(settings: Settings, build_id: str) -> None:
    """Remember the project fingerprint of the build just published (atomically)."""
    state = {"build_id": build_id, "project_sha256": project_fingerprint()}
    path = settings.home / STATE_FILE
    temporary = path.with_name(path.name + ".new")
    temporary.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def unchanged_build(settings: Settings) -> str | None:
    """The id of the published build if the raw files and project equal its inputs, else None."""
    try:
        published = published_build_inputs(settings)
        state = json.loads((settings.home / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError, duckdb.Error):
        return None  # no snapshot, no state, or an older snapshot layout: rebuild
    if published is None:
        return None
    build_id, files = published
    if state.get("build_id") != build_id or state.get("project_sha256") != project_fingerprint():
        return None
    return build_id if files == raw_file_hashes(settings.raw_dir) else None
