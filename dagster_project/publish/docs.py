"""dbt docs from the last published build, never from the live warehouse.

dbt reads the catalog (tables, columns, types) from the database its profile points at. Pointing
it at the warehouse would wait on, or block, a running refresh; so the docs are generated
against a private copy of the serving snapshot, and written as one static page
(`dbt docs generate --static` embeds the manifest and catalog in static_index.html).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from dagster_project.settings import DBT_EXECUTABLE, DBT_PROJECT_DIR

# Belt and braces beside `flags: send_anonymous_usage_stats: false` in dbt_project.yml.
NO_TRACKING = {"DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1"}


class DocsError(RuntimeError):
    pass


def build_docs(snapshot: Path, out_dir: Path, project_dir: Path = DBT_PROJECT_DIR) -> Path:
    """Generate the dbt docs for `snapshot` into `out_dir` (index.html, manifest, catalog)."""
    if not snapshot.exists():
        raise FileNotFoundError(
            f"{snapshot} does not exist yet: run `alcap refresh` to build and publish it"
        )
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="docs-", dir=out_dir.parent) as work:
        work_dir = Path(work)
        database = work_dir / "snapshot.duckdb"
        shutil.copyfile(snapshot, database)
        target = work_dir / "target"
        # The profile reads the marts from the marts file and the raw tables from the
        # warehouse: both are copies of the snapshot, which holds both (a file opens once).
        marts = work_dir / "alcap_marts.duckdb"
        shutil.copyfile(snapshot, marts)
        environment = {
            **os.environ,
            **NO_TRACKING,
            "ALCAP_WAREHOUSE": str(database),
            "ALCAP_MARTS": str(marts),
        }
        command = [
            DBT_EXECUTABLE,
            "docs",
            "generate",
            "--static",
            "--project-dir",
            str(project_dir),
            "--profiles-dir",
            str(project_dir),
            "--target-path",
            str(target),
            "--log-path",
            str(work_dir / "logs"),
        ]
        result = subprocess.run(command, env=environment, capture_output=True, text=True)
        if result.returncode != 0:
            raise DocsError(f"dbt docs generate failed:\n{result.stdout[-4000:]}")
        building = work_dir / "site"
        building.mkdir()
        shutil.copyfile(target / "static_index.html", building / "index.html")
        for name in ("manifest.json", "catalog.json"):
            shutil.copyfile(target / name, building / name)
        # Swap the folder in whole, so a reader never sees half of it.
        previous = work_dir / "previous"
        if out_dir.exists():
            out_dir.rename(previous)
        building.rename(out_dir)
    return out_dir


def docs_server(folder: Path, port: int) -> http.server.ThreadingHTTPServer:
    """An HTTP server for the static docs, bound to 127.0.0.1 only (port 0: any free port)."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)


def serve_docs(folder: Path, port: int) -> None:
    """Serve the static docs on 127.0.0.1 until interrupted."""
    with docs_server(folder, port) as server:
        print(f"serving {folder} on http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops)")
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
