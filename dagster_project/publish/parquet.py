"""Parquet exports of every mart of the serving snapshot, published as one set.

`<serving>/parquet` is a symbolic link to a folder holding one build's files
(`<mart>.parquet` and `manifest.json`). A new set is written into a folder of its own and the
link is replaced atomically, so a reader that resolves the link once never mixes two builds.
The folder of the previous build stays until the next export, for readers still in it.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path

from dagster_project.inputs import sha256_of
from dagster_project.publish.builds import latest_build
from dagster_project.publish.snapshot import open_snapshot
from dagster_project.publish.sql_text import literal, quote

MANIFEST = "manifest.json"


def export_parquet(
    snapshot: Path, link: Path, duckdb_config: Mapping[str, object] | None = None
) -> dict:
    """Write every table of schema marts in `snapshot` as Parquet and point `link` at them.
    Returns the manifest (build id, and per mart its file, row count and SHA-256)."""
    build = latest_build(snapshot)
    if build is None:
        raise RuntimeError(f"{snapshot} has no meta.builds: publish the snapshot first")
    builds_folder = link.with_name(link.name + "_builds")
    target = builds_folder / build["build_id"]
    building = target.with_name(target.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    manifest = {
        "build_id": build["build_id"],
        "finished_at": build["finished_at"].isoformat() + "Z",
        "marts": {},
    }
    with open_snapshot(snapshot, duckdb_config) as connection:
        marts = [
            name
            for (name,) in connection.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts' order by all"
            ).fetchall()
        ]
        for name in marts:
            path = building / f"{name}.parquet"
            connection.execute(
                f"copy (select * from marts.{quote(name)}) to {literal(str(path))}"
                " (format parquet, compression zstd)"
            )
            rows = connection.execute(f"select count(*) from marts.{quote(name)}").fetchone()[0]
            manifest["marts"][name] = {
                "file": path.name,
                "rows": rows,
                "sha256": sha256_of(path),
            }
    (building / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    building.rename(target)
    previous = Path(os.readlink(link)).name if link.is_symlink() else None
    swap_link(link, target)
    # Keep the set readers may still be in; older sets and leftovers of failed exports go.
    for path in builds_folder.iterdir():
        if path.name not in {target.name, previous}:
            shutil.rmtree(path, ignore_errors=True)
    return manifest


def swap_link(link: Path, target: Path) -> None:
    """Point `link` at `target` in one rename (a symbolic link replaces one atomically)."""
    if link.exists() and not link.is_symlink():
        shutil.rmtree(link)  # an export of an older alcap: a plain folder
    new_link = link.with_name(link.name + ".new")
    new_link.unlink(missing_ok=True)
    new_link.symlink_to(target.relative_to(link.parent), target_is_directory=True)
    os.replace(new_link, link)


def read_manifest(link: Path) -> dict:
    return json.loads((link / MANIFEST).read_text(encoding="utf-8"))
