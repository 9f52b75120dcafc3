"""One writer at a time: a refresh holds $ALCAP_HOME/refresh.lock (fcntl.flock) while it runs.

The operating system releases the lock when the holder exits, even by SIGKILL, so a killed
refresh never leaves a stale lock behind. The file holds the holder's pid for the message the
second refresh prints. Re-entrant within one process: `alcap refresh` takes it before Dagster
starts, and the run's `refresh_lock` resource (which also guards runs the daemon launches)
finds it already held.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

LOCK_NAME = "refresh.lock"
_held: dict[Path, int] = {}


class RefreshLocked(RuntimeError):
    """Another process is refreshing this ALCAP_HOME."""


def lock_path(home: Path) -> Path:
    return home / LOCK_NAME


def holder_pid(home: Path) -> int | None:
    try:
        return int(lock_path(home).read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None


def refresh_running(home: Path) -> bool:
    """True while some process holds the lock (a missing file: no refresh runs)."""
    try:
        descriptor = os.open(lock_path(home), os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        return False
    finally:
        os.close(descriptor)


@contextlib.contextmanager
def refresh_lock(home: Path) -> Iterator[None]:
    """Hold the refresh lock of `home`, or raise RefreshLocked at once (never wait)."""
    path = lock_path(home).resolve()
    if path in _held:
        yield
        return
    home.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        pid = holder_pid(home)
        holder = f"pid {pid}" if pid else "another process"
        raise RefreshLocked(
            f"another refresh is running ({holder} holds {path}); try again when it has finished"
        ) from None
    try:
        os.ftruncate(descriptor, 0)
        os.write(descriptor, f"{os.getpid()}\n".encode())
        _held[path] = descriptor
        yield
    finally:
        _held.pop(path, None)
        os.close(descriptor)  # closing the descriptor releases the lock
