"""The C send patch finds its caller without a frame object, and remembers quiet counters two
ways per set: it counts exactly what the pure-Python patch counts, from every kind of caller."""

from __future__ import annotations

import asyncio
import functools
import gc
import itertools
import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django.dispatch import Signal
from send_paths import fast_send_path

from pytest_signaltrace.trace import Installation, Recorder, Trace, install
from pytest_signaltrace.trace.patches import PURE_PYTHON_ENV, fast_send_class

HERE = os.path.dirname(os.path.abspath(__file__))
fastsend = pytest.importorskip("pytest_signaltrace.trace._fastsend")


def on_call(sender: object, **kwargs: object) -> str:
    return "ran"


def sends_from_every_kind_of_caller(sig: Signal) -> None:
    """Send ``sig`` from callers whose frames differ in what precedes their first instruction
    (cells, free variables, generators, coroutines), from code the interpreter runs for C
    (map, a finaliser) and from compiled source: 14 sends."""
    sig.send(sender=None)  # a plain function
    cell = sig  # a cell: MAKE_CELL runs before the first traceable instruction

    def closure() -> object:
        return cell.send(sender="closure")  # free variables: COPY_FREE_VARS first

    closure()
    (lambda: sig.send(sender="lambda"))()
    [sig.send(sender="comprehension") for _ in range(2)]  # inlined on 3.12+

    def generator() -> Iterator[object]:
        yield sig.send(sender="generator")
        yield sig.send(sender="generator")

    list(generator())

    async def coroutine() -> object:
        await asyncio.sleep(0)
        return sig.send(sender="coroutine")

    asyncio.run(coroutine())
    list(map(sig.send, ["map"] * 2))  # called by C: the caller is this frame

    class Finalised:
        def __del__(self) -> None:
            sig.send(sender="finaliser")

    Finalised()
    gc.collect()
    exec(compile("sig.send(sender='exec')\n" * 2, "<bench>", "exec"), {"sig": sig})

    class Body:
        sig.send(sender="class body")


def trace_of(pure: str, monkeypatch: pytest.MonkeyPatch, rounds: int = 3) -> Trace:
    monkeypatch.setenv(PURE_PYTHON_ENV, pure)
    recorder = Recorder()
    recorder.current_test = "t.py::test_it"
    installed = install(recorder, [HERE])
    try:
        quiet, loud = Signal(), Signal()
        loud.connect(on_call, weak=False)
        for _ in range(rounds):  # the rounds after the first take the fast paths
            for sig in (quiet, loud):
                sends_from_every_kind_of_caller(sig)
    finally:
        installed.uninstall()
    return recorder.snapshot()


@fast_send_path
def test_the_c_patch_counts_every_kind_of_caller_as_the_python_patch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if fast_send_class() is None:
        pytest.skip("the C extension was not built")
    c_trace, python_trace = trace_of("", monkeypatch), trace_of("1", monkeypatch)
    assert c_trace == python_trace
    assert sum(c_trace.sends.values()) == 2 * 3 * 14


@pytest.fixture
def c_patch(recorder: Recorder) -> Iterator[tuple[Installation, Any]]:
    if fast_send_class() is None:
        pytest.skip("the C extension was not built")
    recorder.current_test = "t.py::test_it"
    installed = install(recorder, [HERE])
    try:
        yield installed, Signal.__dict__["send"]
    finally:
        installed.uninstall()


def send_line(sig: Signal) -> object:
    return sig.send(sender=None)


def send_line_offset() -> int:
    """The instruction offset of ``send_line``'s call of ``send``, as the patch sees it."""
    seen: list[int] = []
    probe = Signal()
    # the receiver <- the original send <- send_line (the C patch has no frame of its own)
    probe.connect(lambda sender, **kwargs: seen.append(sys._getframe(2).f_lasti), weak=False)
    send_line(probe)
    return seen[0]


@fast_send_path
def test_two_quiet_sends_that_share_a_cache_set_both_stay_remembered(
    c_patch: tuple[Installation, Any],
) -> None:
    _, patch = c_patch
    code, lasti = send_line.__code__, send_line_offset()
    signals: dict[int, Signal] = {}
    for _ in range(200):  # two signals whose sends from send_line land in one set
        sig = Signal()
        where = fastsend.quiet_set(sig, code, lasti)
        if where in signals:
            first, second = signals[where], sig
            break
        signals[where] = sig
    else:
        pytest.fail("no two of 200 signals share one of 16 sets")
    for sig in (first, second):
        for _ in range(2):  # the first is recorded by Python, the second remembered
            send_line(sig)
    hits = patch.quiet_hits
    for sig in itertools.islice(itertools.cycle((first, second)), 20):
        send_line(sig)
    assert patch.quiet_hits - hits == 20  # one way per set: each evicts the other, 0


