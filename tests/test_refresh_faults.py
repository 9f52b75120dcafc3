"""A refresh survives faults and says what it did: real `alcap refresh` processes killed with
SIGKILL at chosen moments (found by watching the run's log) and a publication killed while it
writes, then two good refreshes, while a reader queries the snapshot in a loop; an unchanged
refresh skips the work; a second refresh refuses while the first holds the lock. Works on a copy of the session's refreshed home (conftest.py)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from conftest import ALCAP, run_alcap

from dagster_project.settings import PROJECT_ROOT

# Each loop opens the snapshot anew, reads the newest build, and checks every mart against the
# row count that build recorded: a half-built mart or a missing table is an error.
READER = r"""
import json, sys, time, pathlib, duckdb
snapshot, stop = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
errors, builds, loops = [], set(), 0
while not stop.exists():
    try:
        with duckdb.connect(str(snapshot), read_only=True) as connection:
            (build,) = connection.execute(
                "select build_id from meta.builds order by finished_at desc limit 1").fetchone()
            expected = connection.execute(
                "select table_name, row_count from meta.build_tables"
                " where build_id = ? and table_schema = 'marts'", [build]).fetchall()
            assert len(expected) >= 8, expected
            for table, rows in expected:
                (found,) = connection.execute(f'select count(*) from marts."{table}"').fetchone()
                if found != rows:
                    errors.append(f"{build} {table}: {found} rows, expected {rows}")
        builds.add(build)
        loops += 1
    except Exception as error:
        errors.append(repr(error))
    time.sleep(0.1)
print(json.dumps({"loops": loops, "errors": errors[:20], "builds": sorted(builds)}))
"""


def environment(home: Path, raw: Path) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("ALCAP_POSTGRES_")}
    return {
        **inherited,
        "ALCAP_HOME": str(home),
        "ALCAP_RAW_DIR": str(raw),
        "DAGSTER_HOME": str(home / "dagster_home"),
    }


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


EDITED_FILE = "claims/stdaily_2019_aluminium_city.csv"


def edit_claim(raw: Path, old: str, new: str) -> None:
    """Change one figure of the furniture claim (the only place `old` appears in the file)."""
    path = raw / EDITED_FILE
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")


def newest_build(snapshot: Path) -> str:
    with duckdb.connect(str(snapshot), read_only=True) as connection:
        return connection.execute(
            "select build_id from meta.builds order by finished_at desc limit 1"
        ).fetchone()[0]


def kill_when(home: Path, raw: Path, pattern: str, whole_group: bool = False) -> str:
    """Start `alcap refresh --full`, wait until its log matches `pattern`, SIGKILL it.
    Returns the log up to the kill."""
    logs = home / "logs"
    before = set(logs.glob("refresh-*.log")) if logs.exists() else set()
    process = subprocess.Popen(
        [*ALCAP, "refresh", "--full"],
        env=environment(home, raw),
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    expression = re.compile(pattern, re.MULTILINE)
    deadline = time.monotonic() + 300
    text = ""
    try:
        while time.monotonic() < deadline and process.poll() is None:
            new = set(logs.glob("refresh-*.log")) - before if logs.exists() else set()
            if new:
                text = next(iter(new)).read_text(encoding="utf-8", errors="replace")
                if expression.search(text):
                    break
            time.sleep(0.05)
        assert process.poll() is None, f"the refresh ended before {pattern!r}"
        if whole_group:
            os.killpg(process.pid, signal.SIGKILL)
        else:
            os.kill(process.pid, signal.SIGKILL)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)  # a failed assertion: leave nothing behind
        process.wait()
    assert process.returncode == -signal.SIGKILL
    return text


PUBLISH = """
import sys
from pathlib import Path
from dagster_project.dbt_project import dbt_project
from dagster_project.publish.snapshot import publish_snapshot
home = Path(sys.argv[1])
publish_snapshot(home / "warehouse.duckdb", home / "alcap_marts.duckdb", home / "serving" / "alcap.duckdb",
                 dbt_project.manifest_path)
