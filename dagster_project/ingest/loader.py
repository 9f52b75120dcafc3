"""Load the registry and each dataset into DuckDB schema `raw`, one transaction per dataset.

A file that cannot be read never stops the others: it is recorded as failed (with the reason)
in raw.file_loads and raw.rejected_rows, and the rows it had loaded before are kept, so a
bad drop of one file does not wipe figures that BI users already rely on. A file unchanged
since the last load keeps its rows without being parsed again (files_carried.py).
"""

from __future__ import annotations

import hashlib
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import duckdb
import polars as pl

from dagster_project.ingest import articles, claims_csv, monthly_csv, owid_csv, series
from dagster_project.ingest.claims_csv import SeenClaimIds
from dagster_project.ingest.csv_file import FileError, Rejection
from dagster_project.ingest.csv_reader import read_csv_records
from dagster_project.ingest.files_carried import (
    PARSE_KEYS_DDL,
    REJECTED_CLAIM_IDS_DDL,
    CarriedClaimIds,
    LoadedClaimIds,
    PreviousLoads,
    may_carry_claims,
    parse_key,
)
from dagster_project.ingest.parse_pool import ParsePool
from dagster_project.ingest.paths import (
    FileState,
    PathError,
    RawDir,
    known_hash,
    remember_hash,
)
from dagster_project.ingest.raw_writer import RawWriter, Rows
from dagster_project.ingest.registry import (
    DATASETS,
    REGISTRY_FILE,
    TEXT_FORMAT,
    Registry,
    RegistryError,
    data_files_on_disk,
    load_registry,
)
from dagster_project.ingest.registry import (
    SCHEMA as REGISTRY_SCHEMA,
)
from dagster_project.ingest.repeated_ids import reject_repeated_ids
from dagster_project.ingest.units import UnitError

REGISTRY_DATASET = "source_registry"
# The raw tables each dataset writes, every one with a `file` column (for keeping the rows of
# a file that fails).
DATASET_TABLES = {
    "articles": articles.TABLES,
    "article_claims": {"article_claims": claims_csv.SCHEMA},
    "point_statistics": {"point_statistics": claims_csv.SCHEMA},
    "production_series": {"production_series": series.SCHEMA},
    "price_series": {"price_series": series.SCHEMA},
    "exchange_rates": {"exchange_rates": series.SCHEMA},
}
# Datasets whose files are parsed in worker processes when a load has many of them: articles
# (extraction is pure Python) and claims files (whether a claim id repeats an earlier file's
# is decided once they are all written, repeated_ids.py). Series files are few and small.
PARALLEL_DATASETS = {"articles", "article_claims", "point_statistics"}
# Articles handed to a worker in one task (parse_pool.py): one is about 0.6 ms of work.
ARTICLES_PER_TASK = 16
# A claims file larger than this is parsed in the loader's process, a batch at a time.
POOLED_CLAIMS_BYTES = 16_000_000
REJECTED_ROWS_DDL = """
create table if not exists raw.rejected_rows (
    dataset varchar not null, source_id varchar, file varchar not null, line bigint not null,
    column_name varchar, value varchar, reason varchar not null,
    rejected_at timestamp with time zone not null default current_timestamp
)"""
FILE_LOADS_DDL = """
create table if not exists raw.file_loads (
    dataset varchar not null, file varchar not null, sha256 varchar, rows_read bigint not null,
    rows_loaded bigint not null, rows_rejected bigint not null, status varchar not null,
    error varchar, loaded_at timestamp with time zone not null default current_timestamp
)"""

REJECTION_COLUMNS = {
    "dataset": pl.String, "source_id": pl.String, "file": pl.String, "line": pl.Int64,
    "column_name": pl.String, "value": pl.String, "reason": pl.String,
}  # fmt: skip
FILE_LOAD_COLUMNS = {
    "dataset": pl.String, "file": pl.String, "sha256": pl.String, "rows_read": pl.Int64,
    "rows_loaded": pl.Int64, "rows_rejected": pl.Int64, "status": pl.String, "error": pl.String,
}  # fmt: skip