@fast_send_path
def test_counted_sends_make_no_frame_object(
    c_patch: tuple[Installation, Any], recorder: Recorder
) -> None:
    if not fastsend.FRAME_RECORDS:
        pytest.skip("this CPython's frame records are not read: PyEval_GetFrame")
    _, patch = c_patch
    quiet, loud = Signal(), Signal()
    loud.connect(on_call, weak=False)
    for sig in (quiet, loud, quiet, loud):
        send_line(sig)  # seen by the Python side first: a frame object each
    made = patch.frames_made
    for _ in range(10):
        send_line(quiet)
        send_line(loud)
    assert patch.frames_made == made
    assert sum(recorder.snapshot().sends.values()) == 24


class Order:
    pass


class Invoice:
    pass


@fast_send_path
def test_a_signal_remembered_as_not_watched_is_noted_once_watched(
    installation: Installation, recorder: Recorder
) -> None:
    other, sig = Signal(), Signal()
    other.connect(on_call, sender=Order, weak=False)  # a watched signal: the check runs
    for _ in range(3):
        sig.send(sender=Order)  # not watched: the C patch remembers so
    sig.connect(on_call, sender=Invoice, weak=False)  # watched from now on
    sig.send(sender=Order)
    described = recorder.senders_seen.described()
    assert described[recorder.signals.token(sig)] == {f"{__name__}.Order"}


class Listener:
    def on_signal(self, sender: object, **kwargs: object) -> str:
        return "listened"


def failing(sender: object, **kwargs: object) -> None:
    raise KeyError("receiver failed")


def store(data: dict[str, object], sender: object, **kwargs: object) -> None:
    data["sender"] = sender


#: Library code outside the project root: its sends' rows settle once its walks are done.
LIBRARY_FILE = "/opt/lib/site-packages/sigtrace_rows/rows.py"


def library_send() -> Any:
    namespace: dict[str, Any] = {}
    source = "def send(sig):\n    return sig.send(sender=None)\n"
    exec(compile(source, LIBRARY_FILE, "exec"), namespace)
    return namespace["send"]


def sends_with_changing_receivers(recorder: Recorder) -> None:
    """Sends whose rows, receivers or tests change between sends from one line."""
    sig, listener, from_library = Signal(), Listener(), library_send()
    sig.connect(on_call, weak=False)
    for test in ("t.py::test_a", "t.py::test_b", None, "t.py::test_a"):
        recorder.current_test = test
        for _ in range(3):
            send_line(sig)
    sig.connect(listener.on_signal)  # a bound method, made anew by every send
    for _ in range(3):
        send_line(sig)
    for n in range(3):  # a new partial per request, as Django's test client connects
        sig.connect(functools.partial(store, {}), dispatch_uid=f"render-{n}")
        send_line(sig)
        sig.disconnect(dispatch_uid=f"render-{n}")
    sig.connect(failing, weak=False)
    for _ in range(3):
        sig.send_robust(sender=None)  # a receiver's exception returned: record_raises
    sig.disconnect(failing)
    for _ in range(20):  # the first sends walk to the project frame, the rest do not
        from_library(sig)
    sig.disconnect(on_call)
    for _ in range(3):
        send_line(sig)


@fast_send_path
def test_sends_with_receivers_count_the_same_from_the_cache_of_rows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if fast_send_class() is None:
        pytest.skip("the C extension was not built")
    traces, hits = [], 0
    for pure in ("", "1"):
        monkeypatch.setenv(PURE_PYTHON_ENV, pure)
        recorder = Recorder()
        installed = install(recorder, [HERE])
        try:
            sends_with_changing_receivers(recorder)
            if not pure:
                hits = Signal.__dict__["send"].loud_hits
        finally:
            installed.uninstall()
        traces.append(recorder.snapshot())
    assert traces[0] == traces[1]
    assert sum(traces[0].sends.values()) == 12 + 3 + 3 + 3 + 20 + 3
    assert hits >= 20  # most repeated sends were counted from the cache


@fast_send_path
def test_two_signals_that_share_a_set_both_stay_remembered_as_not_watched(
    c_patch: tuple[Installation, Any],
) -> None:
    _, patch = c_patch
    watched = Signal()
    watched.connect(on_call, sender=Order, weak=False)  # a watched signal: the check runs
    signals: dict[int, Signal] = {}
    for _ in range(100):  # two signals in one set (pre_init and post_init once were)
        sig = Signal()
        where = fastsend.unwatched_set(sig)
        if where in signals:
            first, second = signals[where], sig
            break
        signals[where] = sig
    else:
        pytest.fail("no two of 100 signals share one of 8 sets")
    send_line(first)
    send_line(second)
    hits = patch.unwatched_hits
    for sig in itertools.islice(itertools.cycle((first, second)), 20):
        send_line(sig)
    assert patch.unwatched_hits - hits == 20
