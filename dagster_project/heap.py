"""Python's cyclic garbage collector, kept off the start of a refresh.

Each full collection walks every object the process holds; while a refresh imports Dagster and
loads its definitions the heap grows by a quarter again and again, and each growth set one off:
seven of them took 0.58 s of a one-file refresh at benchmark scale 100. Those objects live as
long as the process, so the collector skips the start and then leaves them out of its walks
(gc.freeze); it collects all that is made after as usual.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def loading() -> Iterator[None]:
    """No collection while the block loads long-lived objects; afterwards they are frozen."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
