"""Memory the trace keeps for short-lived signal instances (issue 22, item 16).

A model that creates ``self.changed = Signal()`` in ``__init__`` makes a new signal object per
instance. Each round creates ``N`` such models (two signals each: one that runs a receiver, one
that runs none), sends both, and lets them die; the figure is what tracemalloc still counts
after the round, from before the first round::

    python benchmarks/bench_short_lived_signals.py [N] [ROUNDS]

Before the fold of dead signals' rows (commit "Trace: the rows of dead signals fold...") each
round of 50,000 kept about 100 MB more; with it the figure stays near 1 MB.
"""

from __future__ import annotations

import gc
import os
import sys
import tracemalloc
from typing import Any

import django
from django.conf import settings

from pytest_signaltrace.trace import Recorder, install


class Model:
    """Two signals per instance, as a model with observable fields has."""

    def __init__(self) -> None:
        from django.dispatch import Signal

        self.changed = Signal()
        self.quiet = Signal()
        self.changed.connect(self.on_change)

    def on_change(self, sender: object, **kwargs: Any) -> None:
        pass

    def touch(self) -> None:
        self.changed.send(sender=self)
        self.quiet.send(sender=self)


def main() -> None:
    """Print the memory kept after each round, and the trace's totals."""
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    if not settings.configured:
        settings.configure()
    django.setup()
    recorder = Recorder()
    installation = install(recorder, [os.path.dirname(os.path.abspath(__file__))])
    recorder.current_test = "bench::round"
    tracemalloc.start()
    gc.collect()
    base = tracemalloc.get_traced_memory()[0]
    try:
        for number in range(1, rounds + 1):
            for _ in range(count):
                Model().touch()
            gc.collect()
            kept = (tracemalloc.get_traced_memory()[0] - base) / 1e6
            print(f"round {number}: {count:,} models, kept {kept:.1f} MB")
        trace = recorder.snapshot()
        print(
            f"sends {sum(trace.sends.values()):,}, receiver calls "
            f"{sum(trace.receiver_calls.values()):,}, connects {sum(trace.connects.values()):,}"
        )
    finally:
        installation.uninstall()


if __name__ == "__main__":
    main()
