"""The send patch's C fast path (trace/_fastsend.c) is a faithful stand-in for a function:
it binds as a method, forwards every call unchanged, keeps no reference, and records what the
pure-Python patch records."""

from __future__ import annotations

import _thread
import copy
import gc
import inspect
import os
import pickle
import shutil
import subprocess
import sys
import sysconfig
import time
import traceback
import weakref
from collections.abc import Iterator
from typing import Any

import pytest
from django.dispatch import Signal
from send_paths import fast_send_path

import pytest_signaltrace.trace
from pytest_signaltrace.trace import Installation, Recorder, install
from pytest_signaltrace.trace.patches import PURE_PYTHON_ENV, fast_send_class

HERE = os.path.dirname(os.path.abspath(__file__))
FastSend = fast_send_class()
needs_c = pytest.mark.skipif(FastSend is None, reason="the C extension was not built")


@pytest.fixture
def c_installation(recorder: Recorder) -> Iterator[Installation]:
    installed = install(recorder, [HERE])
    try:
        yield installed
    finally:
        installed.uninstall()


def on_placed(sender: object, **kwargs: object) -> str:
    return f"placed {kwargs.get('order')}"


def failing(sender: object, **kwargs: object) -> None:
    raise KeyError("sku")


@fast_send_path
@needs_c
def test_the_c_patch_replaces_send_unless_pure_python_is_asked_for(
    recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = Signal.__dict__["send"]
    installed = install(recorder, [HERE])
    try:
        assert type(Signal.__dict__["send"]) is FastSend
        assert type(Signal.__dict__["send_robust"]) is FastSend
    finally:
        installed.uninstall()
    assert Signal.__dict__["send"] is original
    monkeypatch.setenv(PURE_PYTHON_ENV, "1")
    installed = install(recorder, [HERE])
    try:
        assert inspect.isfunction(Signal.__dict__["send"])
    finally:
        installed.uninstall()


@needs_c
def test_the_c_patch_looks_like_the_method_it_replaces(c_installation: Installation) -> None:
    patched = Signal.__dict__["send"]
    original = patched.__wrapped__
    assert (patched.__name__, patched.__qualname__, patched.__module__, patched.__doc__) == (
        original.__name__,
        original.__qualname__,
        original.__module__,
        original.__doc__,
    )
    assert inspect.signature(Signal.send) == inspect.signature(original)
    sig = Signal()
    assert inspect.ismethod(sig.send)
    assert sig.send.__self__ is sig
    assert Signal.send is patched  # unbound, as a function is


@needs_c
def test_calls_are_forwarded_unchanged(c_installation: Installation) -> None:
    sig = Signal()
    sig.connect(on_placed, weak=False)
    assert sig.send(sender=None, order=7) == [(on_placed, "placed 7")]
    assert sig.send(None, order=8) == [(on_placed, "placed 8")]  # sender by position
    assert Signal.send(sig, sender=None, order=9) == [(on_placed, "placed 9")]
    with pytest.raises(TypeError):
        sig.send()  # no sender: the original's own error
    with pytest.raises(TypeError):
        Signal.send()  # no signal at all


@needs_c
def test_a_failing_send_raises_as_before_and_is_recorded(
    c_installation: Installation, recorder: Recorder
) -> None:
    sig = Signal()
    sig.connect(on_placed, weak=False)
    sig.connect(failing, weak=False)
    with pytest.raises(KeyError) as info:
        sig.send(sender=None)
    frames = [frame.name for frame in traceback.extract_tb(info.value.__traceback__)]
    assert frames[-1] == "failing"  # the receiver's frame is kept in the traceback
    trace = recorder.snapshot()
    ran = {key.handler.handler.rsplit(".", 1)[-1] for key in trace.receiver_calls}
    assert ran == {"on_placed", "failing"}  # both ran: one returned, one raised


@needs_c
def test_the_c_patch_keeps_no_signal_sender_or_result_alive(c_installation: Installation) -> None:
    class Sender:
        pass

    sig, sender = Signal(), Sender()
    sig.send(sender=sender)  # a quiet send: counted in C
    sig.connect(on_placed, weak=False)
    result = sig.send(sender=sender)  # a send that ran a receiver: recorded in Python
    refs = [weakref.ref(sig), weakref.ref(sender)]
    del sig, sender, result
    gc.collect()
    assert [ref() for ref in refs] == [None, None]


@needs_c
def test_a_kept_reference_passes_calls_through_after_uninstall(recorder: Recorder) -> None:
    installed = install(recorder, [HERE])
    patched = Signal.__dict__["send"]
    installed.uninstall()
    sig = Signal()
    sig.connect(on_placed, weak=False)
    before = recorder.snapshot()
    assert patched(sig, sender=None, order=1) == [(on_placed, "placed 1")]
    assert recorder.snapshot() == before


def fire_twice(sig: Signal, **named: Any) -> None:
    for _ in range(2):
        sig.send(sender=None, **named)


def test_c_and_python_patches_record_the_same(
    recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    traces = []
    for pure in ("", "1"):
        if not pure and FastSend is None:
            pytest.skip("the C extension was not built")
        monkeypatch.setenv(PURE_PYTHON_ENV, pure)
        recorder = Recorder()
        recorder.current_test = "t.py::test_it"
        installed = install(recorder, [HERE])
        try:
            quiet, loud = Signal(), Signal()
            loud.connect(on_placed, weak=False)
            for sig in (quiet, loud):
                fire_twice(sig, order=1)
                fire_twice(sig)
                sig.send_robust(sender=None)
        finally:
            installed.uninstall()
        traces.append(recorder.snapshot())
    assert traces[0] == traces[1]
    assert sum(traces[0].sends.values()) == 10


def test_a_signals_send_is_weakly_referenced_as_a_function_is(installation: Installation) -> None:
    relay, quiet = Signal(), Signal()
    relay.connect(quiet.send)  # weak=True: a WeakMethod, which weakly references the function
    ref = weakref.WeakMethod(quiet.send)
    assert ref() == quiet.send
    assert relay.has_listeners()
    del quiet
    gc.collect()
    assert ref() is None
    assert not relay.has_listeners()


def test_the_patched_send_is_copied_and_pickled_as_a_function_is(
    installation: Installation,
) -> None:
    assert copy.copy(Signal.send) is Signal.send
    assert copy.deepcopy({"handler": Signal.send})["handler"] is Signal.send
    assert pickle.loads(pickle.dumps(Signal.send)) is Signal.send  # by qualified name


def test_a_signals_send_connected_as_a_receiver_takes_the_signal_keyword(
    installation: Installation,
) -> None:
    celery_signal = pytest.importorskip("celery.utils.dispatch.signal").Signal
    for cls in (Signal, celery_signal):
        relay, quiet = cls(), cls()
        relay.connect(quiet.send, weak=False)
        # a receiver is called as receiver(signal=relay, sender=None): send's self is by position
        assert relay.send(sender=None) == [(quiet.send, [])]
        assert relay.send_robust(sender=None) == [(quiet.send, [])]


@fast_send_path
def test_a_send_run_from_c_with_no_python_caller_is_untouched_and_recorded_without_a_site(
    installation: Installation, recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    unraisable: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    sig, ran = Signal(), []
    sig.connect(lambda sender, **kwargs: ran.append(sender), weak=False)
    sig.connect(failing, weak=False)
    threads = _thread._count()
    # a thread whose function is the bound method itself: no Python frame calls send
    _thread.start_new_thread(sig.send_robust, ("robust",))
    _thread.start_new_thread(sig.send, ("plain",))
    deadline = time.monotonic() + 10
    while (len(ran) < 2 or _thread._count() > threads) and time.monotonic() < deadline:
        time.sleep(0.01)  # both threads started, then ended
    assert sorted(ran) == ["plain", "robust"]
    assert [type(u.exc_value) for u in unraisable] == [KeyError]  # send's own error, as untraced
    trace = recorder.snapshot()
    sites = {(key.method, key.site) for key in trace.sends}
    assert sites == {("send", None), ("send_robust", None)}
    ran_handlers = {key.handler.handler.rsplit(".", 1)[-1] for key in trace.receiver_calls}
    assert "failing" in ran_handlers


def test_a_keyboard_interrupt_during_the_recording_reaches_the_caller(
    installation: Installation, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt  # as from a SIGINT handler run in the middle of the recording

    monkeypatch.setattr(installation.recorder.quiet, "count_new", interrupted)
    monkeypatch.setattr(installation, "_record_result", interrupted)  # Django 4.2's send
    monkeypatch.setattr(installation, "_record_failure", interrupted)
    sig = Signal()
    with pytest.raises(KeyboardInterrupt):
        sig.send(sender=None)
    sig.connect(failing, weak=False)
    with pytest.raises(KeyboardInterrupt) as info:
        sig.send(sender=None)
    assert isinstance(info.value.__context__, KeyError)  # raised while the send's error was handled


def test_the_extension_compiles_with_all_and_extra_warnings_as_errors() -> None:
    compiler = shutil.which(os.environ.get("CC", "cc"))
    include = sysconfig.get_paths()["include"]
    if compiler is None or not os.path.exists(os.path.join(include, "Python.h")):
        pytest.skip("no C compiler or no Python headers")
    source = os.path.join(os.path.dirname(pytest_signaltrace.trace.__file__), "_fastsend.c")
    command = [compiler, "-fsyntax-only", "-Wall", "-Wextra", "-Werror", f"-I{include}", source]
    build = subprocess.run(command, capture_output=True, text=True, check=False)
    assert build.returncode == 0, build.stderr
