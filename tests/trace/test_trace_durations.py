"""Receiver timing (``--signal-durations``): the bookkeeping, and the guarantees the timing
patches keep (same results, no strong reference, a raising receiver timed, nested sends, async,
threads, queries)."""

from __future__ import annotations

import asyncio
import gc
import threading
import time
import weakref
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import HERE
from django.db import connection
from django.dispatch import Signal

from pytest_signaltrace.trace import Installation, Recorder, Trace, install
from pytest_signaltrace.trace.costs import Cost, CostTable, merge_costs
from pytest_signaltrace.trace.durations import RUNNING, TimedReceiver
from pytest_signaltrace.trace.patches import PURE_PYTHON_ENV, fast_send_class

MS = 1_000_000


@pytest.fixture(params=["c", "python"])
def timed(
    request: pytest.FixtureRequest, recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Installation]:
    """The patches with receiver timing, over the C send patch and the pure-Python one."""
    if request.param == "python":
        monkeypatch.setenv(PURE_PYTHON_ENV, "1")
    elif fast_send_class() is None:
        pytest.skip("the C extension was not built")
    installed = install(recorder, [HERE], durations=True)
    try:
        yield installed
    finally:
        installed.uninstall()


def _costs(recorder: Recorder) -> dict[str, Cost]:
    return {
        key.handler.handler.rsplit(".", 1)[-1]: c
        for key, c in recorder.snapshot().durations.items()
    }


# --- the bookkeeping -------------------------------------------------------------------------


def test_a_cost_table_sums_calls_times_and_queries_and_keeps_the_longest_call() -> None:
    table = CostTable()
    table.add((0, 1), 10, 4, 2, "t::a")
    table.add((0, 1), 30, 30, 1, "t::b")
    table.add((0, 1), 20, 5, 0, "t::c")
    assert table.costs() == {(0, 1): Cost(3, 60, 39, 30, "t::b", 3)}


def test_folding_dead_signals_merges_their_cost_rows() -> None:
    table = CostTable()
    table.add((5, 1), 10, 10, 1, "t::a")
    table.add((7, 1), 25, 20, 0, "t::b")
    table.add((7, 2), 3, 3, 0, None)
    table.fold({5: 9, 7: 9})
    assert table.costs() == {(9, 1): Cost(2, 35, 30, 25, "t::b", 1), (9, 2): Cost(1, 3, 3, 3)}


def test_merging_costs_is_exact_and_the_order_of_merging_never_shows() -> None:
    first, second = Cost(2, 100, 60, 70, "t::z", 3), Cost(1, 70, 70, 70, "t::a", 0)
    assert first.merge(second) == second.merge(first) == Cost(3, 170, 130, 70, "t::a", 3)
    untested = Cost(1, 70, 70, 70, None, 0)
    assert untested.merge(second).max_test == second.merge(untested).max_test == "t::a"
    assert merge_costs([("k", first), ("k", second), ("j", untested)]) == {
        "k": Cost(3, 170, 130, 70, "t::a", 3),
        "j": untested,
    }


def test_a_trace_with_costs_survives_json_and_merges_them(recorder: Recorder) -> None:
    installed = install(recorder, [HERE], durations=True)
    try:
        signal = Signal()

        def handler(sender: object, **kwargs: object) -> None:
            pass

        signal.connect(handler)
        recorder.current_test = "t::json"
        signal.send(sender=None)
    finally:
        installed.uninstall()
    trace = recorder.snapshot()
    assert trace.durations
    document = trace.to_json()
    assert Trace.from_json(document) == trace
    doubled = Trace.from_json(document).merge(trace)
    (cost,) = doubled.durations.values()
    (single,) = trace.durations.values()
    assert (cost.calls, cost.total_ns) == (2, 2 * single.total_ns)
    without = {k: v for k, v in document.items() if k != "durations"}  # as version 2 wrote it
    assert Trace.from_json(without).durations == {}


def test_a_bad_cost_row_is_refused_with_where_it_is(recorder: Recorder) -> None:
    installed = install(recorder, [HERE], durations=True)
    try:
        signal = Signal()
        signal.connect(_plain, weak=False)
        signal.send(sender=None)
    finally:
        installed.uninstall()
    document = recorder.snapshot().to_json()
    document["durations"][0]["own_ns"] = document["durations"][0]["total_ns"] + 1
    with pytest.raises(ValueError, match=r"trace.durations\[0\]: own_ns and max_ns cannot"):
        Trace.from_json(document)


def _plain(sender: object, **kwargs: object) -> str:
    return "plain"


# --- the patches -----------------------------------------------------------------------------


def test_a_send_returns_the_receivers_themselves(timed: Installation, recorder: Recorder) -> None:
    signal = Signal()

    class Handler:
        def on(self, sender: object, **kwargs: object) -> int:
            return 7

    handler = Handler()
    signal.connect(handler.on)
    signal.connect(_plain, weak=False)
    for method in (signal.send, signal.send_robust):
        result = method(sender=None)
        assert result == [(handler.on, 7), (_plain, "plain")]
        assert all(type(receiver) is not TimedReceiver for receiver, _ in result)
    assert signal.has_listeners()
    assert signal._live_receivers(None)[0][1] is _plain
    assert _costs(recorder)["_plain"].calls == 2
    assert {
        key.handler.handler.rsplit(".", 1)[-1] for key in recorder.snapshot().receiver_calls
    } == {
        "on",
        "_plain",
    }


