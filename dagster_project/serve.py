"""`alcap serve`: the Dagster daemon (schedule, sensor, run queue) and the web UI, on 127.0.0.1.

Both read the instance config under ALCAP_HOME (jobs.write_dagster_yaml), so run history, logs
and sensor cursors stay there. The daily schedule and the raw/ sensor are on by default.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from dagster_project.settings import PROJECT_ROOT, Settings

MODULE = "dagster_project.definitions"


def serve_commands(port: int) -> list[list[str]]:
    folder = Path(sys.executable).parent
    return [
        [str(folder / "dagster-daemon"), "run", "-m", MODULE],
        [str(folder / "dagster-webserver"), "-h", "127.0.0.1", "-p", str(port), "-m", MODULE],
    ]


def serve_environment(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "DAGSTER_HOME": str(settings.dagster_home),
        "ALCAP_HOME": str(settings.home),
        "ALCAP_RAW_DIR": str(settings.raw_dir),
    }


def _stop(signal_number, frame):
    raise KeyboardInterrupt


def serve(settings: Settings, port: int) -> int:
    from dagster_project.jobs import load_definitions, open_instance

    load_definitions(settings)  # parses the dbt project if it changed
    # Create the instance's SQLite storages here, once: the daemon and the UI (and their code
    # servers) started together on a new home each create them, and two at once can stamp
    # two schema versions, after which neither opens its storage.
    with open_instance(settings):
        pass
    environment = serve_environment(settings)
    processes = [
        subprocess.Popen(command, env=environment, cwd=PROJECT_ROOT)
        for command in serve_commands(port)
    ]
    print(
        f"Dagster UI on http://127.0.0.1:{port}; the daemon runs `daily_refresh` (06:00"
        " Asia/Shanghai) and `raw_files_changed` (raw/ by content); Ctrl-C stops both",
        flush=True,
    )
    signal.signal(signal.SIGTERM, _stop)
    stopped = False
    try:
        while all(process.poll() is None for process in processes):
            time.sleep(1)
    except KeyboardInterrupt:
        stopped = True
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    return 0 if stopped else 1
