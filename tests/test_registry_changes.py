"""A registry that only gained a source is not a reason to rebuild everything: the refresh
reloads the registry and the new source's files, the claims models add its claims, and the
marts equal a full rebuild. A changed or removed source still rebuilds everything."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import mart_rows, run_alcap

from dagster_project import refresh_plan
from dagster_project.refresh_plan import plan_refresh
from dagster_project.settings import PROJECT_ROOT, Settings

MANIFEST = PROJECT_ROOT / "dbt" / "target" / "manifest.json"
TEMPLATE = "chinadaily_2019_wenshan_green_park"
ADDED = "alcap_test_2019_wenshan_followup"
ADDED_FILE = f"claims/{ADDED}.csv"
# A registry entry in the shipped style for a source the tests invent.
ADDED_ENTRY = f"""
  - id: {ADDED}
    kind: article
    publisher: An invented follow-up for the tests
    title: The Wenshan park's investment, reported again
    url: http://example.invalid/{ADDED}
    published: 2019-12-20
    retrieved: 2026-12-04
    licence: facts cited; text not reproduced
    trust: C
    language: en
    dataset: article_claims
    format: claims_csv
    cadence: once
    files: [{ADDED_FILE}]
"""


def plan(home: Path, raw: Path):
    settings = Settings(raw_dir=raw, home=home)
    return plan_refresh(settings, lambda: MANIFEST, lambda: True)


@pytest.fixture(scope="module")
def copied(refreshed, tmp_path_factory):
    """The shipped build's home and raw/, copied."""
    root = tmp_path_factory.mktemp("registry")
    home = shutil.copytree(refreshed, root / "home", symlinks=True)
    raw = shutil.copytree(PROJECT_ROOT / "raw", root / "raw")
    return home, raw


def test_a_changed_or_removed_source_rebuilds_everything(copied, tmp_path):
    home, shipped = copied
    raw = shutil.copytree(shipped, tmp_path / "raw")
    registry = raw / "sources.yml"
    text = registry.read_text(encoding="utf-8")
    entry = re.search(rf"  - id: {TEMPLATE}\n(?:    .*\n)+", text)[0]

    registry.write_text(text.replace(entry, entry.replace("trust: B+", "trust: B")), "utf-8")
    changed = plan(home, raw)
    assert changed.roots is None and changed.reason == f"raw/sources.yml changed source {TEMPLATE}"

    registry.write_text(text.replace(entry, ""), "utf-8")
    removed = plan(home, raw)
    assert removed.roots is None
    assert removed.reason == f"raw/sources.yml no longer lists source {TEMPLATE}"

    # Moved within the file, with a comment added: the same sources, nothing newly listed.
    registry.write_text(text.replace(entry, "") + "\n  # moved here\n" + entry, "utf-8")
    moved = plan(home, raw)
    assert moved.roots == ["raw/source_registry"] and moved.claims_only

    # A source added to a file other sources list already: the file parses differently (its
    # rows naming the new source load), so its dataset loads again.
    shared = ADDED_ENTRY.replace("kind: article", "kind: statistic").replace(
        "dataset: article_claims", "dataset: point_statistics"
    )
    shared = shared.replace(f"files: [{ADDED_FILE}]", "files: [statistics/point_statistics.csv]")
    registry.write_text(text + shared, "utf-8")
    added_to_shared = plan(home, raw)
    assert added_to_shared.roots == ["raw/point_statistics", "raw/source_registry"]
    assert added_to_shared.claims_only


def test_an_added_source_loads_its_file_and_the_marts_equal_a_full_rebuild(copied, tmp_path):
    home, raw = copied
    # Its file first lands in raw/ unlisted (the registry load records it), then is listed.
    template = (raw / "claims" / f"{TEMPLATE}.csv").read_text(encoding="utf-8")
    rows = template.replace(TEMPLATE, ADDED)
    (raw / ADDED_FILE).write_text(rows, encoding="utf-8")
    unlisted = run_alcap(home, raw, "refresh")
    assert unlisted.returncode == 0, unlisted.stdout[-3000:] + unlisted.stderr[-3000:]
    with (raw / "sources.yml").open("a", encoding="utf-8") as registry:
        registry.write(ADDED_ENTRY)

    added = plan(home, raw)
    assert added.roots == ["raw/article_claims", "raw/source_registry"] and added.claims_only
    listed = run_alcap(home, raw, "refresh")
    assert listed.returncode == 0, listed.stdout[-3000:] + listed.stderr[-3000:]
    first_line = listed.stdout.splitlines()[0]
    assert first_line.startswith("changed  sources.yml: rebuilding "), first_line
    assert first_line.endswith("(the claims models: only the changed files' claims)")

    incremental = mart_rows(home / "serving" / "alcap.duckdb")
    columns, claims = incremental["fct_claims"]
    source = columns.index("source_id")
    added_claims = [row for row in claims if row[source] == ADDED]
    assert len(added_claims) == rows.count(f"{ADDED}__") > 0

    rebuilt = run_alcap(tmp_path / "home", raw, "refresh")
    assert rebuilt.returncode == 0, rebuilt.stdout[-3000:] + rebuilt.stderr[-3000:]
    assert incremental == mart_rows(tmp_path / "home" / "serving" / "alcap.duckdb")


def test_an_unchanged_registry_is_not_parsed_to_plan(copied, tmp_path, monkeypatch):
    """With sources.yml as the published build's, a changed data file is mapped to its dataset
    by what the publication recorded of the registry; nothing parses the registry again."""
    home, shipped = copied
    raw = shutil.copytree(shipped, tmp_path / "raw")
    claims = raw / "claims" / f"{TEMPLATE}.csv"
    claims.write_text(claims.read_text(encoding="utf-8") + "\n", encoding="utf-8")

    def refuse(path):
        raise AssertionError(f"{path} was parsed")

    monkeypatch.setattr(refresh_plan, "load_registry", refuse)
    edited = plan(home, raw)
    assert edited.changed == [f"claims/{TEMPLATE}.csv"]
    assert edited.roots == ["raw/article_claims"] and edited.claims_only