def test_a_weak_receiver_still_dies_after_a_timed_send(timed: Installation) -> None:
    signal = Signal()

    class Handler:
        def on(self, sender: object, **kwargs: object) -> None:
            pass

    handler = Handler()
    signal.connect(handler.on)
    signal.send(sender=None)
    dead = weakref.ref(handler)
    del handler
    gc.collect()
    assert dead() is None
    assert signal.send(sender=None) == []


def test_a_receiver_that_raises_is_timed_and_counted(
    timed: Installation, recorder: Recorder
) -> None:
    signal = Signal()

    def slow_failure(sender: object, **kwargs: object) -> None:
        time.sleep(0.01)
        raise ValueError("no")

    signal.connect(slow_failure)
    with pytest.raises(ValueError, match="no"):
        signal.send(sender=None)
    ((_, error),) = signal.send_robust(sender=None)
    assert isinstance(error, ValueError)
    cost = _costs(recorder)["slow_failure"]
    assert cost.calls == 2
    assert cost.total_ns >= 20 * MS
    (calls,) = recorder.snapshot().receiver_calls.values()
    assert calls == 2


def test_own_time_leaves_out_the_sends_a_receiver_makes(
    timed: Installation, recorder: Recorder
) -> None:
    outer, inner = Signal(), Signal()

    def parent(sender: object, **kwargs: object) -> None:
        time.sleep(0.01)
        inner.send(sender=None)

    def child(sender: object, **kwargs: object) -> None:
        time.sleep(0.02)

    outer.connect(parent)
    inner.connect(child)
    recorder.current_test = "t::nested"
    outer.send(sender=None)
    costs = _costs(recorder)
    assert costs["parent"].total_ns >= 30 * MS
    assert 10 * MS <= costs["parent"].own_ns <= costs["parent"].total_ns - costs["child"].total_ns
    assert costs["child"].own_ns == costs["child"].total_ns
    assert costs["parent"].max_test == "t::nested"
    assert RUNNING.get() is None


def test_async_receivers_are_timed_under_asend_and_send(
    timed: Installation, recorder: Recorder
) -> None:
    signal = Signal()

    async def waits(sender: object, **kwargs: object) -> str:
        await asyncio.sleep(0.01)
        return "waited"

    signal.connect(waits)
    assert asyncio.run(signal.asend(sender=None)) == [(waits, "waited")]
    assert asyncio.run(signal.asend_robust(sender=None)) == [(waits, "waited")]
    assert signal.send(sender=None) == [(waits, "waited")]
    cost = _costs(recorder)["waits"]
    assert cost.calls == 3
    assert cost.total_ns >= 30 * MS


def test_sends_from_threads_are_all_counted(timed: Installation, recorder: Recorder) -> None:
    signal = Signal()
    signal.connect(_plain, weak=False)

    def sends() -> None:
        for _ in range(200):
            signal.send(sender=None)

    threads = [threading.Thread(target=sends) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert _costs(recorder)["_plain"].calls == 800


@pytest.mark.django_db
def test_the_queries_a_receiver_issues_are_counted_while_timing_only(recorder: Recorder) -> None:
    signal = Signal()

    def queries(sender: object, **kwargs: object) -> None:
        with connection.cursor() as cursor:
            for _ in range(3):
                cursor.execute("SELECT 1")

    signal.connect(queries)
    installed = install(recorder, [HERE], durations=True)
    try:
        signal.send(sender=None)
        with connection.cursor() as cursor:  # outside any receiver: nobody's
            cursor.execute("SELECT 1")
        signal.send(sender=None)
        assert len(connection.execute_wrappers) == 1
    finally:
        installed.uninstall()
    assert connection.execute_wrappers == []
    assert _costs(recorder)["queries"].queries == 6


def test_without_durations_nothing_of_the_timing_is_installed(installation: Installation) -> None:
    signal = Signal()
    signal.connect(_plain, weak=False)
    assert installation.timer is None
    assert "_live_receivers" not in {p.rsplit(".", 1)[-1] for p in installation.patched}
    assert signal.send(sender=None) == [(_plain, "plain")]
    assert connection.execute_wrappers == []
    assert installation.recorder.snapshot().durations == {}


def test_the_receivers_run_in_the_order_and_with_the_arguments_they_had(
    timed: Installation,
) -> None:
    signal = Signal()
    seen: list[tuple[str, Any]] = []

    def first(sender: object, **kwargs: object) -> None:
        seen.append(("first", kwargs["signal"] is signal and kwargs["value"]))

    def second(sender: object, **kwargs: object) -> None:
        seen.append(("second", sender))

    signal.connect(first)
    signal.connect(second)
    signal.send(sender="web", value=3)
    assert seen == [("first", 3), ("second", "web")]


def test_celery_receivers_are_timed_and_their_results_kept(
    timed: Installation, recorder: Recorder
) -> None:
    celery_signal = pytest.importorskip("celery.utils.dispatch.signal")
    signal = celery_signal.Signal(name="sigtrace_durations")

    def on_task(sender: object = None, **kwargs: object) -> str:
        time.sleep(0.005)
        return "done"

    def fails(sender: object = None, **kwargs: object) -> None:
        raise KeyError("celery")

    signal.connect(on_task, weak=False)
    signal.connect(fails, weak=False)
    result = signal.send(sender=None)
    assert [pair[0] for pair in result] == [on_task, fails]
    costs = _costs(recorder)
    assert costs["on_task"].calls == costs["fails"].calls == 1
    assert costs["on_task"].total_ns >= 5 * MS
