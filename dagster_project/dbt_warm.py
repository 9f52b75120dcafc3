"""A dbt process started ahead of the refresh's `dbt build`, with dbt-core already imported.

Importing dbt-core takes 1.4 s of every dbt command (its dataclass codecs are compiled on
import), on the critical path of every refresh: the build waits for the raw load. So once
`alcap refresh` knows it will build, it starts `serve()` beside it (`warm_dbt()`), which imports
dbt while Dagster starts the run and the raw files load, then waits for one command.

dagster-dbt starts dbt as a subprocess and reads its output; the executable it starts is
`alcap-dbt` (`client()`, which imports nothing beyond the standard library and settings.py
until it must run dbt itself). With ALCAP_DBT_WARM_SOCKET set it hands its arguments,
environment, working directory and standard streams (file descriptors, over a Unix socket) to
the waiting process, which runs the command on them as `dbt` would (`run_dbt`: nodes critical
path first, see dbt_scheduling.py), and returns the exit code; signals sent to the client
reach it. Anything else (no socket, the process gone or used) and the client runs the command
itself, the same way: the waiting process saves time, never decides a result. It serves one
command and exits; it also exits when the refresh that started it is gone.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from dagster_project.settings import DBT_EXECUTABLE

SOCKET_ENV = "ALCAP_DBT_WARM_SOCKET"
LISTENER_FD_ENV = "ALCAP_DBT_WARM_LISTENER_FD"
MESSAGE_BYTES = 1 << 20
# A waiting process nobody asks gives up after this long (the refresh also stops it).
WAIT_SECONDS = 3600
FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def warm_dbt() -> Iterator[subprocess.Popen]:
    """While the block runs, a dbt process (yielded) waits for the first dbt command started
    from this process's environment (ALCAP_DBT_WARM_SOCKET names its socket); stopped at the
    end if it is still waiting."""
    folder = Path(tempfile.mkdtemp(prefix="alcap-dbt-"))
    path = folder / "dbt.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    process = None
    try:
        # Bound before the process starts: a client that comes early waits in the backlog.
        listener.bind(str(path))
        listener.listen(1)
        package_root = str(Path(__file__).resolve().parents[1])
        python_path = os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
        env = {**os.environ, "PYTHONPATH": python_path, LISTENER_FD_ENV: str(listener.fileno())}
        process = subprocess.Popen(
            [sys.executable, "-u", "-m", "dagster_project.dbt_warm"],
            env=env,
            pass_fds=[listener.fileno()],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        listener.close()
        os.environ[SOCKET_ENV] = str(path)
        yield process
    finally:
        os.environ.pop(SOCKET_ENV, None)
        listener.close()
        if process is not None:
            stop(process)
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
            folder.rmdir()


def stop(process: subprocess.Popen) -> None:
    """Stop a waiting process that got no command; one that runs a command has a client
    waiting for it, so by now it has finished."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def serve() -> int:
    """The waiting process: import dbt, take one command, run it as `dbt` would."""
    listener = socket.socket(fileno=int(os.environ.pop(LISTENER_FD_ENV)))
    parent = os.getppid()
    import dbt.adapters.duckdb  # noqa: F401  (the adapter dbt will load: imported now too)
    import dbt.cli.main  # noqa: F401

    # What dbt imported lives as long as this process: left out of the collector's full walks
    # (heap.py), which took 0.2 s more of a one-file refresh's dbt run at scale 100.
    gc.freeze()
    listener.settimeout(1.0)
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            connection, _ = listener.accept()
            break
        except TimeoutError:
            if os.getppid() != parent or time.monotonic() > deadline:
                return 0  # the refresh is gone: nobody will ask
    listener.close()
    connection.settimeout(None)
    with connection:
        message, fds, _, _ = socket.recv_fds(connection, MESSAGE_BYTES, 3)
        if len(fds) != 3:
            return 1
        request = json.loads(message)
        connection.sendall(str(os.getpid()).encode())
        for fd, standard in zip(fds, (0, 1, 2), strict=True):
            os.dup2(fd, standard)
            os.close(fd)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        code = run_dbt(request["args"])
        run_exit_handlers()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        # The client's reader sees the end of dbt's output only once every copy of its pipe
        # is closed, this process's included.
        for standard in (0, 1, 2):
            with contextlib.suppress(OSError):
                os.close(standard)
        with contextlib.suppress(OSError):
            connection.sendall(str(code).encode())
    return 0


