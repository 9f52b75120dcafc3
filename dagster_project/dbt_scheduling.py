"""dbt runs first the node with the longest chain of work waiting on it.

dbt's queue hands its threads the ready nodes in order of their depth in the graph, ties by
name: after int_claims_normalised it ran the three small dimensions (`dim_…` sorts before
`int_…`) while int_claims_reconciled, on which the rest of the build waits, waited for a
thread; after it, the marts before the chain that ends in fct_market_share. Ordering the ready
nodes by their longest path to the end of the graph (tests included) runs that chain first: a
one-file refresh's build at scale 100 ended 0.75 s sooner. A path is measured in seconds, each
node's from the last build that ran it (kept in ALCAP_HOME), so that fct_claims, one node but
a second of work, starts before small marts with longer chains of small nodes; a node never
run counts as the median node, and with no times kept every node counts one.

dbt's main loop also takes every node off that queue as soon as it is ready and hands it to its
thread pool, whose own queue is first in, first out: with both threads busy, the order above
held only among nodes that became ready at the same moment. A node is now taken off the queue
only when a thread is free for it, so a thread that frees up takes the best node ready then
(the tests gating the fct_market_share chain no longer waited behind twenty-five others). Only
the order changes, never what runs or its result.

`alcap-dbt` (dbt_warm.py), the dbt every refresh starts, applies it; dbt run by hand keeps
its own order. The methods replaced are private to dbt-core (uv.lock pins the version they are
written against); if a later dbt-core lacks them, nothing is changed.
"""

from __future__ import annotations

import json
import os
import statistics
from collections.abc import Callable, Hashable, Mapping
from pathlib import Path

import networkx as nx

NODE_SECONDS_FILE = "dbt_node_seconds.json"


def critical_path_scores(
    graph: nx.DiGraph, seconds: Mapping[str, float] | None = None
) -> Mapping[Hashable, float]:
    """Each node's score, lower first: minus the length of its longest path to a node nothing
    depends on (itself included), a node's length its `seconds` (the median of them for a node
    they lack), or one each without them."""
    typical = statistics.median(seconds.values()) if seconds else 1.0
    chain: dict[Hashable, float] = {}
    for node in reversed(list(nx.topological_sort(graph))):
        own = seconds.get(str(node), typical) if seconds else 1.0
        chain[node] = own + max((chain[child] for child in graph.successors(node)), default=0.0)
    return {node: -length for node, length in chain.items()}


def read_node_seconds(path: Path) -> dict[str, float]:
    """The node times kept at `path`; none when it is missing or unreadable (only the order of
    the next build depends on them)."""
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(kept, dict):
        return {}
    return {
        str(node): float(value)
        for node, value in kept.items()
        if isinstance(value, (int, float)) and value >= 0
    }


def keep_node_seconds(path: Path, measured: Mapping[str, float]) -> None:
    """Add this build's node times to those kept at `path` (replaced whole, atomically)."""
    if not measured:
        return
    kept = read_node_seconds(path) | {node: round(value, 4) for node, value in measured.items()}
    writing = path.with_name(path.name + ".writing")
    writing.write_text(json.dumps(kept, sort_keys=True), encoding="utf-8")
    os.replace(writing, path)


def get_when_a_thread_is_free(get: Callable) -> Callable:
    """GraphQueue.get that first waits until fewer nodes are in progress than the queue's
    `threads` (set by the task that runs it; unset, it does not wait)."""

    def get_when_free(queue, block: bool = True, timeout: float | None = None):
        threads = getattr(queue, "threads", None)
        if threads:
            with queue.some_task_done:  # mark_done notifies it, under the queue's lock
                while len(queue.in_progress) >= threads:
                    queue.some_task_done.wait()
        return get(queue, block, timeout)

    return get_when_free


def run_queue_knowing_threads(run_queue: Callable) -> Callable:
    def run_queue_with_threads(task, pool):
        task.job_queue.threads = task.config.threads
        return run_queue(task, pool)

    return run_queue_with_threads


def handle_result_timed(handle_result: Callable, measured: dict[str, float]) -> Callable:
    def handle_result_and_time(task, result):
        measured[result.node.unique_id] = float(result.execution_time or 0.0)
        return handle_result(task, result)

    return handle_result_and_time


def schedule_critical_path_first(known: Mapping[str, float]) -> dict[str, float] | None:
    """Make dbt, in this process, order ready nodes by critical_path_scores with the `known`
    node times and take one off its queue only for a free thread. Returns the dict this
    process's nodes will add their times to, or None where dbt-core lacks the methods it
    replaces (then nothing is changed)."""
    from dbt.graph.queue import GraphQueue
    from dbt.task.runnable import GraphRunnableTask

    replaced = (
        (GraphQueue, "_get_scores"),
        (GraphQueue, "get"),
        (GraphRunnableTask, "run_queue"),
        (GraphRunnableTask, "_handle_result"),
    )
    if hasattr(GraphQueue, "threads") or not all(
        callable(getattr(owner, name, None)) for owner, name in replaced
    ):
        return None  # done before in this process (it serves one command), or not possible
    measured: dict[str, float] = {}
    GraphQueue._get_scores = lambda _queue, graph: dict(critical_path_scores(graph, known))
    GraphQueue.threads = None
    GraphQueue.get = get_when_a_thread_is_free(GraphQueue.get)
    GraphRunnableTask.run_queue = run_queue_knowing_threads(GraphRunnableTask.run_queue)
    GraphRunnableTask._handle_result = handle_result_timed(
        GraphRunnableTask._handle_result, measured
    )
    return measured
