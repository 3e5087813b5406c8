"""The end of the run without the cyclic garbage collector's passes over the test process.

Building the report allocates tens of thousands of short-lived objects, freed by reference
counting as it goes; each 700 allocations start a collection of the youngest generation, and
every tenth of those one of the next, so the end of a run also pays for passes over the whole
heap of the test suite (the models, the test client, the framework), which can cost more than
the report. Paused, none runs; the objects the end of the run leaves are collected with the
next collection after it, as they would have been by a later one.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block (if it runs: a suite that disabled it
    keeps it disabled)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
