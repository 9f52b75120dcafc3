"""heap.loading: no collection inside, the loaded objects frozen after, the collector as it was."""

import os
import subprocess
import sys

from dagster_project.settings import PROJECT_ROOT

SEEN = """
import gc
from dagster_project import heap
seen = []
with heap.loading():
    seen.append(gc.isenabled())
    kept = [[index] for index in range(1000)]
seen += [gc.isenabled(), gc.get_freeze_count() >= 1000]
gc.disable()
with heap.loading():
    pass
seen.append(gc.isenabled())
print(seen)
"""


def test_loading_pauses_the_collector_and_freezes_what_was_loaded():
    seen = subprocess.run(
        [sys.executable, "-c", SEEN],
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert seen.strip() == "[False, True, True, False]"
