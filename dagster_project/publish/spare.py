"""The previous snapshot's file, kept to be rewritten into the next snapshot.

Publishing starts the new snapshot as a byte copy of the marts file (snapshot.py). Writing a
new 1 GB file costs far more than its size suggests where the kernel must find fresh pages for
it: at scale 100 the copy took 0.5 to 22 s on this machine. Two builds in a row differ in a
small part of the file (a one-file refresh: about 60 MB of 1.7 GB), so the snapshot that a
publication replaces is kept as `<snapshot>.spare`, and the next publication rewrites in it
only the chunks that differ from the marts file.

The spare is an older snapshot that a reader may still have open (a reader keeps the file it
opened when a new one is renamed over it). DuckDB readers hold a shared lock on the file they
read; the spare is rewritten only under an exclusive lock taken without waiting, and copied
anew when a reader holds it. Such locks belong to a process and do not exclude its own readers,
so the spare is also copied anew when this process has it open elsewhere.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from pathlib import Path

CHUNK = 1 << 22  # bytes compared at a time (bytearray comparison is a memcmp)


def spare_path(snapshot: Path) -> Path:
    return snapshot.with_name(snapshot.name + ".spare")


def copy_file(source: Path, target: Path, snapshot: Path) -> int | None:
    """Make `target` a byte copy of `source`: from the snapshot's spare, rewritten where it
    differs, when no one has it open and it is not the published snapshot itself; otherwise a
    plain copy. Returns the bytes rewritten in the spare, None for a plain copy."""
    spare = spare_path(snapshot)
    with contextlib.suppress(FileNotFoundError), open(spare, "r+b", buffering=0) as file:
        if not _is_published(file, snapshot) and not _open_here(file) and _lock(file):
            os.replace(spare, target)
            return rewrite_differences(source, file)
    shutil.copyfile(source, target)
    return None


def keep_as_spare(snapshot: Path) -> None:
    """Before a new snapshot is renamed over `snapshot`: keep its file as the spare (a second
    name for the same file, so its readers are not disturbed). A spare a reader still holds is
    only unnamed; its reader keeps reading it."""
    spare = spare_path(snapshot)
    keeping = spare.with_name(spare.name + ".new")
    keeping.unlink(missing_ok=True)
    try:
        os.link(snapshot, keeping)
    except FileNotFoundError:
        spare.unlink(missing_ok=True)  # the first publication: no file to keep
        return
    os.replace(keeping, spare)


def rewrite_differences(source: Path, target) -> int:
    """Write into the open file `target` the chunks of `source` that differ from its own, and
    cut it to `source`'s size. Returns the bytes written."""
    written = 0
    theirs, ours = bytearray(CHUNK), bytearray(CHUNK)
    with open(source, "rb", buffering=0) as original:
        offset = 0
        while count := original.readinto(theirs):
            same = target.readinto(ours) == count and (
                ours == theirs if count == CHUNK else ours[:count] == theirs[:count]
            )
            if not same:
                os.pwrite(target.fileno(), memoryview(theirs)[:count], offset)
                written += count
            offset += count
            target.seek(offset)
        target.truncate(offset)
    return written


def _is_published(file, snapshot: Path) -> bool:
    """Whether `file` is the snapshot readers are sent to (never to be written)."""
    try:
        published = snapshot.stat()
    except FileNotFoundError:
        return False
    mine = os.fstat(file.fileno())
    return (mine.st_dev, mine.st_ino) == (published.st_dev, published.st_ino)


def _open_here(file) -> bool:
    """Whether this process has the file of `file` open through another descriptor (Linux)."""
    mine = os.fstat(file.fileno())
    folder = Path("/proc/self/fd")
    for entry in folder.iterdir() if folder.is_dir() else ():
        with contextlib.suppress(OSError):
            other = os.stat(entry)
            if entry.name != str(file.fileno()) and (other.st_dev, other.st_ino) == (
                mine.st_dev,
                mine.st_ino,
            ):
                return True
    return False


def _lock(file) -> bool:
    """An exclusive lock on `file` if no process holds a lock on it (DuckDB readers do); held
    until the file is closed."""
    try:
        fcntl.lockf(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True
