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

Which parts differ is read from DuckDB's own block checksums where both files are DuckDB files
of the storage layout below: every block of the file starts with the 64-bit checksum of its
contents, written with it, so two blocks with the same checksum hold the same bytes (but with a
chance of about 2^-64). Comparing 8 bytes per 256 KB block instead of every byte of two 2 GB
files took a one-file refresh's copy at scale 100 from 0.9 s to under 0.1 s (and the copy no
longer holds a core that the fingerprints' measure, beside it, wants). Any other file is
compared byte for byte.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import struct
from pathlib import Path

CHUNK = 1 << 22  # bytes compared at a time (bytearray comparison is a memcmp)

# DuckDB's file layout (storage version 65, written for STORAGE_VERSION v1.2.0): a main header
# and two database headers of 4 KB each, then blocks of `block_alloc_size` bytes, each starting
# with its checksum. The database header with the higher iteration is the current one.
MAGIC = b"DUCK"
STORAGE_VERSIONS = {65}
HEADER_BYTES = 3 * 4096
DATABASE_HEADERS = (4096, 8192)
CHECKSUM_BYTES = 8


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


def make_if_missing(snapshot: Path) -> bool:
    """Copy the published snapshot as its spare if it has none (only the first publication in a
    home leaves none: every later one keeps the snapshot it replaces). The refresh does it
    beside the Parquet export, so that the second publication rewrites what differs instead of
    writing a whole new file (1.4 s of a one-file refresh at scale 100). Returns whether it
    made one."""
    target = spare_path(snapshot)
    if target.exists() or not snapshot.exists():
        return False
    making = target.with_name(target.name + ".new")
    try:
        shutil.copyfile(snapshot, making)
        os.replace(making, target)
    finally:
        making.unlink(missing_ok=True)
    return True


def rewrite_differences(source: Path, target) -> int:
    """Write into the open file `target` the parts of `source` that differ from its own, and
    cut it to `source`'s size. Returns the bytes written."""
    with open(source, "rb", buffering=0) as original:
        block = block_size(original.fileno(), target.fileno())
        if block is not None:
            return rewrite_blocks(original.fileno(), target.fileno(), block)
    return rewrite_chunks(source, target)


def block_size(source: int, target: int) -> int | None:
    """The block size of two DuckDB files of the layout above with the same block size; None
    when either is anything else."""
    sizes = {_block_size(os.pread(fd, HEADER_BYTES, 0)) for fd in (source, target)}
    size = sizes.pop()
    return size if not sizes else None


def _block_size(header: bytes) -> int | None:
    if len(header) < HEADER_BYTES or header[8:12] != MAGIC:
        return None
    if struct.unpack_from("<Q", header, 12)[0] not in STORAGE_VERSIONS:
        return None
    # (iteration, block_alloc_size) of each database header, after its checksum and before
    # meta_block, free_list and block_count.
    current = max(struct.unpack_from("<Q24xQ", header, offset + 8) for offset in DATABASE_HEADERS)
    size = current[1]
    return size if size >= 1 << 14 and size & (size - 1) == 0 else None


def rewrite_blocks(source: int, target: int, block: int) -> int:
    """rewrite_differences for two DuckDB files of block size `block`: the headers compared
    whole, each block by its checksum; runs of blocks that differ copied in the kernel."""
    size = os.fstat(source).st_size
    written = 0
    if os.pread(source, HEADER_BYTES, 0) != os.pread(target, HEADER_BYTES, 0):
        written += _copy(source, target, 0, HEADER_BYTES)
    run_start = None  # the first block of a run that differs
    offset = HEADER_BYTES
    while offset < size:
        length = min(block, size - offset)
        # A block cut short (not one DuckDB wrote) is compared whole.
        compared = CHECKSUM_BYTES if length == block else length
        same = os.pread(source, compared, offset) == os.pread(target, compared, offset)
        if not same and run_start is None:
            run_start = offset
        if same and run_start is not None:
            written += _copy(source, target, run_start, offset - run_start)
            run_start = None
        offset += length
    if run_start is not None:
        written += _copy(source, target, run_start, size - run_start)
    os.ftruncate(target, size)
    return written


def _copy(source: int, target: int, offset: int, length: int) -> int:
    """Copy `length` bytes at `offset` from one file to the other, at the same offset: in the
    kernel where it can (copy_file_range), else through a buffer."""
    done = 0
    while done < length:
        at, left = offset + done, length - done
        try:
            count = os.copy_file_range(source, target, left, at, at)
        except OSError:  # another filesystem on an old kernel, or no such call
            count = os.pwrite(target, os.pread(source, min(left, CHUNK), at), at)
        if count == 0:
            raise OSError(f"{left} bytes missing at {at} while copying")
        done += count
    return done


def rewrite_chunks(source: Path, target) -> int:
    """rewrite_differences for any two files: every chunk compared byte for byte."""
    target.seek(0)
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