@dataclass
class FileLoad:
    file: str
    sha256: str | None
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    status: str
    error: str | None = None


@dataclass
class DatasetLoad:
    dataset: str
    files: list[FileLoad]
    rejections: list[tuple[str, Rejection]]  # (file, rejection)

    @property
    def rows_loaded(self) -> int:
        return sum(file.rows_loaded for file in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(file.rows_rejected for file in self.files)

    @property
    def failed_files(self) -> list[FileLoad]:
        return [file for file in self.files if file.status in ("failed", "unlisted")]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _rows_in_failed_file(file_format: str, data: bytes) -> int:
    """Rows a file that could not be read holds: one article, or its non-blank CSV lines."""
    if file_format == TEXT_FORMAT:
        return 1
    lines = [line for line in data.splitlines() if line.strip()]
    return max(len(lines) - 1, 0)


@contextmanager
def transaction(connection: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """All or nothing: a load that fails half-way leaves the previous tables as they were."""
    connection.execute("begin transaction")
    try:
        yield
        connection.execute("commit")
    except Exception:
        connection.execute("rollback")
        raise


def ensure_raw_schema(connection: duckdb.DuckDBPyConnection) -> None:
    connection.execute("create schema if not exists raw")
    connection.execute(REJECTED_ROWS_DDL)
    connection.execute(FILE_LOADS_DDL)
    connection.execute(PARSE_KEYS_DDL)
    connection.execute(REJECTED_CLAIM_IDS_DDL)


def _record(connection: duckdb.DuckDBPyConnection, dataset: str, result: DatasetLoad) -> None:
    connection.execute("delete from raw.rejected_rows where dataset = ?", [dataset])
    connection.execute("delete from raw.file_loads where dataset = ?", [dataset])
    rejections = pl.DataFrame(  # noqa: F841 - scanned by DuckDB below
        [
            (dataset, r.source_id, file, r.line, r.column_name, r.value, r.reason)
            for file, r in result.rejections
        ],
        schema=REJECTION_COLUMNS,
        orient="row",
    )
    connection.execute(
        f"insert into raw.rejected_rows ({', '.join(REJECTION_COLUMNS)}) select * from rejections"
    )
    files = pl.DataFrame(  # noqa: F841 - scanned by DuckDB below
        [
            (dataset, f.file, f.sha256, f.rows_read, f.rows_loaded, f.rows_rejected, f.status,
             f.error)
            for f in result.files
        ],
        schema=FILE_LOAD_COLUMNS,
        orient="row",
    )  # fmt: skip
    connection.execute(
        f"insert into raw.file_loads ({', '.join(FILE_LOAD_COLUMNS)}) select * from files"
    )


def load_source_registry(connection: duckdb.DuckDBPyConnection, raw_dir: Path) -> DatasetLoad:
    """sources.yml → raw.source_registry; files on disk that no source lists → failed rows."""
    registry_path = raw_dir / REGISTRY_FILE
    raw = RawDir(raw_dir)
    reason = raw.outside_reason(REGISTRY_FILE)
    if reason:
        raise RegistryError(f"{registry_path} {reason}")
    registry = load_registry(registry_path)  # a broken registry raises: keep the old one
    listed = registry.listed_files()
    result = DatasetLoad(REGISTRY_DATASET, [], [])
    entries = registry.sources.height + len(registry.rejections)
    result.files.append(
        FileLoad(
            REGISTRY_FILE,
            _sha256(registry_path.read_bytes()),
            entries,
            registry.sources.height,
            len(registry.rejections),
            "loaded_with_rejections" if registry.rejections else "loaded",
        )
    )
    result.rejections += [(REGISTRY_FILE, rejection) for rejection in registry.rejections]
    for file in data_files_on_disk(raw_dir):
        if file in listed:
            continue
        try:
            data = raw.read(file) or b""
        except PathError as error:  # never read, not even for its hash
            reason = f"{file} {error}"
            result.files.append(FileLoad(file, None, 0, 0, 0, "unlisted", reason))
            result.rejections.append((file, Rejection(0, None, None, reason)))
            continue
        reason = f"{file} is not listed by any source in raw/sources.yml"
        file_format = TEXT_FORMAT if file.startswith("articles/") else "csv"
        count = _rows_in_failed_file(file_format, data)
        result.files.append(FileLoad(file, _sha256(data), count, 0, count, "unlisted", reason))
        result.rejections.append((file, Rejection(0, None, None, reason)))
    frame = registry.sources  # noqa: F841 - scanned by DuckDB below
    with transaction(connection):
        ensure_raw_schema(connection)
        connection.execute("create or replace table raw.source_registry as select * from frame")
        _record(connection, REGISTRY_DATASET, result)
    return result


def read_registry(connection: duckdb.DuckDBPyConnection) -> Registry:
    """The registry as the last registry load wrote it."""
    frame = connection.sql("select * from raw.source_registry").pl()
    return Registry(frame.select(list(REGISTRY_SCHEMA)).cast(REGISTRY_SCHEMA))


Batches = Iterable[tuple[dict[str, Rows], list[Rejection]]]


def _parse_file(
    data: bytes, file: str, dataset: str, sources: list[dict]
) -> tuple[Batches, list[Rejection], int]:
    """(batches of rows per raw table with their rejected rows, rows the reader rejected,
    rows read) for one file already read. Claims batches are parsed as they are consumed."""
    if dataset == "articles":
        if len(sources) != 1:
            raise FileError(_one_source_only(sources, "an article"))
        source_id = sources[0]["source_id"]
        return [(articles.parse(data, file, _sha256(data), source_id), [])], [], 1
    file_format = sources[0]["format"]
    if file_format == "claims_csv":
        records = read_csv_records(data, claims_csv.COLUMNS)
        allowed = [source["source_id"] for source in sources]
        batches = claims_csv.parse(records, file, allowed)
        return (
            (({dataset: frame}, rejections) for frame, rejections in batches),
            records.rejections,
            records.rows_read,
        )
    if len(sources) != 1:
        raise FileError(_one_source_only(sources, "a series file"))
    records = read_csv_records(data)
    try:
        if file_format == "owid_csv":
            frame, rejections = owid_csv.parse(records, file, sources[0])
        else:
            frame, rejections = monthly_csv.parse(records, file, sources[0], file_format)
    except UnitError as error:
        raise FileError(f"registry series.unit: {error}") from None
    return [({dataset: frame}, rejections)], records.rejections, records.rows_read


@dataclass
class FailedElsewhere:
    """A file a worker could not read: the reason and the rows the file holds."""

    reason: str
    rows: int


def _parse_elsewhere(
    data: bytes, file: str, dataset: str, sources: list[dict]
) -> tuple[list, list[Rejection], int] | FailedElsewhere:
    """_parse_file in a worker process: a file's rows depend on no other file."""
    try:
        batches, rejections, rows_read = _parse_file(data, file, dataset, sources)
        return list(batches), rejections, rows_read
    except FileError as error:
        return FailedElsewhere(str(error), _rows_in_failed_file(_format(dataset, sources), data))


@dataclass
class ReadElsewhere:
    """A file read, hashed and parsed in a worker: the SHA-256 of its bytes (None if it could
    not be read), what the file system said of it as it was read (for the hashes the refresh
    keeps) and _parse_elsewhere's outcome."""

    digest: str | None
    state: FileState | None
    outcome: tuple[list, list[Rejection], int] | FailedElsewhere


def _read_and_parse_elsewhere(
    raw_dir: str, file: str, dataset: str, sources: list[dict]
) -> ReadElsewhere:
    """A file the load parses whatever its hash, read in a worker: its bytes never pass
    through the loader's process (1.7 GB at scale 100, read, hashed and sent on there)."""
    unread = _rows_in_failed_file(_format(dataset, sources), b"")  # an article counts one
    try:
        read = RawDir(Path(raw_dir)).read_hash_and_state(file)
    except PathError as error:
        failed = FailedElsewhere(f"{_entry(sources[0])} {error}", unread)
        return ReadElsewhere(None, None, failed)
    if read is None:
        return ReadElsewhere(None, None, FailedElsewhere("file not found", unread))
    data, digest, state = read
    return ReadElsewhere(digest, state, _parse_elsewhere(data, file, dataset, sources))


def _format(dataset: str, sources: list[dict]) -> str:
    """The format a dataset's file is read in."""
    return TEXT_FORMAT if dataset == "articles" else sources[0]["format"]


def _entry(source: dict) -> str:
    """Where a file is listed: the registry entry a user has to fix."""
    return f"listed at {REGISTRY_FILE} line {source['line']} (source {source['source_id']}),"


def _one_source_only(sources: list[dict], what: str) -> str:
    names = ", ".join(source["source_id"] for source in sources)
    return f"{what} belongs to one source, not to {names}"


def _existing_tables(connection: duckdb.DuckDBPyConnection, dataset: str) -> set[str]:
    """The dataset's raw tables that exist with the columns this version writes."""
    existing = set()
    for table, schema in DATASET_TABLES[dataset].items():
        columns = {
            name
            for (name,) in connection.execute(
                "select column_name from information_schema.columns"
                " where table_schema = 'raw' and table_name = ?",
                [table],
            ).fetchall()
        }
        if columns == {*schema, "loaded_at"}:
            existing.add(table)
    return existing


def load_dataset(connection: duckdb.DuckDBPyConnection, dataset: str, raw_dir: Path) -> DatasetLoad:
    """Load every file the registry lists for `dataset` into its raw tables.

    One transaction: a parsed file's rows replace its old ones (written a batch of files at a
    time, raw_writer.py); a carried or a failed file's rows stay as they are (with the time
    they were loaded); rows of files no longer listed go at the end. A load that stops
    half-way leaves the tables as they were.
    """
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}")
    registry = read_registry(connection)
    tables = DATASET_TABLES[dataset]
    with transaction(connection):
        ensure_raw_schema(connection)
        previous = PreviousLoads.read(connection, dataset)
        # Files that loaded last time go first: a new file reusing their claim ids is the one
        # whose rows are rejected as duplicates, so adding a file never takes rows from another
        # source.
        files = sorted(
            registry.files_of(dataset).items(), key=lambda i: (i[0] not in previous.counts, i[0])
        )
        existing = _existing_tables(connection, dataset)
        for table, schema in tables.items():
            if table not in existing:  # new, or written by a version with other columns
                empty = pl.DataFrame(schema=schema)  # noqa: F841 - scanned by DuckDB below
                connection.execute(
                    f"create or replace table raw.{table} as"
                    " select *, current_timestamp as loaded_at from empty"
                )
        load = _DatasetLoader(
            connection, dataset, registry, previous, existing == set(tables), [f for f, _ in files]
        )
        load.files(raw_dir, files)
        load.finish()
        for table in tables:
            connection.execute(
                f"delete from raw.{table} where file not in (select unnest(?))",
                [[file for file, _ in files]],
            )
        _note_kept_rows(connection, load.result)
        _record(connection, dataset, load.result)
        connection.execute("delete from raw.file_parse_keys where dataset = ?", [dataset])
        parse_keys = pl.DataFrame(  # noqa: F841 - scanned by DuckDB below
            {"dataset": dataset, "file": list(load.keys), "parse_key": list(load.keys.values())},
            schema={"dataset": pl.String, "file": pl.String, "parse_key": pl.String},
        )
        connection.execute("insert into raw.file_parse_keys select * from parse_keys")
        if load.claims_table:
            _record_rejected_claim_ids(connection, dataset, load.result, load.keys)
    return load.result


def _record_rejected_claim_ids(
    connection: duckdb.DuckDBPyConnection,
    dataset: str,
    result: DatasetLoad,
    keys: dict[str, str],
) -> None:
    """The claim id of every rejected line of the files that loaded, with their parse keys."""
    connection.execute("delete from raw.rejected_claim_ids where dataset = ?", [dataset])
    lines = {
        (file, rejection.line): rejection.claim_id
        for file, rejection in result.rejections
        if file in keys  # a failed file is never carried
    }
    ids = pl.DataFrame(  # noqa: F841 - scanned by DuckDB below
        [(dataset, file, keys[file], line, claim_id) for (file, line), claim_id in lines.items()],
        schema={
            "dataset": pl.String, "file": pl.String, "parse_key": pl.String, "line": pl.Int64,
            "claim_id": pl.String,
        },
        orient="row",
    )  # fmt: skip
    connection.execute("insert into raw.rejected_claim_ids select * from ids")


class _DatasetLoader:
    """One dataset's files, one at a time in load order: carried over, parsed, or failed."""

    def __init__(
        self,
        connection: duckdb.DuckDBPyConnection,
        dataset: str,
        registry: Registry,
        previous: PreviousLoads,
        can_carry: bool,
        files: list[str],
    ) -> None:
        self.connection, self.dataset, self.previous = connection, dataset, previous
        self.tables = DATASET_TABLES[dataset]
        self.sources = {row["source_id"]: row for row in registry.sources.iter_rows(named=True)}
        self.can_carry = can_carry
        self.result = DatasetLoad(dataset, [], [])
        self.writer = RawWriter(connection, self.tables)
        self.pool = ParsePool(False)
        self.waiting: deque[Callable[[], None]] = deque()  # started files, in file order
        self.carried: list[str] = []
        self.keys: dict[str, str] = {}  # file → parse key, for the files that loaded
        self.parsed: list[str] = []  # files whose rows this load wrote
        self.claims_table = next((t for t, s in self.tables.items() if "claim_id" in s), None)
        table = self.claims_table
        self.carried_ids = CarriedClaimIds(connection, table) if table else None
        self.seen_claim_ids = SeenClaimIds(self.carried_ids)
        if self.claims_table:
            loaded = {file: counts[1] for file, counts in previous.counts.items()}
            self.loaded_ids = LoadedClaimIds(
                connection, self.claims_table, [f for f in files if f in loaded], loaded
            )

    def files(self, raw_dir: Path, files: list[tuple[str, list[str]]]) -> None:
        """Every file, in order. A file is read and carried over, parsed here or submitted to
        worker processes; what it loaded is recorded and written when its turn comes, in
        file order."""
        per_task = ARTICLES_PER_TASK if self.dataset == "articles" else 1
        self.pool = ParsePool(self.dataset in PARALLEL_DATASETS, per_task=per_task)
        raw = RawDir(raw_dir)
        try:
            for file, source_ids in files:
                self.waiting.append(self._start(raw, file, source_ids))
                while len(self.waiting) > self.pool.ahead:
                    self.waiting.popleft()()
            self._drain()
        finally:
            self.pool.close()

    def _drain(self) -> None:
        """Finish every file started: what depends on the files before one is then known."""
        while self.waiting:
            self.waiting.popleft()()

    def _start(self, raw: RawDir, file: str, source_ids: list[str]) -> Callable[[], None]:
        """Read the file and carry it over, parse it, or submit it to the pool; return what
        finishes it (records it and writes its rows)."""
        sources = [self.sources[s] for s in source_ids]
        if self._read_in_worker(raw, file):
            future = self.pool.submit(
                _read_and_parse_elsewhere, str(raw.path), file, self.dataset, sources
            )
            return partial(self._take_read, future, raw, file, sources)
        data = None
        try:
            # Hashed by this refresh's plan moments ago and unchanged since: not read, unless
            # it is not carried over. (A path leading out of raw/ is refused by _read.)
            digest = known_hash(raw.path / file)
            if digest is not None and raw.outside_reason(file):
                digest = None
            if digest is None:
                data, digest = self._read(raw, file, sources)
            key = parse_key(digest, sources)
            carried = self._carried(file, digest, key)
            if carried:
                return carried
            if data is None:
                # The digest of the bytes parsed, should the file have just changed.
                data, digest = self._read(raw, file, sources)
                key = parse_key(digest, sources)
            future = self._submit(data, file, sources)
            if future is not None:
                return partial(self._take, future, file, digest, key, sources)
            # Parsed here: the files before it are written first, so that at most one file
            # parsed here waits in memory (a large claims file stays out of the workers).
            self._drain()
            batches, rejections, rows_read = _parse_file(data, file, self.dataset, sources)
        except FileError as error:
            count = _rows_in_failed_file(_format(self.dataset, sources), data or b"")
            digest = _sha256(data) if data is not None else None
            return partial(self._failed, file, digest, count, source_ids, error)
        del data  # a large file's bytes need not wait for its rows to be parsed and written
        return partial(self._write, file, digest, key, batches, rejections, rows_read)

    @staticmethod
    def _read(raw: RawDir, file: str, sources: list[dict]) -> tuple[bytes, str]:
        """The file's bytes and their SHA-256."""
        try:
            read = raw.read_and_hash(file)
        except PathError as error:
            raise FileError(f"{_entry(sources[0])} {error}") from None
        if read is None:
            raise FileError("file not found")
        return read

    def _read_in_worker(self, raw: RawDir, file: str) -> bool:
        """Whether a worker is to read the file: it is parsed whatever its hash (no earlier
        load of it to carry over) and the pool takes the next file."""
        if self.can_carry and file in self.previous.counts:
            return False
        if not self.pool.takes_next() or self.dataset not in PARALLEL_DATASETS:
            return False
        if self.dataset == "articles":
            return True
        try:
            return os.stat(raw.path / file).st_size <= POOLED_CLAIMS_BYTES
        except OSError:
            return False  # read here, where the reason is worded

    def _take_read(self, future: Future, raw: RawDir, file: str, sources: list[dict]) -> None:
        """A file read and parsed by a worker (_read_and_parse_elsewhere)."""
        read = future.result()
        if read.state is not None:
            remember_hash(raw.path / file, read.state, read.digest)
        # No digest: the file could not be read, and a failed file has no parse key.
        key = parse_key(read.digest, sources) if read.digest is not None else ""
        self._take_outcome(read.outcome, file, read.digest, key, sources)

    def _submit(self, data: bytes, file: str, sources: list[dict]) -> Future | None:
        if self.dataset == "articles" or (self.claims_table and len(data) <= POOLED_CLAIMS_BYTES):
            return self.pool.submit(_parse_elsewhere, data, file, self.dataset, sources)
        return None

    def _failed(
        self, file: str, digest: str | None, count: int, source_ids: list[str], error: FileError
    ) -> None:
        reason = f"{file}: {error}"
        self.result.files.append(FileLoad(file, digest, count, 0, count, "failed", reason))
        self.result.rejections.append((file, Rejection(0, None, None, reason, source_ids[0])))

    def _take(self, future: Future, file: str, digest: str, key: str, sources: list[dict]) -> None:
        """A file parsed by a worker, or the reason it failed there."""
        self._take_outcome(future.result(), file, digest, key, sources)

    def _take_outcome(
        self,
        outcome: tuple[list, list[Rejection], int] | FailedElsewhere,
        file: str,
        digest: str | None,
        key: str,
        sources: list[dict],
    ) -> None:
        if isinstance(outcome, FailedElsewhere):
            error = FileError(outcome.reason)
            self._failed(file, digest, outcome.rows, [s["source_id"] for s in sources], error)
            return
        self._write(file, digest, key, *outcome)

    def _write(
        self,
        file: str,
        digest: str,
        key: str,
        batches: Batches,
        rejections: list[Rejection],
        rows_read: int,
    ) -> None:
        self.keys[file] = key
        self.parsed.append(file)
        self.writer.replace(file)
        rejections = list(rejections)
        loaded_ids = []
        for parsed, batch_rejections in batches:
            rejections.extend(batch_rejections)
            for table, frame in parsed.items():
                if table == self.claims_table and self.can_carry:  # else nothing asks
                    loaded_ids.append(frame["claim_id"])
                self.writer.add(table, frame)
        if loaded_ids:
            self.seen_claim_ids.add(pl.concat(loaded_ids))
        rejected_lines = len({rejection.line for rejection in rejections})
        self.result.rejections += [(file, rejection) for rejection in rejections]
        self.result.files.append(
            FileLoad(
                file,
                digest,
                rows_read,
                rows_read - rejected_lines,
                rejected_lines,
                "loaded_with_rejections" if rejections else "loaded",
            )
        )

    def _carried(self, file: str, digest: str, key: str) -> Callable[[], None] | None:
        """Keep the file's rows and rejections from the last load if nothing it depends on
        moved: what records it, or None when it is to be parsed."""
        counts = self.previous.unchanged(file, key) if self.can_carry else None
        if counts is None:
            return None
        rejections = self.previous.rejections.get(file, [])
        if self.claims_table:
            self._drain()  # the claim ids of every file before it are needed
            self._ids_in_memory_when_due()
        if self.claims_table and not may_carry_claims(
            file,
            rejections,
            file not in self.previous.claim_ids_unrecorded,
            self.loaded_ids,
            self.seen_claim_ids,
            self.carried_ids,
        ):
            return None
        return partial(self._record_carried, file, digest, key, counts, rejections)

    def _ids_in_memory_when_due(self) -> None:
        """Read the carried files' claim ids into memory once looking them up in the raw table
        no longer pays (files_carried.CarriedClaimIds)."""
        if self.carried_ids is not None and self.carried_ids.due():
            self.carried_ids.read_into(self.seen_claim_ids)

    def _record_carried(
        self,
        file: str,
        digest: str,
        key: str,
        counts: tuple[int, int, int, str],
        rejections: list[Rejection],
    ) -> None:
        self.keys[file] = key
        self.carried.append(file)
        self.result.files.append(FileLoad(file, digest, *counts))
        self.result.rejections += [(file, rejection) for rejection in rejections]

    def finish(self) -> None:
        """Write the rows still held, mark the carried files' rows (one statement each), and
        reject the rows whose claim id an earlier file loaded."""
        self.writer.flush()
        for table, marks in articles.CARRIED_COLUMNS.items():
            if table in self.tables and self.carried:
                self.connection.execute(
                    f"update raw.{table} set {marks} where file in (select unnest(?))",
                    [self.carried],
                )
        if self.claims_table:
            self._reject_repeated_ids()

    def _reject_repeated_ids(self) -> None:
        repeats = reject_repeated_ids(
            self.connection,
            self.claims_table,
            list(self.keys),  # the files that loaded, in load order
            self.parsed,
            self.result.rejections,
        )
        loads = {load.file: load for load in self.result.files}
        for repeat in repeats:
            self.result.rejections.append((repeat.file, repeat.rejection()))
            if repeat.loaded:  # its line had no rejection before
                load = loads[repeat.file]
                load.rows_loaded -= 1
                load.rows_rejected += 1
                load.status = "loaded_with_rejections"


def _note_kept_rows(connection: duckdb.DuckDBPyConnection, result: DatasetLoad) -> None:
    """A failed file keeps the rows it loaded before: its error says how many."""
    tables = DATASET_TABLES[result.dataset]
    for load in result.failed_files:
        kept = []
        for table in tables:
            (count,) = connection.execute(
                f"select count(*) from raw.{table} where file = ?", [load.file]
            ).fetchone()
            if count:
                kept.append(f"{count} rows" if len(tables) == 1 else f"{count} rows of raw.{table}")
        if kept:
            load.error = f"{load.error}; kept {' and '.join(kept)} from the previous load"
