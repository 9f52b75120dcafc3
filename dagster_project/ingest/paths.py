"""Paths under raw/: one spelling per file, and nothing outside raw/ is ever opened.

Registry entries are normalised (`./claims/x.csv`, `claims//x.csv`, `claims/../claims/x.csv`,
surrounding spaces and backslashes all become `claims/x.csv`) so that equal paths match.
Absolute paths, paths that climb out of raw/, NUL bytes and symbolic links that lead out of
raw/ are refused before anything is opened; the reason never quotes a file's contents.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import time
from pathlib import Path

_DRIVE = re.compile(r"^[A-Za-z]:")


class PathError(ValueError):
    """A path that may not be used; str() says what is wrong with it, in one line."""


def normalise(entry: str) -> str:
    """The canonical relative POSIX spelling of a registry path, or PathError."""
    if "\x00" in entry:
        raise PathError("holds a NUL byte")
    if any(character in entry for character in "\r\n"):
        raise PathError("holds a line break")
    text, normal = None, entry.replace("\\", "/")
    while normal != text:  # `x.csv /` normalises to `x.csv `: strip again until nothing changes
        text = normal.strip()
        if not text:
            raise PathError("is empty")
        if text.startswith("/") or _DRIVE.match(text):
            raise PathError("is absolute; give a path relative to raw/")
        normal = posixpath.normpath(text)
    if normal == ".." or normal.startswith("../"):
        raise PathError("leaves raw/ (`..`)")
    if normal == ".":
        raise PathError("names raw/ itself, not a file")
    return normal


def outside_reason(raw_dir: Path, relative: str) -> str | None:
    """Why `raw_dir/relative` may not be opened (it resolves outside raw/), or None."""
    root = raw_dir.resolve()
    try:
        target = (root / relative).resolve()
    except (OSError, RuntimeError):  # a symbolic link loop
        return "is a symbolic link that never resolves (a loop)"
    if target != root and root not in target.parents:
        return "resolves outside raw/ through a symbolic link; not opened"
    return None


def read_inside(raw_dir: Path, relative: str) -> bytes | None:
    """The bytes of a file under raw/ (None if there is none); PathError if it leads outside."""
    reason = outside_reason(raw_dir, relative)
    if reason:
        raise PathError(reason)
    path = raw_dir / relative
    return path.read_bytes() if path.is_file() else None


# The raw files this process hashed, with what the file system said of each just before:
# (size, modification time, inode) → SHA-256. A refresh plans (hashing every raw file) and then
# loads in the same process; the loader takes a file's hash from here, and does not read a file
# it carries over, while the file system still says the same of it.
_HASHED: dict[Path, tuple[tuple[int, int, int], str]] = {}


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, read in blocks (raw files and Parquet exports may be large)."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _stat_key(path: Path) -> tuple[int, int, int]:
    status = path.stat()
    return (status.st_size, status.st_mtime_ns, status.st_ino)


def hash_raw_file(path: Path) -> str:
    """SHA-256 of a raw file, remembered for known_hash unless the file changed meanwhile or
    was modified in the last second: file times move in ticks of a few milliseconds, so a file
    written again within the same tick, at the same size, would look unchanged."""
    before = _stat_key(path)
    digest = sha256_of(path)
    if _stat_key(path) == before and before[1] < time.time_ns() - 1_000_000_000:
        _HASHED[path] = (before, digest)
    return digest


def known_hash(path: Path) -> str | None:
    """The SHA-256 hash_raw_file found for `path`, if the file has not changed since."""
    remembered = _HASHED.get(path)
    try:
        return remembered[1] if remembered and _stat_key(path) == remembered[0] else None
    except OSError:
        return None
