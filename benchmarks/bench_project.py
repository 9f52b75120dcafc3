"""A copy of the project whose dbt seeds know a generated raw directory's invented firms.

The pipeline runs from the copy (PYTHONPATH puts its `dagster_project` ahead of the worktree's
editable install), so the worktree's own seeds, dbt target and manifest are never touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ".generated"
SEED_ADDITIONS = ("entities.csv", "entity_aliases.csv")
_IGNORED = shutil.ignore_patterns("__pycache__", "target", "logs", "dbt_packages", ".user.yml")


def prepare_project(raw_dir: Path, project_dir: Path) -> Path:
    """Copy dbt/, dagster_project/, pyproject.toml and uv.lock, then append the seed rows."""
    if project_dir.exists():
        shutil.rmtree(project_dir)
    project_dir.mkdir(parents=True)
    for folder in ("dbt", "dagster_project"):
        shutil.copytree(ROOT / folder, project_dir / folder, ignore=_IGNORED)
    for name in ("pyproject.toml", "uv.lock"):
        shutil.copy2(ROOT / name, project_dir / name)
    for name in SEED_ADDITIONS:
        additions = raw_dir / GENERATED / name
        if not additions.exists():
            continue
        seed = project_dir / "dbt" / "seeds" / name
        rows = additions.read_text(encoding="utf-8").splitlines()[1:]  # without the header
        existing = seed.read_text(encoding="utf-8")
        if not existing.endswith("\n"):
            existing += "\n"
        seed.write_text(existing + "".join(row + "\n" for row in rows), encoding="utf-8")
    return project_dir


def environment(project_dir: Path, home: Path, raw_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(project_dir)
    env["ALCAP_HOME"] = str(home)
    env["ALCAP_RAW_DIR"] = str(raw_dir)
    for name in ("ALCAP_POSTGRES_URL", "ALCAP_POSTGRES_URL_FILE", "ALCAP_WAREHOUSE"):
        env.pop(name, None)
    return env


def alcap_command(*arguments: str) -> list[str]:
    """`alcap …` through the virtualenv's Python, so PYTHONPATH decides which project runs."""
    code = "from dagster_project.cli import run; run()"
    return [sys.executable, "-c", code, *arguments]


def run_alcap(
    project_dir: Path, home: Path, raw_dir: Path, *arguments: str
) -> subprocess.CompletedProcess:
    return subprocess.run(
        alcap_command(*arguments),
        env=environment(project_dir, home, raw_dir),
        cwd=project_dir,
        capture_output=True,
        text=True,
    )
