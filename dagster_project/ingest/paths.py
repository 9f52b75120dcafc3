"""Paths under raw/: one spelling per file, and nothing outside raw/ is ever opened.

Registry entries are normalised (`./claims/x.csv`, `claims//x.csv`, `claims/../claims/x.csv`,
surrounding spaces and backslashes all become `claims/x.csv`) so that equal paths match.
Absolute paths, paths that climb out of raw/, NUL bytes and symbolic links that lead out of
raw/ are refused before anything is opened; the reason never quotes a file's contents.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import re
import stat
import time
from collections.abc import Iterable
from pathlib import Path

_DRIVE = re.compile(r"^[A-Za-z]:")
_SHA256 = re.compile(r"[0-9a-f]{64}")


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
    return RawDir(raw_dir).outside_reason(relative)


class RawDir:
    """raw/ as one load sees it: outside_reason for many files, at one `lstat` per file, and
    reading files only inside it.

    Resolving a path looks at every folder on the way from / (twelve system calls a file at
    scale 100, 9 s for 20,000 articles). Here raw/ is resolved once, and a path none of whose
    parts is a symbolic link cannot leave it; a folder found to be a plain folder is not looked
    at again while this object lives (one load), and a path with a link anywhere gets the full
    check. Make a new one for each load: a folder may become a link between two loads.
    """

    def __init__(self, raw_dir: Path) -> None:
        self.path = raw_dir
        self.root = raw_dir.resolve()
        self._root_text = str(self.root)
        self._plain_folders: set[str] = set()

    def outside_reason(self, relative: str) -> str | None:
        if self._plain(relative):
            return None
        try:
            target = (self.root / relative).resolve()
        except (OSError, RuntimeError):  # a symbolic link loop
            return "is a symbolic link that never resolves (a loop)"
        if target != self.root and self.root not in target.parents:
            return "resolves outside raw/ through a symbolic link; not opened"
        return None

    def _plain(self, relative: str) -> bool:
        """Whether `relative` names an existing entry under raw/ through plain folders and is
        not itself a symbolic link."""
        parts = relative.split("/")
        if any(part in ("", ".", "..") for part in parts):
            return False
        for depth in range(len(parts)):
            prefix = "/".join(parts[: depth + 1])
            last = depth == len(parts) - 1
            if not last and prefix in self._plain_folders:
                continue
            try:
                mode = os.lstat(os.path.join(self._root_text, prefix)).st_mode
            except OSError:
                return False
            if stat.S_ISLNK(mode) or not (last or stat.S_ISDIR(mode)):
                return False
            if not last:
                self._plain_folders.add(prefix)
        return True

    def _inside(self, relative: str) -> Path:
        reason = self.outside_reason(relative)
        if reason:
            raise PathError(reason)
        return self.path / relative

    def read(self, relative: str) -> bytes | None:
        """The bytes of a file under raw/ (None if there is none); PathError if it leads
        outside."""
        path = self._inside(relative)
        return path.read_bytes() if path.is_file() else None

    def read_and_hash(self, relative: str) -> tuple[bytes, str] | None:
        """read, with the SHA-256 of the bytes read, remembered as hash_raw_file remembers its
        hashes: a load reads every file it parses, and the next refresh need not read it again
        to plan."""
        read = self.read_hash_and_state(relative)
        if read is None:
            return None
        data, digest, state = read
        if state is not None:
            remember_hash(self.path / relative, state, digest)
        return data, digest

    def read_hash_and_state(self, relative: str) -> tuple[bytes, str, FileState | None] | None:
        """read, with the SHA-256 of the bytes read and what the file system said of the file
        before (None if that changed while it was read): for remember_hash, in the process that
        keeps the hashes when this one is a worker."""
        path = self._inside(relative)
        if not path.is_file():
            return None
        before = _stat_key(path)
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        return data, digest, before if _stat_key(path) == before else None


# The raw files hashed, with what the file system said of each just before: (device, inode,
# size, modification time, change time) → SHA-256. A refresh plans (hashing every raw file) and
# then loads in the same process; the loader takes a file's hash from here, and does not read a
# file it carries over, while the file system still says the same of it. The plan and the
# raw-files sensor keep it in a file under ALCAP_HOME (save_remembered_hashes), so that the next
# refresh reads only the files the file system reports changed, as git does with its index.
# Keyed by the path as a string: Path objects cost about 0.5 s per 20,000 files to build and
# hash, and a refresh looks every raw file up twice.
_HASHED: dict[str, tuple[tuple[int, ...], str]] = {}
# Times within this much of the hashing are not trusted: file times move in ticks of a few
# milliseconds, so a file written again within the same tick, at the same size, would look
# unchanged.
RECENT_NS = 1_000_000_000
REMEMBERED_FORMAT = 1
# Whether _HASHED holds hashes taken since they were last saved.
_unsaved = False
# The saved-hashes files this process took or wrote, with what the file system said of each then.
_TAKEN: dict[Path, tuple[int, ...]] = {}


def sha256_of(path: str | os.PathLike) -> str:
    """SHA-256 of a file, read in blocks (raw files and Parquet exports may be large)."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


