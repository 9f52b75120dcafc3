"""dbt's order (dagster_project/dbt_scheduling.py): ready nodes by their longest path in seconds
of the last build, taken off the queue only for a free thread; a real dbt through `alcap-dbt`."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from pathlib import Path

import networkx as nx
from dbt.graph.queue import GraphQueue

from dagster_project import dbt_scheduling
from dagster_project.settings import DBT_CLIENT


def test_a_long_node_goes_before_a_longer_chain_of_short_ones():
    graph = nx.DiGraph([("root", "slow"), ("root", "a"), ("a", "b"), ("b", "c")])
    by_count = dbt_scheduling.critical_path_scores(graph)
    assert by_count["a"] < by_count["slow"]  # three nodes against one
    seconds = {"root": 0.1, "slow": 2.0, "a": 0.1, "b": 0.1, "c": 0.1}
    by_time = dbt_scheduling.critical_path_scores(graph, seconds)
    assert by_time["slow"] < by_time["a"]
    assert by_time["root"] == -2.1
    # a node no build timed counts as the median node
    unknown = dbt_scheduling.critical_path_scores(graph, {"slow": 2.0, "a": 0.1, "b": 0.3})
    assert unknown["c"] == -0.3 and unknown["root"] == -2.3


def test_node_times_are_kept_added_to_and_never_required(tmp_path):
    path = tmp_path / dbt_scheduling.NODE_SECONDS_FILE
    assert dbt_scheduling.read_node_seconds(path) == {}
    dbt_scheduling.keep_node_seconds(path, {"model.p.a": 1.23456, "test.p.t": 0.05})
    dbt_scheduling.keep_node_seconds(path, {"model.p.a": 0.5})
    assert dbt_scheduling.read_node_seconds(path) == {"model.p.a": 0.5, "test.p.t": 0.05}
    for text in ("not json", "[1, 2]", '{"model.p.a": "slow", "model.p.b": -1}'):
        path.write_text(text, encoding="utf-8")
        assert dbt_scheduling.read_node_seconds(path) == {}


class _Manifest:
    """What GraphQueue.get asks of a manifest: the node for an id."""

    def expect(self, unique_id: str) -> str:
        return unique_id


def test_a_node_leaves_the_queue_only_when_a_thread_is_free():
    graph = nx.DiGraph([("first", "later")])
    graph.add_nodes_from(["second", "third"])
    queue = GraphQueue(graph, _Manifest(), {"first", "second", "third", "later"})
    queue.threads = 2
    get = dbt_scheduling.get_when_a_thread_is_free(GraphQueue.get)
    taken = [get(queue), get(queue)]
    waiting: list[str] = []
    taker = threading.Thread(target=lambda: waiting.append(get(queue)))
    taker.start()
    time.sleep(0.3)
    assert waiting == []  # two nodes in progress, two threads: the third waits
    queue.mark_done(taken[0])
    taker.join(timeout=5)
    assert len(waiting) == 1
    assert set(taken + waiting) <= {"first", "second", "third", "later"}


PROJECT = {
    "dbt_project.yml": (
        "name: order\nversion: '1.0'\nprofile: order\nconfig-version: 2\n"
        "models:\n  order:\n    +materialized: table\n"
    ),
    "profiles.yml": (
        "order:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        "      path: '{directory}/order.duckdb'\n      threads: 1\n"
    ),
    "models/root.sql": "select 1 as id",
    "models/quick.sql": "select id from {{ ref('root') }}",
    "models/slow.sql": "select id from {{ ref('root') }}",
}


def _build(directory: Path, home: Path) -> list[str]:
    env = {
        **os.environ,
        "ALCAP_HOME": str(home),
        "DBT_PROFILES_DIR": str(directory),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    env.pop("ALCAP_DBT_WARM_SOCKET", None)
    done = subprocess.run(
        [DBT_CLIENT, "build", "--project-dir", str(directory)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    results = json.loads((directory / "target" / "run_results.json").read_text(encoding="utf-8"))
    started = {
        result["unique_id"]: min(step["started_at"] for step in result["timing"])
        for result in results["results"]
    }
    return sorted(started, key=started.get)


def test_alcap_dbt_keeps_each_nodes_time_and_runs_the_slow_one_first(tmp_path):
    directory, home = tmp_path / "project", tmp_path / "home"
    home.mkdir()
    for name, text in PROJECT.items():
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_text(text.replace("{directory}", str(directory)), encoding="utf-8")
    kept = home / dbt_scheduling.NODE_SECONDS_FILE

    _build(directory, home)
    nodes = {"model.order.root", "model.order.quick", "model.order.slow"}
    assert set(dbt_scheduling.read_node_seconds(kept)) == nodes

    # Told `quick` took longer, one thread runs it first; told `slow` did, `slow` goes first.
    for first, second in (("quick", "slow"), ("slow", "quick")):
        times = {"model.order.root": 0.01, f"model.order.{first}": 5.0}
        kept.write_text(json.dumps(times | {f"model.order.{second}": 0.01}), encoding="utf-8")
        order = _build(directory, home)
        assert order == ["model.order.root", f"model.order.{first}", f"model.order.{second}"]
        # and the build's own times replace what it was told
        assert dbt_scheduling.read_node_seconds(kept)[f"model.order.{first}"] < 5.0