"""


def kill_publication(home: Path) -> bool:
    """Publish the warehouse in a child process and SIGKILL it once the new file is being
    written. True if it was killed in that moment."""
    building = home / "serving" / "alcap.duckdb.building"
    process = subprocess.Popen([sys.executable, "-c", PUBLISH, str(home)], cwd=PROJECT_ROOT)
    try:
        while process.poll() is None and not building.exists():
            time.sleep(0.01)
        # Into the writing of the new file: a publication (it starts from a copy of the marts
        # file) finishes in a few tenths of a second after this moment.
        time.sleep(0.05)
        if process.poll() is not None:
            return False
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait()
    return process.returncode == -signal.SIGKILL


@pytest.fixture
def home_and_raw(refreshed, tmp_path):
    home = shutil.copytree(refreshed, tmp_path / "home", symlinks=True)
    raw = shutil.copytree(PROJECT_ROOT / "raw", tmp_path / "raw")
    return home, raw


def test_a_second_refresh_refuses_while_the_first_holds_the_lock(home_and_raw, tmp_path):
    home, raw = home_and_raw
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, pathlib; from dagster_project.refresh_lock import refresh_lock\n"
            "with refresh_lock(pathlib.Path(sys.argv[1])):\n"
            "    print('held', flush=True); sys.stdin.read()",
            str(home),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=PROJECT_ROOT,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        before = sha256(home / "serving" / "alcap.duckdb")
        result = run_alcap(home, raw, "refresh", "--full")
        assert result.returncode == 75
        assert result.stderr.strip().splitlines() == [
            f"alcap refresh: another refresh is running (pid {holder.pid} holds"
            f" {home / 'refresh.lock'}); try again when it has finished"
        ]
        assert sha256(home / "serving" / "alcap.duckdb") == before
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
    # The holder has exited: its lock went with it.
    assert run_alcap(home, raw, "refresh").returncode == 0


def test_kills_at_any_moment_keep_the_snapshot_and_readers_see_whole_builds(home_and_raw, tmp_path):
    home, raw = home_and_raw
    snapshot = home / "serving" / "alcap.duckdb"
    original = sha256(snapshot)
    original_build = newest_build(snapshot)
    parquet = os.readlink(home / "serving" / "parquet")
    stop = tmp_path / "stop-reader"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(snapshot), str(stop)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        # Nothing changed since the published build: skipped, no new build.
        unchanged = run_alcap(home, raw, "refresh")
        assert unchanged.returncode == 0, unchanged.stdout + unchanged.stderr
        assert unchanged.stdout.startswith(
            f"unchanged: raw files and project are those of build {original_build}"
        )
        assert sha256(snapshot) == original

        # During ingest, during dbt (dbt with it: a killed process group), during publish.
        kill_when(home, raw, r'Started execution of step "load_')
        assert sha256(snapshot) == original
        log = kill_when(home, raw, r"^1\d\d of \d+ (OK|PASS)", whole_group=True)
        assert "alcap_dbt_models" in log
        assert sha256(snapshot) == original
        assert os.readlink(home / "serving" / "parquet") == parquet
        # During publication: the publish step of a refresh, killed while it writes the new file
        # (run on its own, so that this moment costs no dbt build).
        assert kill_publication(home) is True
        assert (home / "serving" / "alcap.duckdb.building").exists()
        assert sha256(snapshot) == original

        # Then a good refresh of one edited claim, with the readable output: everything is
        # rebuilt, since the killed runs may have left models built from other inputs.
        edit_claim(raw, '"80,000"', '"90,000"')
        result = run_alcap(home, raw, "refresh")
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        new_build = newest_build(snapshot)
        # And one more edit: now only what depends on that file is rebuilt.
        edit_claim(raw, '"90,000"', '"85,000"')
        third = run_alcap(home, raw, "refresh")
        assert third.returncode == 0, third.stdout[-3000:] + third.stderr[-3000:]
    finally:
        stop.touch()
        report = json.loads(reader.communicate(timeout=120)[0])
    third_build = newest_build(snapshot)
    assert len({original_build, new_build, third_build}) == 3
    assert not list((home / "serving").glob("*.building*"))
    assert report["errors"] == []
    assert report["loops"] > 10
    assert {original_build, new_build, third_build} <= set(report["builds"])
    assert re.match(
        r"changed  \S+: rebuilding \d+ of \d+ assets \(the claims models: only the changed files. claims\)$",
        third.stdout.splitlines()[0],
    )

    changed, *lines = result.stdout.splitlines()
    assert changed == (
        f"changed  {EDITED_FILE}: rebuilding everything (the last refresh did not finish)"
    )
    assert [line.split()[0] for line in lines[:5]] == [
        "load",
        "extract",
        "dbt",
        "checks",
        "publish",
    ]
    assert re.match(r"dbt +(\d+)/\1 ", lines[2])
    # warnings are stale sources (freshness is judged against today): they do not block
    assert re.match(r"checks +\d+ passed, \d+ warned, 0 failed", lines[3])
    assert any(line.startswith(f"build    {new_build}, published in ") for line in lines)
    assert re.search(r"fct_cluster_output_value +\d+ rows", result.stdout)
    assert f"snapshot {snapshot}" in result.stdout
    assert lines[-1].startswith("next     alcap query")
    assert len(lines) < 25, "no per-node dbt log, no repeated warnings"
    combined = result.stdout + result.stderr
    for noise in ("START", "AssetObservation", "telemetry", "WARNING"):
        assert noise not in combined
    log = Path(re.search(r"^log +(\S+)$", result.stdout, re.MULTILINE)[1]).read_text("utf-8")
    assert re.search(r"^\d+ of \d+ START ", log, re.MULTILINE), "the full dbt log is kept"
    assert "instead of an `AssetCheckResult`" not in log