# What the file system says of a file: (device, inode, size, modification and change time).
FileState = tuple[int, ...]


def _stat_key(path: str | os.PathLike) -> tuple[int, ...]:
    # The change time is in the key: a writer can set a file's modification time back (touch,
    # rsync, archive tools) but not its change time.
    status = os.stat(path)
    return (
        status.st_dev,
        status.st_ino,
        status.st_size,
        status.st_mtime_ns,
        status.st_ctime_ns,
    )


def hash_raw_file(path: str | os.PathLike) -> str:
    """SHA-256 of a raw file: the one remembered for it while the file system says the same of
    it, else read from its bytes and remembered, unless the file changed meanwhile or was
    modified or changed in the last second (see RECENT_NS)."""
    path = os.fspath(path)
    remembered = known_hash(path)
    if remembered is not None:
        return remembered
    before = _stat_key(path)
    digest = sha256_of(path)
    if _stat_key(path) == before:
        remember_hash(path, before, digest)
    return digest


def remember_hash(path: str | os.PathLike, before: FileState, digest: str) -> None:
    """Remember `digest` for `path`, which the file system said `before` of as it was read
    (not a file changed moments ago: it may change again within the clock's resolution)."""
    global _unsaved
    if max(before[3], before[4]) < time.time_ns() - RECENT_NS:
        _HASHED[os.fspath(path)] = (before, digest)
        _unsaved = True


def unsaved() -> bool:
    """Whether hashes were taken since save_remembered_hashes last ran."""
    return _unsaved


def remember_hashes_from(state: Path) -> None:
    """Take the hashes saved by save_remembered_hashes; a missing or unreadable file, or one of
    another format, gives none (every raw file is then read and hashed). A file this process
    took or saved, unchanged since, is not read again (a refresh takes it to plan, then again
    before saving: 0.3 s at 22,000 files)."""
    try:
        key = _stat_key(state)
        if _TAKEN.get(state) == key:
            return
        saved = json.loads(state.read_text(encoding="utf-8"))
        if saved.get("format") != REMEMBERED_FORMAT:
            return
        for name, (file_key, digest) in saved["files"].items():
            if _SHA256.fullmatch(str(digest)) and all(type(part) is int for part in file_key):
                _HASHED.setdefault(name, (tuple(file_key), digest))
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return
    _TAKEN[state] = key


def save_remembered_hashes(state: Path, paths: Iterable[str]) -> None:
    """Save, atomically, the remembered hashes of `paths` (the raw files there are now)."""
    files = {path: [list(_HASHED[path][0]), _HASHED[path][1]] for path in paths if path in _HASHED}
    text = json.dumps({"format": REMEMBERED_FORMAT, "files": files}, separators=(",", ":"))
    state.parent.mkdir(parents=True, exist_ok=True)
    # A name of this process's own: the raw-files sensor and a refresh may save at once.
    temporary = state.with_name(f"{state.name}.{os.getpid()}.new")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, state)
    _TAKEN[state] = _stat_key(state)
    global _unsaved
    _unsaved = False


def known_hash(path: str | os.PathLike) -> str | None:
    """The SHA-256 hash_raw_file found for `path`, if the file has not changed since."""
    path = os.fspath(path)
    remembered = _HASHED.get(path)
    try:
        return remembered[1] if remembered and _stat_key(path) == remembered[0] else None
    except OSError:
        return None
