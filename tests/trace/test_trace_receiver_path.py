"""The C patch's receiver path (trace/_fastsend.c) records what the pure-Python ``record()``
records: the same rows, walks to the project frame, per-test sets, raises and faults, for every
kind of receiver; and it does take the sends it should, with no Python code of the patch."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

import pytest
from django.dispatch import Signal
from send_paths import fast_send_path

from pytest_signaltrace.trace import Installation, Recorder, Trace, install
from pytest_signaltrace.trace import send_patch as send_patch_module
from pytest_signaltrace.trace.faults import SignalTraceWarning
from pytest_signaltrace.trace.frames import WALKS_PER_SITE
from pytest_signaltrace.trace.patches import PURE_PYTHON_ENV, fast_send_class

HERE = os.path.dirname(os.path.abspath(__file__))
#: Library code outside the project root (the tests' folder), as a framework's own send.
LIBRARY_FILE = "/opt/lib/site-packages/sigtrace_receivers/relay.py"
PATCH_FILE = send_patch_module.__file__
needs_c = pytest.mark.skipif(fast_send_class() is None, reason="the C extension was not built")


def library_relay() -> Callable[..., Any]:
    """``relay(send)``: calls ``send(sender=None)`` from a library file, two frames deep."""
    source = (
        "def relay_inner(send):\n"
        "    return send(sender=None)\n"
        "def relay(send):\n"
        "    return relay_inner(send)\n"
    )
    namespace: dict[str, Any] = {}
    exec(compile(source, LIBRARY_FILE, "exec"), namespace)
    return namespace["relay"]  # type: ignore[no-any-return]


def on_saved(sender: object, **kwargs: object) -> str:
    return "saved"


def on_late(sender: object, **kwargs: object) -> str:
    return "late"


def tagged(tag: str, sender: object, **kwargs: object) -> str:
    return tag


def failing(sender: object, **kwargs: object) -> None:
    raise KeyError("sku")


class Shop:
    def on_order(self, sender: object, **kwargs: object) -> str:
        return "method"


class CallableReceiver:
    def __call__(self, sender: object, **kwargs: object) -> str:
        return "instance"


class Signals:
    """The signals :func:`run_everything` sends, connected before the patches are in (so their
    receivers are new to the trace at their first send)."""

    def __init__(self) -> None:
        self.shop, self.other_shop = Shop(), Shop()
        self.one, self.three, self.robust, self.late = Signal(), Signal(), Signal(), Signal()
        self.one.connect(on_saved, weak=False)
        self.three.connect(on_saved, weak=False)
        self.three.connect(self.shop.on_order, weak=False)
        self.three.connect(functools.partial(tagged, "partial"), weak=False)
        self.robust.connect(on_saved, weak=False)
        self.robust.connect(failing, weak=False)
        self.late.connect(self.other_shop.on_order, weak=False)
        blinker = pytest.importorskip("blinker")
        self.blinker = blinker.Signal()  # sent through the same C patch, sender by position
        self.blinker.connect(on_saved)


def run_everything(recorder: Recorder, signals: Signals) -> None:
    """Sends of every shape the receiver path meets, under two tests and between tests."""
    one, three, robust, late = signals.one, signals.three, signals.robust, signals.late
    relay = library_relay()
    for round_, test in enumerate(("t.py::test_a", None, "t.py::test_b")):
        recorder.current_test = test
        if round_ == 1:
            late.connect(on_late, weak=False)  # connected at run time
        if round_ == 2:
            late.connect(CallableReceiver(), weak=False)  # never a function: record() each time
        for _ in range(WALKS_PER_SITE + 3):
            one.send(sender=None)
            one.send_robust(sender=None)
            three.send(sender=None)
            three.send_robust(sender=None)
            robust.send_robust(sender=None)  # a receiver raises: record() notes it
            late.send(sender=None)
            relay(one.send)  # from a library: walks to the project frame, then stops
            relay(three.send_robust)
            signals.blinker.send(None)
    recorder.current_test = None


def trace_of(monkeypatch: pytest.MonkeyPatch, pure: bool) -> Trace:
    """The trace of :func:`run_everything` with the C or the pure-Python send patch."""
    monkeypatch.setenv(PURE_PYTHON_ENV, "1" if pure else "")
    recorder, signals = Recorder(), Signals()
    installed = install(recorder, [HERE])
    try:
        run_everything(recorder, signals)
    finally:
        installed.uninstall()
    return recorder.snapshot()


@fast_send_path
@needs_c
def test_the_c_and_python_receiver_paths_record_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    c_trace, python_trace = trace_of(monkeypatch, pure=False), trace_of(monkeypatch, pure=True)

    assert c_trace == python_trace
    rounds = WALKS_PER_SITE + 3
    assert sum(c_trace.sends.values()) == 9 * 3 * rounds
    ran = {}
    for key, count in c_trace.receiver_calls.items():
        name = key.handler.handler.rsplit(".", 1)[1]
        ran[name] = ran.get(name, 0) + count
    assert ran == {
        "on_saved": 8 * 3 * rounds,
        "on_order": 4 * 3 * rounds,
        "tagged": 3 * 3 * rounds,
        "failing": 3 * rounds,
        "on_late": 2 * rounds,
        "__call__": rounds,  # CallableReceiver.__call__
    }
    tests = {
        key.handler.handler.rsplit(".", 1)[1]: sorted(nodes) for key, nodes in c_trace.tests.items()
    }
    assert tests["on_saved"] == ["t.py::test_a", "t.py::test_b"]
    assert tests["on_late"] == ["t.py::test_b"]  # ran in the round between tests too
    (raised,) = c_trace.raises.values()
    assert raised.count == 3 * rounds
    library_rows = [key for key in c_trace.sends if key.site and key.site.path == LIBRARY_FILE]
    walked = {key.project_site is not None for key in library_rows}
    assert walked == {True, False}  # the first sends of a library caller walk, later ones do not


def patch_calls(send: Callable[[], object]) -> int:
    """How many Python functions of send_patch.py ``send()`` ran (the patch's ``record``)."""
    calls = 0

    def profile(frame: FrameType, event: str, arg: object) -> None:
        nonlocal calls
        if event == "call" and frame.f_code.co_filename == PATCH_FILE:
            calls += 1

    sys.setprofile(profile)
    try:
        send()
    finally:
        sys.setprofile(None)
    return calls


@fast_send_path
@needs_c
def test_a_send_of_known_receivers_from_a_known_caller_runs_no_python_code_of_the_patch(
    recorder: Recorder,
) -> None:
    recorder.current_test = "t.py::test_it"
    signals = Signals()  # receivers connected before the patches: not known yet
    installed = install(recorder, [HERE])
    try:
        relay = library_relay()

        def send_three() -> object:
            return signals.three.send(sender=None)

        def relay_three() -> object:
            return relay(signals.three.send_robust)

        assert [patch_calls(send_three) for _ in range(3)] == [1, 0, 0]  # then known
        # a library caller: first sight of its file, its first walk, then known
        walks = [patch_calls(relay_three) for _ in range(WALKS_PER_SITE + 3)]
        assert walks == [1, 1] + [0] * (WALKS_PER_SITE + 1)
        signals.three.connect(on_late, weak=False)  # known from its connect
        assert patch_calls(send_three) == 0
        recorder.current_test = "t.py::test_other"
        assert patch_calls(send_three) == 0
        # a robust send whose receiver raised is noted by record(), every time
        robust = signals.robust.send_robust
        assert [patch_calls(lambda: robust(sender=None)) for _ in range(3)] == [1, 1, 1]
        late = signals.late.send
        late(sender=None)
        signals.late.connect(CallableReceiver(), weak=False)  # no function: record() each time
        assert [patch_calls(lambda: late(sender=None)) for _ in range(2)] == [1, 1]
        blinker_send = signals.blinker.send
        assert [patch_calls(lambda: blinker_send(None)) for _ in range(3)] == [1, 0, 0]
    finally:
        installed.uninstall()
    trace = recorder.snapshot()
    tests = {key.handler.handler.rsplit(".", 1)[1]: nodes for key, nodes in trace.tests.items()}
    assert tests["on_late"] == {"t.py::test_it", "t.py::test_other"}
    assert tests["tagged"] == {"t.py::test_it", "t.py::test_other"}


def test_a_fault_while_walking_is_reported_and_the_send_returns_its_result(
    installation: Installation, recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    sig = Signal()
    sig.connect(on_saved, weak=False)
    relay = library_relay()
    relay(sig.send)  # first sight of the caller's file
    relay(sig.send)  # first send that walks from it (record() makes its walk counter)

    def broken(raw: str) -> tuple[str, bool, bool]:
        raise OSError("no such file")

    installation.finder.files.pop(__file__, None)  # the next walk meets a file not seen yet
    monkeypatch.setattr(installation.finder, "_learn", broken)
    with pytest.warns(SignalTraceWarning, match="no such file"):
        assert relay(sig.send) == [(on_saved, "saved")]

    assert installation.faults.distinct == ["Signal.send: OSError('no such file')"]
    assert sum(recorder.snapshot().sends.values()) == 2  # the faulty send has no row


def test_a_keyboard_interrupt_while_walking_reaches_the_caller(
    installation: Installation, monkeypatch: pytest.MonkeyPatch
) -> None:
    sig = Signal()
    sig.connect(on_saved, weak=False)
    relay = library_relay()
    relay(sig.send)
    relay(sig.send)

    def interrupted(raw: str) -> tuple[str, bool, bool]:
        raise KeyboardInterrupt  # as from a SIGINT handler run in the middle of the walk

    installation.finder.files.pop(__file__, None)
    monkeypatch.setattr(installation.finder, "_learn", interrupted)
    with pytest.raises(KeyboardInterrupt):
        relay(sig.send)
