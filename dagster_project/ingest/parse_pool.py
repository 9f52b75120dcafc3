"""Worker processes that parse the files of a load that do not depend on each other.

Article extraction is pure Python: in one process it runs on one core however many the
machine has, so a load with many articles to parse hands them to worker processes (threads
would share one interpreter lock). The loader reads each file, decides whether it is carried
over, submits the rest a few files ahead and takes their results in file order, so the raw
tables are the same as a load in one process. Claims files are not parsed here: whether a
claim id is a duplicate depends on the files before it, decided in order by the loader.

Workers are started with `spawn` (a fresh interpreter): forking a process that runs DuckDB's
and polars' threads can copy a lock held by one of them. Starting them costs about a second,
so a load starts them only once it has START_AFTER files to parse.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor

# Files parsed in this process before workers start: a refresh with a few changed files
# never waits for them.
START_AFTER = 50
# Files submitted and not yet taken by the loader: bounds the frames waiting in memory.
AHEAD_PER_WORKER = 4


def worker_count() -> int:
    return os.cpu_count() or 1


class ParsePool:
    def __init__(self, enabled: bool, workers: int | None = None) -> None:
        self.workers = workers or worker_count()
        self.enabled = enabled and self.workers > 1
        self.wanted = 0  # files the loader asked to parse
        self.executor: ProcessPoolExecutor | None = None

    @property
    def ahead(self) -> int:
        """Files whose results may wait to be taken: none while everything is parsed here."""
        return self.workers * AHEAD_PER_WORKER if self.executor else 0

    def takes_next(self) -> bool:
        """Whether the next submit goes to a worker."""
        return self.enabled and self.wanted >= START_AFTER

    def submit(self, function: Callable, *arguments: object) -> Future | None:
        """`function(*arguments)` in a worker, or None when the caller is to parse here."""
        self.wanted += 1
        if not self.enabled or self.wanted <= START_AFTER:
            return None
        if self.executor is None:
            self.executor = ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context("spawn")
            )
        return self.executor.submit(function, *arguments)

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None
