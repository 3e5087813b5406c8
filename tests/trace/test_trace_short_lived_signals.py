"""Short-lived signal instances (``self.changed = Signal()`` in a model's ``__init__``) cost the
trace one token per place that creates them, not one per instance: memory stays flat."""

from __future__ import annotations

import gc
import tracemalloc
from typing import Any

import pytest
from django.dispatch import Signal

from pytest_signaltrace.trace import Installation, Recorder
from pytest_signaltrace.trace import recorder as recorder_module

STRICT_ROUNDS = 3


class Model:
    """Creates two signals per instance; one runs a receiver, one runs none."""

    def __init__(self) -> None:
        self.changed = Signal()
        self.quiet = Signal()
        self.changed.connect(self.on_change)

    def on_change(self, sender: object, **kwargs: Any) -> None:
        pass

    def touch(self) -> None:
        self.changed.send(sender=self)
        self.quiet.send_robust(sender=self)


def churn(count: int) -> None:
    for _ in range(count):
        Model().touch()
    gc.collect()


def test_the_rows_of_dead_signals_fold_into_one_per_creation_site(
    installation: Installation, recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(recorder_module, "FOLD_EVERY", 50)
    recorder.current_test = "t.py::test_churn"
    known = len(recorder.signals._infos)
    churn(1_000)
    # Signals that die in a reference cycle (Django 6.1 on CPython 3.13) die in batches, when the
    # collector runs; the dead are folded at the next signal's creation.
    Signal()

    # folded as they die: at most the last 50 dead signals still have rows of their own
    assert len(recorder.sends) <= 1 + 50
    assert len(recorder.tests) <= 1 + 50
    trace = recorder.snapshot()  # folds the rest
    assert (len(recorder.sends), len(recorder.tests)) == (1, 1)
    # one token per creation site: Model's two and the one above
    assert len(recorder.signals._infos) == known + 3
    counts = {(key.signal.line, key.method): n for key, n in trace.sends.items()}
    changed_line, quiet_line = (Model.__init__.__code__.co_firstlineno + i for i in (1, 2))
    assert counts == {(changed_line, "send"): 1_000, (quiet_line, "send_robust"): 1_000}
    assert [(key.handler.handler, n) for key, n in trace.receiver_calls.items()] == [
        (f"{__name__}.Model.on_change", 1_000)
    ]
    assert sum(trace.connects.values()) == 1_000
    assert [sorted(tests) for tests in trace.tests.values()] == [["t.py::test_churn"]]


def test_memory_does_not_grow_with_the_number_of_short_lived_signals(
    installation: Installation, recorder: Recorder
) -> None:
    recorder.current_test = "t.py::test_churn"
    churn(3_000)  # the first round creates the rows that stay (one per site)
    # measured with every dead signal folded: between folds up to FOLD_EVERY of them wait
    recorder.fold_dead_signals()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(STRICT_ROUNDS):
            churn(3_000)
        recorder.fold_dead_signals()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # before folding: about 2 KB per instance, 18 MB for these 9,000
    assert grown < 500_000, f"{grown} bytes kept by 9,000 dead signal instances"
