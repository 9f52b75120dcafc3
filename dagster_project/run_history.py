"""Dagster's run history in SQLite, each database's connection kept for the next event.

Dagster's SqliteEventLogStorage creates an engine and opens a new SQLite connection for every
event it stores (two or three for an asset event, mirrored into the index database), and each
commit waits for the disk. A one-file refresh stores ~350 events, so that cost ~3 s of its main
thread at scale 100, as much as its dbt models. Here each database keeps one engine (a pool of
connections) and commits in WAL mode with `synchronous=NORMAL`: a commit is on disk at the next
checkpoint, and a power cut may lose the last events but never corrupts the file. The files and
their tables are Dagster's own, so a home written by either class reads with the other.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Iterator

from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from dagster._core.storage.sql import create_engine
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool

# Engines kept for run databases besides the index: a long-lived process (the daemon, the web
# server) sees many runs, and each engine holds open files.
KEPT_RUN_DATABASES = 4


def _commit_at_checkpoint(connection, _record) -> None:
    connection.execute("PRAGMA synchronous=NORMAL")


class KeptSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage with an engine kept per database (run shards and the index)."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()  # used under self._db_lock
        self._tables_found: set[str] = set()
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(cls, inst_data, config_value):  # ty: ignore[invalid-method-override]
        return cls(inst_data=inst_data, **config_value)  # the parent names its own class

    def _engine(self, shard: str) -> Engine:
        """The shard's engine, made on first use (the caller holds self._db_lock)."""
        engine = self._engines.get(shard)
        if engine is not None:
            self._engines.move_to_end(shard)
            return engine
        engine = create_engine(
            self.conn_string_for_shard(shard),
            poolclass=QueuePool,
            pool_size=1,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
        )
        sqlalchemy_event.listen(engine, "connect", _commit_at_checkpoint)
        self._engines[shard] = engine
        runs = [name for name in self._engines if name != INDEX_SHARD_NAME]
        for old in runs[:-KEPT_RUN_DATABASES]:
            self._engines.pop(old).dispose()
        return engine

    @contextlib.contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as connection, connection.begin():
                yield connection

    def has_table(self, table_name: str) -> bool:
        # Asked again for every concurrency check; a table, once there, stays.
        if table_name not in self._tables_found and super().has_table(table_name):
            self._tables_found.add(table_name)
        return table_name in self._tables_found

    def _dispose_engines(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def wipe(self) -> None:
        self._dispose_engines()  # before its files are deleted
        super().wipe()

    def dispose(self) -> None:
        self._dispose_engines()
        super().dispose()
