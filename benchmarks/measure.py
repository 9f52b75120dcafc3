"""Run a command as a real subprocess and measure it: wall time and peak memory of its tree.

Peak memory: every ~100 ms the sampler lists the process's descendants (the parent ids in
/proc/<pid>/stat) and sums their resident set sizes (/proc/<pid>/statm, resident pages × page
size). Pages shared between processes (DuckDB in dbt and in Dagster, Python libraries) count
once per process, so the sum can overstate the machine's real use; a spike shorter than the
sampling interval can be missed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
SAMPLE_SECONDS = 0.1


@dataclass
class Run:
    command: list[str]
    returncode: int
    seconds: float
    peak_rss_bytes: int
    stdout: str
    stderr: str
    timed_out: bool = False


def _parents() -> dict[int, int]:
    parents = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
            parents[int(entry.name)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue  # the process ended while we looked
    return parents


def tree_rss_bytes(root: int) -> int:
    """Resident memory of `root` and all its descendants, summed."""
    parents = _parents()
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        try:
            with open(f"/proc/{pid}/statm", "rb") as statm:
                total += int(statm.read().split()[1]) * PAGE_SIZE
        except (OSError, IndexError, ValueError):
            continue
    return total


def measure(
    command: list[str], env: dict[str, str], cwd: Path, log_dir: Path, timeout: float | None = None
) -> Run:
    """Run `command`, sampling its tree's memory until it exits.

    It runs in a session of its own, so that after `timeout` seconds the whole tree it started
    (dbt included) can be stopped by that session's process group, and nothing else.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    stdout_path, stderr_path = log_dir / "stdout.txt", log_dir / "stderr.txt"
    peak = 0
    with open(stdout_path, "wb") as stdout, open(stderr_path, "wb") as stderr:
        started = time.monotonic()
        process = subprocess.Popen(
            command, env=env, cwd=cwd, stdout=stdout, stderr=stderr, start_new_session=True
        )
        finished = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not finished.is_set():
                peak = max(peak, tree_rss_bytes(process.pid))
                finished.wait(SAMPLE_SECONDS)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        timed_out = False
        try:
            returncode = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(process.pid, signal.SIGKILL)
            returncode = process.wait()
        seconds = time.monotonic() - started
        finished.set()
        sampler.join()
    return Run(
        command,
        returncode,
        seconds,
        peak,
        stdout_path.read_text(encoding="utf-8", errors="replace"),
        stderr_path.read_text(encoding="utf-8", errors="replace"),
        timed_out,
    )