def run_dbt(arguments: list[str]) -> int:
    """Run one dbt command in this process as the `dbt` executable does, nodes critical path
    first (dbt_scheduling.py); its exit code."""
    from dbt.cli.main import cli

    from dagster_project import dbt_scheduling
    from dagster_project.settings import alcap_home

    times = alcap_home() / dbt_scheduling.NODE_SECONDS_FILE
    measured = dbt_scheduling.schedule_critical_path_first(dbt_scheduling.read_node_seconds(times))
    sys.argv = [DBT_EXECUTABLE, *arguments]  # what dbt's own sys.argv[0] would be
    try:
        result = cli(prog_name="dbt")
        return result if isinstance(result, int) else 0
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    except KeyboardInterrupt:
        return 130
    finally:
        with contextlib.suppress(OSError):
            dbt_scheduling.keep_node_seconds(times, measured or {})


def run_exit_handlers() -> None:
    """Now, what a dbt process does as it exits, before its parent sees it end: dbt-duckdb
    closes its database at exit (atexit), which checkpoints and frees the warehouse file that
    the refresh's next step opens. (Handlers run once: Python forgets them after.)"""
    with contextlib.suppress(Exception):
        atexit._run_exitfuncs()
    # A database still open from a reference cycle closes when the cycle is collected. Only
    # then: a full collection over dbt's objects took 0.4 s of a one-file refresh at scale 100.
    if holds_file_locks():
        gc.collect()


def holds_file_locks() -> bool:
    """Whether this process holds a POSIX lock on a file (DuckDB locks the files it opens);
    True when the kernel's lock table cannot be read."""
    try:
        table = Path("/proc/locks").read_text(encoding="ascii", errors="replace")
    except OSError:
        return True
    pid = str(os.getpid())
    # "1: POSIX  ADVISORY  WRITE <pid> <device:inode> <start> <end>"; a waiter's line has "->"
    return any(
        [field for field in line.split() if field != "->"][4:5] == [pid]
        for line in table.splitlines()
    )


def client() -> None:
    """`alcap-dbt`: run the command in the waiting dbt process if there is one, else here."""
    arguments = sys.argv[1:]
    path = os.environ.get(SOCKET_ENV)
    code = run_warm(path, arguments) if path else None
    sys.exit(run_dbt(arguments) if code is None else code)


def run_warm(path: str, arguments: list[str]) -> int | None:
    """The command's exit code from the waiting process; None when it did not take it."""
    env = {name: value for name, value in os.environ.items() if name != SOCKET_ENV}
    request = json.dumps({"args": arguments, "env": env, "cwd": os.getcwd()}).encode()
    # Signals are caught from before the command is handed over: one that comes before the
    # process's pid is known reaches it as soon as it is.
    received: list[int] = []
    server: list[int] = []

    def forward(number, _frame):
        received.append(number)
        for pid in server:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, number)

    defaults = {number: signal.signal(number, forward) for number in FORWARDED_SIGNALS}
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as connection:
        try:
            connection.connect(path)
            socket.send_fds(connection, [request], [0, 1, 2])
            pid = connection.recv(64)
        except OSError:
            pid = b""
        if not pid:  # it did not take the command: run it here, or end as a signal says
            for number, default in defaults.items():
                signal.signal(number, default)
            for number in received:
                os.kill(os.getpid(), number)
            return None
        server.append(int(pid))
        for number in received:
            with contextlib.suppress(ProcessLookupError):
                os.kill(server[0], number)
        reply = connection.recv(64)
    if reply:
        return int(reply)
    if received:  # it died of the signal, as dbt would have: so does the client
        signal.signal(received[-1], signal.SIG_DFL)
        os.kill(os.getpid(), received[-1])
    print("alcap-dbt: the dbt process ended without an exit code", file=sys.stderr)
    return 1


if __name__ == "__main__":
    code = serve()
    # No interpreter teardown: after a command its exit handlers have run, and the client's
    # reader saw the end of dbt's output only once this process was gone (some copy of the
    # pipe outlives the standard streams): 0.3 s of every refresh at scale 100.
    os._exit(code)
