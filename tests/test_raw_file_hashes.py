"""The raw files' hashes kept between refreshes: a file is read again exactly when the file
system reports it changed, and a file changed within the clock's tick is never trusted."""

from __future__ import annotations

import json
import os
import time

import duckdb
import pytest
from conftest import write

from dagster_project import inputs
from dagster_project.ingest import parse_pool, paths
from dagster_project.ingest.loader import load_dataset, load_source_registry
from dagster_project.ingest.registry import DATASETS, REGISTRY_FILE, data_files_on_disk
from dagster_project.inputs import keep_raw_file_hashes, raw_file_hashes
from dagster_project.settings import Settings


def new_process(monkeypatch) -> list[str]:
    """Forget what this process hashed, as a new refresh process would; record every file
    read to hash it."""
    monkeypatch.setattr(paths, "_HASHED", {})
    monkeypatch.setattr(paths, "_TAKEN", {})
    monkeypatch.setattr(inputs, "_LISTED", {})
    read = []
    real = paths.sha256_of
    monkeypatch.setattr(
        paths, "sha256_of", lambda path: read.append(os.path.basename(path)) or real(path)
    )
    return read


def age(raw_dir, seconds: float = 60) -> None:
    """Set every file's modification time back, then wait out the change time that sets: the
    change time cannot be set back, only left to age."""
    past = time.time() - seconds
    for path in raw_dir.rglob("*"):
        os.utime(path, (past, past))
    time.sleep(paths.RECENT_NS / 1e9 + 0.05)


def test_a_refresh_reads_only_the_files_changed_since_the_hashes_were_kept(
    raw_dir, tmp_path, monkeypatch
):
    state = tmp_path / "home" / "raw_file_hashes.json"
    age(raw_dir)
    first = raw_file_hashes(raw_dir, state)
    assert set(json.loads(state.read_text())["files"]) == {str(raw_dir / f) for f in first}

    read = new_process(monkeypatch)
    assert raw_file_hashes(raw_dir, state) == first
    assert read == [], "unchanged files were read again"

    # Other bytes of the same size, with the modification time set back to what it was: only
    # the change time tells, and it does.
    changed = raw_dir / "claims/test_article.csv"
    status = changed.stat()
    text = changed.read_bytes()
    changed.write_bytes(text.replace(b"3300", b"3301") if b"3300" in text else text[:-2] + b"9\n")
    os.utime(changed, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert changed.stat().st_size == status.st_size
    read = new_process(monkeypatch)
    second = raw_file_hashes(raw_dir, state)
    assert read == ["test_article.csv"]
    assert second["claims/test_article.csv"] == paths.sha256_of(changed)
    assert second["claims/test_article.csv"] != first["claims/test_article.csv"]
    assert {f: h for f, h in second.items() if f != "claims/test_article.csv"} == {
        f: h for f, h in first.items() if f != "claims/test_article.csv"
    }


def test_a_file_changed_in_the_last_tick_is_hashed_but_not_kept(raw_dir, tmp_path, monkeypatch):
    state = tmp_path / "raw_file_hashes.json"
    age(raw_dir)
    fresh = write(
        raw_dir / "claims/test_article.csv",
        (raw_dir / "claims/test_article.csv").read_text() + "\n",
    )
    hashes = raw_file_hashes(raw_dir, state)
    assert hashes["claims/test_article.csv"] == paths.sha256_of(fresh)
    assert str(fresh) not in json.loads(state.read_text())["files"]

    read = new_process(monkeypatch)
    raw_file_hashes(raw_dir, state)
    assert read == ["test_article.csv"]


@pytest.mark.parametrize("saved", ["", "{", '{"format": 0, "files": {}}', '{"files": 3}', "[]"])
def test_kept_hashes_that_cannot_be_read_are_ignored(raw_dir, tmp_path, monkeypatch, saved):
    state = tmp_path / "raw_file_hashes.json"
    expected = {f: paths.sha256_of(raw_dir / f) for f in raw_file_hashes(raw_dir)}
    state.write_text(saved)
    read = new_process(monkeypatch)
    assert raw_file_hashes(raw_dir, state) == expected
    assert sorted(read) == sorted(os.path.basename(f) for f in expected)


@pytest.mark.parametrize("workers", [False, True])
def test_a_load_keeps_the_hashes_of_the_files_it_read(raw_dir, tmp_path, monkeypatch, workers):
    """A full refresh has no plan that hashes the files; its loads read them all (or their
    worker processes do), and what they hashed is kept, so the refresh after it reads none of
    them again."""
    if workers:  # every file after the first of a dataset read by a worker
        monkeypatch.setattr(parse_pool, "START_AFTER", 1)
        monkeypatch.setattr(parse_pool, "worker_count", lambda: 2)
    new_process(monkeypatch)
    age(raw_dir)
    settings = Settings(raw_dir=raw_dir, home=tmp_path / "home")
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as connection:
        load_source_registry(connection, raw_dir)
        for dataset in DATASETS:
            load_dataset(connection, dataset, raw_dir)
    keep_raw_file_hashes(settings)
    data_files = {str(raw_dir / f) for f in data_files_on_disk(raw_dir)}
    assert data_files and data_files <= set(
        json.loads(settings.raw_file_hashes.read_text())["files"]
    )

    read = new_process(monkeypatch)
    raw_file_hashes(raw_dir, settings.raw_file_hashes)
    assert read == [
        REGISTRY_FILE
    ]  # read by the registry's loader, not through RawDir.read_and_hash


def test_a_kept_entry_that_is_no_sha256_is_not_taken(raw_dir, tmp_path, monkeypatch):
    state = tmp_path / "raw_file_hashes.json"
    age(raw_dir)
    first = raw_file_hashes(raw_dir, state)
    saved = json.loads(state.read_text())
    entry = str(raw_dir / "claims/test_article.csv")
    saved["files"][entry][1] = "a" * 63 + "Z"  # the file's own key, a hash that is not one
    state.write_text(json.dumps(saved))
    read = new_process(monkeypatch)
    assert raw_file_hashes(raw_dir, state) == first
    assert read == ["test_article.csv"]
