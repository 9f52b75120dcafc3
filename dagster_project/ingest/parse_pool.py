"""Worker processes that parse the files of a load that do not depend on each other.

Article extraction is pure Python: in one process it runs on one core however many the
machine has, so a load with many articles to parse hands them to worker processes (threads
would share one interpreter lock). The loader reads each file, decides whether it is carried
over (or lets the worker read it), submits the rest a few files ahead and takes their results
in file order, so the raw tables are the same as a load in one process. Claims files are parsed
in the workers too; which claim ids repeat an earlier file's is decided after (repeated_ids.py).

Small files go `per_task` to a task: an article takes a worker about 0.6 ms, and one task per
article spent as much again handing it over (the executor feeds its workers a task or two at a
time from a thread of the loader's busy process): 20,000 articles took 12 s on two cores.

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
    def __init__(self, enabled: bool, workers: int | None = None, per_task: int = 1) -> None:
        self.workers = workers or worker_count()
        self.enabled = enabled and self.workers > 1
        self.per_task = per_task
        self.wanted = 0  # files the loader asked to parse
        self.executor: ProcessPoolExecutor | None = None
        self.gathering: list[tuple[Callable, tuple, Future]] = []  # the next task's calls

    @property
    def ahead(self) -> int:
        """Files whose results may wait to be taken: none while everything is parsed here."""
        return self.workers * AHEAD_PER_WORKER * self.per_task if self.executor else 0

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
        if self.per_task == 1:
            return self.executor.submit(function, *arguments)
        future = _Gathered(self)
        self.gathering.append((function, arguments, future))
        if len(self.gathering) >= self.per_task:
            self.send()
        return future

    def send(self) -> None:
        """Hand the calls gathered so far to a worker as one task."""
        if not self.gathering or self.executor is None:
            return
        gathered, self.gathering = self.gathering, []
        for *_, future in gathered:
            future.sent = True
        task = self.executor.submit(
            _run_calls, [(function, args) for function, args, _ in gathered]
        )
        futures = [future for *_, future in gathered]

        def settle(task: Future) -> None:
            try:
                outcomes = task.result()
            except BaseException as error:  # the worker died: every call with it
                outcomes = [(False, error)] * len(futures)
            for future, (ok, value) in zip(futures, outcomes, strict=True):
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)

        task.add_done_callback(settle)

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None


class _Gathered(Future):
    """A call waiting in a pool's next task: asking for its result sends that task."""

    def __init__(self, pool: ParsePool) -> None:
        super().__init__()
        self.pool = pool
        self.sent = False

    def result(self, timeout: float | None = None):
        if not self.sent:
            self.pool.send()
        return super().result(timeout)


def _run_calls(calls: list[tuple[Callable, tuple]]) -> list[tuple[bool, object]]:
    """In a worker: each call's (True, result), or (False, the exception it raised)."""
    outcomes: list[tuple[bool, object]] = []
    for function, arguments in calls:
        try:
            outcomes.append((True, function(*arguments)))
        except Exception as error:
            outcomes.append((False, error))
    return outcomes
