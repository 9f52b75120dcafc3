"""heap.loading: no collection inside, the loaded objects frozen after, the collector as it was."""

from conftest import python_output

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
    assert python_output(SEEN).strip() == "[False, True, True, False]"
