"""dbt started ahead (dagster_project/dbt_warm.py): `alcap-dbt`, the executable dagster-dbt
starts, hands its command to the waiting dbt process, which runs it as `dbt` would: the same
output, exit code and death by signal; one command, then plain dbt again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import python_output

from dagster_project.dbt_warm import SOCKET_ENV, run_dbt, warm_dbt
from dagster_project.settings import DBT_CLIENT as CLIENT
from dagster_project.settings import DBT_EXECUTABLE, DBT_PROJECT_DIR, PROJECT_ROOT


def run(executable: str, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [executable, *arguments], capture_output=True, text=True, timeout=120, check=False
    )


def served(process: subprocess.Popen) -> int:
    """The waiting process's exit status once it ran a command: it ends after one (a process
    still waiting would time out here)."""
    return process.wait(timeout=60)


def test_a_command_runs_in_the_waiting_dbt_as_dbt_runs_it():
    for arguments in (["--help"], ["no-such-command"]):
        cold = run(DBT_EXECUTABLE, *arguments)
        with warm_dbt() as process:
            warm = run(CLIENT, *arguments)
            assert served(process) == 0
        assert (warm.returncode, warm.stdout, warm.stderr) == (
            cold.returncode,
            cold.stdout,
            cold.stderr,
        )
    assert cold.returncode == 2 and "No such command" in cold.stderr
    assert "Usage: dbt " in run(CLIENT, "--help").stdout


def test_after_its_one_command_or_without_it_the_client_is_plain_dbt():
    with warm_dbt() as process:
        socket_path = Path(os.environ[SOCKET_ENV])
        assert run(CLIENT, "--help").returncode == 0
        served(process)
        again = run(CLIENT, "no-such-command")  # nobody waits on the socket any more
        assert again.returncode == 2 and "No such command" in again.stderr
    assert SOCKET_ENV not in os.environ
    assert not socket_path.exists() and not socket_path.parent.exists()
    assert run(CLIENT, "--help").returncode == 0


def test_a_waiting_dbt_nobody_asked_is_stopped_with_the_block():
    with warm_dbt() as process:
        socket_path = Path(os.environ[SOCKET_ENV])
        assert process.poll() is None and socket_path.exists()
    assert process.poll() is not None
    assert not socket_path.parent.exists()


def test_a_signal_to_the_client_reaches_the_dbt_running_its_command(tmp_path):
    """dagster-dbt stops a dbt it no longer wants by signalling the process it started."""
    arguments = ["parse", "--no-partial-parse", "--target-path", str(tmp_path / "target")]
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
        "DBT_LOG_PATH": str(tmp_path),
        "ALCAP_HOME": str(tmp_path / "home"),
    }
    with warm_dbt() as process:
        client = subprocess.Popen(
            [CLIENT, *arguments],
            cwd=DBT_PROJECT_DIR,
            env={**env, SOCKET_ENV: os.environ[SOCKET_ENV]},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        # The waiting process took the command once it works in the client's directory.
        deadline = time.monotonic() + 60
        while Path(f"/proc/{process.pid}/cwd").resolve() != DBT_PROJECT_DIR.resolve():
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.02)
        client.send_signal(signal.SIGTERM)
        assert client.wait(timeout=60) == -signal.SIGTERM
        assert process.wait(timeout=60) == -signal.SIGTERM
        client.stdout.close()


class Manifest:
    """What dbt's queue asks of a manifest: the node of an id (any object that is not a model)."""

    def expect(self, unique_id: str) -> str:
        return unique_id


def test_dbt_gives_its_threads_the_node_with_the_longest_chain_waiting_first(monkeypatch):
    """The shape of a claims refresh: after the normalised claims, three small dimensions and
    the reconciled claims are ready; the rest of the build waits on the reconciled claims, and
    after them the chain to the market shares is the longest."""
    import networkx as nx
    from dbt.graph.queue import GraphQueue

    edges = [
        ("normalised", "dim_chain_stages"),
        ("normalised", "dim_companies"),
        ("normalised", "reconciled"),
        ("reconciled", "dim_sources"),
        ("reconciled", "fct_claims"),
        ("reconciled", "national_totals"),
        ("national_totals", "shares_computed"),
        ("shares_computed", "market_share"),
    ]

    def order() -> list[str]:
        queue = GraphQueue(nx.DiGraph(edges), Manifest(), set())
        handed = []
        while len(queue):
            handed.append(queue.get())
            queue.mark_done(handed[-1])
        return handed

    assert order().index("dim_chain_stages") < order().index("reconciled")  # dbt's own order
    monkeypatch.setattr(GraphQueue, "_get_scores", GraphQueue._get_scores)  # restored after
    monkeypatch.setattr(sys, "argv", sys.argv)
    assert run_dbt(["--version"]) == 0  # how alcap-dbt runs dbt: with the order below
    handed = order()
    assert handed[:2] == ["normalised", "reconciled"]
    assert handed[2] == "national_totals"
    assert handed.index("shares_computed") < handed.index("fct_claims")
    assert sorted(handed) == sorted({node for edge in edges for node in edge})


# A dbt process as the waiting one runs its command: dbt, then the exit handlers, then it writes
# its exit code to the file named first and waits (it has not exited).
RUN_THEN_WAIT = """
import pathlib, sys
from dagster_project.dbt_warm import run_dbt, run_exit_handlers
reported, arguments = pathlib.Path(sys.argv[1]), sys.argv[2:]  # run_dbt sets sys.argv
code = run_dbt(arguments)
run_exit_handlers()
reported.write_text(str(code))
sys.stdin.read()
"""


def test_a_dbt_run_frees_the_warehouse_before_its_process_ends(tmp_path):
    """dbt-duckdb closes its database only as the dbt process exits (atexit), and the refresh's
    next step opens the warehouse read-write as soon as dbt has reported. The waiting process
    reports before it exits, so it runs the exit handlers first: here a process that ran a dbt
    command and the handlers, and is still alive, must leave the warehouse free."""
    import duckdb

    reported = tmp_path / "exit_code"
    arguments = ["seed", "--select", "chain_stages", "--target-path", str(tmp_path / "target")]
    arguments += ["--log-path", str(tmp_path)]
    env = {**os.environ, "ALCAP_HOME": str(tmp_path), "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    with open(tmp_path / "dbt_output", "w") as output:
        process = subprocess.Popen(
            [sys.executable, "-c", RUN_THEN_WAIT, str(reported), *arguments],
            cwd=DBT_PROJECT_DIR,
            env=env,
            stdin=subprocess.PIPE,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 120
        while not reported.exists() or not reported.read_text():
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.05)
        assert reported.read_text() == "0", (tmp_path / "dbt_output").read_text()[-2000:]
        assert process.poll() is None  # alive, and yet:
        duckdb.connect(str(tmp_path / "warehouse.duckdb")).close()  # not locked by dbt
    finally:
        process.stdin.close()
        process.wait(timeout=60)


LOCKS_SEEN = """
import sys, duckdb
from dagster_project.dbt_warm import holds_file_locks
seen = [holds_file_locks()]
connection = duckdb.connect(sys.argv[1])
seen.append(holds_file_locks())
connection.close()
seen.append(holds_file_locks())
print(seen)
"""


def test_the_lock_table_shows_the_databases_this_process_has_open(tmp_path):
    """run_exit_handlers collects garbage only while this process still locks a file (a fresh
    process: a test worker may have databases of other tests open)."""
    seen = python_output(LOCKS_SEEN, str(tmp_path / "locked.duckdb"))
    assert seen.strip() == "[False, True, False]"
