"""Time the publish step alone (serving snapshot, then Parquet) on two built warehouses.

    .venv/bin/python benchmarks/publish.py --before W1 --after W2 --work DIR

W1 and W2 are warehouse files of the same project before and after a change (for instance
copies taken around a one-file-changed refresh of benchmarks/refresh.py). Into DIR it publishes
W2 with no previous snapshot (a full publication), then W1 and, over it, W2 (a publication
of the changes since W1's build), and prints the wall time of each snapshot and Parquet export.
The publish code is whichever `dagster_project` Python imports, so PYTHONPATH can point at
another checkout to compare before and after a change to it.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))

from dagster_project.publish.parquet import export_parquet  # noqa: E402
from dagster_project.publish.snapshot import publish_snapshot  # noqa: E402


def publish(warehouse: Path, serving: Path, manifest: Path | None, label: str) -> None:
    snapshot = serving / "alcap.duckdb"
    started = time.monotonic()
    build = publish_snapshot(warehouse, snapshot, manifest)
    snapshot_seconds = time.monotonic() - started
    started = time.monotonic()
    export_parquet(snapshot, serving / "parquet")
    parquet_seconds = time.monotonic() - started
    how = getattr(build, "publication", "") or "full (no fingerprints in this code)"
    print(
        f"{label:<31} snapshot {snapshot_seconds:6.1f} s  parquet {parquet_seconds:6.1f} s"
        f"  total {snapshot_seconds + parquet_seconds:6.1f} s  {how[:110]}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, required=True, help="warehouse before the change")
    parser.add_argument("--after", type=Path, required=True, help="warehouse after the change")
    parser.add_argument("--work", type=Path, required=True, help="a folder for the snapshots")
    parser.add_argument("--manifest", type=Path, default=None, help="dbt manifest.json")
    arguments = parser.parse_args(argv)
    if arguments.work.exists():
        shutil.rmtree(arguments.work)
    publish(arguments.after, arguments.work / "full", arguments.manifest, "full (after)")
    changes = arguments.work / "changes"
    publish(arguments.before, changes, arguments.manifest, "previous build (before)")
    publish(arguments.after, changes, arguments.manifest, "one change (after over before)")
    publish(arguments.after, changes, arguments.manifest, "nothing changed (after again)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
