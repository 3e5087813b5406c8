"""The Django patches, against the real ``django.dispatch`` of the installed Django."""

from __future__ import annotations

import asyncio
import functools
import gc
import importlib
import inspect
import sys
import textwrap
import threading
import warnings
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import django
import pytest
from django.dispatch import Signal, receiver

from pytest_signaltrace.trace import (
    CodeRef,
    HandlerRef,
    Installation,
    ReceiverKey,
    Recorder,
    SignalTraceWarning,
    Trace,
)

HAS_ASYNC = django.VERSION >= (5, 0)
needs_async = pytest.mark.skipif(not HAS_ASYNC, reason="asend needs Django >= 5.0")


def line_of(function: Callable[..., Any], marker: str) -> int:
    """The line of ``function``'s source containing ``marker``."""
    lines, start = inspect.getsourcelines(function)
    for offset, text in enumerate(lines):
        if marker in text:
            return start + offset
    raise AssertionError(f"{marker!r} not in {function.__name__}")


def calls(trace: Trace, handler: str) -> int:
    """How many times ``handler`` (``module.qualname`` suffix) ran, over all signals."""
    return sum(
        n for key, n in trace.receiver_calls.items() if key.handler.handler.endswith(handler)
    )


def sends(trace: Trace, method: str = "send") -> int:
    return sum(n for key, n in trace.sends.items() if key.method == method)


#: The receivers of this file that really ran, in order: each appends its name as it starts
#: (the plugin's counts are checked against it, never against themselves).
RAN: list[str] = []


@pytest.fixture
def ran() -> Iterator[list[str]]:
    """:data:`RAN`, empty at the start of the test."""
    RAN.clear()
    yield RAN
    RAN.clear()


def on_a(sender: object, **kwargs: object) -> str:
    RAN.append("on_a")
    return "a"


def on_b(sender: object, **kwargs: object) -> str:
    RAN.append("on_b")
    return "b"


def on_c(sender: object, **kwargs: object) -> str:
    return "c"


class Boom(Exception):
    pass


def on_boom(sender: object, **kwargs: object) -> None:
    RAN.append("on_boom")
    raise Boom("receiver failed")


@pytest.fixture
def import_module(tmp_path: Path) -> Iterator[Callable[[str, str], Any]]:
    """``import_module(name, source)`` writes a module and imports it (after installation)."""
    sys.path.insert(0, str(tmp_path))
    names: list[str] = []

    def run(name: str, source: str) -> Any:
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")
        names.append(name)
        importlib.invalidate_caches()
        return importlib.import_module(name)

    try:
        yield run
    finally:
        sys.path.remove(str(tmp_path))
        for name in names:
            sys.modules.pop(name, None)


# --- creation, connect, disconnect --------------------------------------------------------


def test_it_records_creation_sites_and_definition_ids(
    installation: Installation, recorder: Recorder, import_module: Callable[[str, str], Any]
) -> None:
    module = import_module(
        "sigtrace_shop_signals",
        """
        from django.dispatch import Signal

        order_placed = Signal()


        class Hooks:
            ready = Signal()
        """,
    )
    module.order_placed.send(sender=None)
    module.Hooks.ready.send(sender=None)

    refs = {key.signal.signal: key.signal for key in recorder.snapshot().sends}

    placed = refs["sigtrace_shop_signals.order_placed"]
    assert placed.path == module.__file__
    assert placed.line == 4  # the source starts with a blank line
    assert refs["sigtrace_shop_signals.Hooks.ready"].line == 8


def test_a_subclass_init_records_the_user_line(
    installation: Installation, recorder: Recorder
) -> None:
    class MySignal(Signal):
        def __init__(self) -> None:
            super().__init__(use_caching=False)

    sig = MySignal()  # creation line
    sig.send(sender=None)

    (key,) = recorder.snapshot().sends
    line = line_of(test_a_subclass_init_records_the_user_line, "# creation line")
    assert (key.signal.path, key.signal.line) == (__file__, line)
    assert key.signal.signal is None  # a local: no definition id


def test_signals_that_existed_before_installation_get_their_definition_id(
    installation: Installation, recorder: Recorder
) -> None:
    from django.db.models.signals import post_save

    post_save.send(sender=None)

    (key,) = recorder.snapshot().sends
    assert key.signal.signal == "django.db.models.signals.post_save"


def test_it_records_receiver_decorators_and_connect_calls(
    installation: Installation, recorder: Recorder
) -> None:
    sig = Signal()

    @receiver(sig, dispatch_uid="uid-1")  # decorator line
    def handler(sender: object, **kwargs: object) -> None:
        pass

    sig.connect(on_a, sender=Recorder)  # connect line
    sig.connect(on_b, weak=False)

    connects = recorder.snapshot().connects
    by_handler = {key.handler.handler.rsplit(".", 1)[-1]: key for key in connects if key.handler}
    test = test_it_records_receiver_decorators_and_connect_calls
    assert by_handler["handler"].site == CodeRef(__file__, line_of(test, "# decorator line"))
    assert by_handler["handler"].dispatch_uid == "uid-1"
    assert by_handler["handler"].handler is not None
    assert by_handler["handler"].handler.handler == f"{__name__}.{test.__name__}.<locals>.handler"
    assert by_handler["on_a"].site == CodeRef(__file__, line_of(test, "# connect line"))
    assert by_handler["on_a"].sender == "pytest_signaltrace.trace.recorder.Recorder"
    assert sum(connects.values()) == 3


def test_a_model_signal_connect_is_recorded_at_the_callers_line(
    installation: Installation, recorder: Recorder
) -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.db.models.signals import post_init

    post_init.connect(on_a, sender=ContentType)  # model connect
    try:
        (key,) = recorder.snapshot().connects
    finally:
        post_init.disconnect(on_a, sender=ContentType)
    test = test_a_model_signal_connect_is_recorded_at_the_callers_line
    assert key.site == CodeRef(__file__, line_of(test, "# model connect"))
    assert key.sender == "django.contrib.contenttypes.models.ContentType"
    assert key.signal.signal == "django.db.models.signals.post_init"


def test_it_records_disconnects(installation: Installation, recorder: Recorder) -> None:
    sig = Signal()
    sig.connect(on_a)
    sig.connect(on_b, dispatch_uid="b")

    assert sig.disconnect(on_a) is True
    assert sig.disconnect(dispatch_uid="b") is True
    assert sig.disconnect(on_c) is False

    disconnects = recorder.snapshot().disconnects
    handlers = sorted(k.handler.handler if k.handler else "-" for k in disconnects)
    assert handlers == ["-", f"{__name__}.on_a", f"{__name__}.on_c"]
    assert not sig.receivers


# --- send, send_robust ----------------------------------------------------------------------


def test_a_send_with_no_receivers_is_recorded(
    installation: Installation, recorder: Recorder
) -> None:
    sig = Signal()

    assert sig.send(sender=None) == []  # send line

    (key,) = recorder.snapshot().sends
    line = line_of(test_a_send_with_no_receivers_is_recorded, "# send line")
    assert key.method == "send"
    assert key.site == key.project_site == CodeRef(__file__, line)
    assert not sig.receivers  # no spy receiver
    assert not sig.has_listeners()


def test_send_returns_the_receivers_responses_unchanged(
    installation: Installation, recorder: Recorder
) -> None:
    sig = Signal()
    sig.connect(on_a)
    sig.connect(on_b)
    sig.connect(on_b, sender=Recorder, dispatch_uid="twice")

    responses = sig.send(sender=Recorder)
    responses_again = sig.send(sender=None)

    assert responses == [(on_a, "a"), (on_b, "b"), (on_b, "b")]
    assert responses_again == [(on_a, "a"), (on_b, "b")]
    trace = recorder.snapshot()
    assert calls(trace, ".on_a") == 2
    assert calls(trace, ".on_b") == 3
    assert sends(trace) == 2


def test_a_framework_send_points_at_the_project_frame(
    installation: Installation, recorder: Recorder
) -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.db.models.signals import post_init

    post_init.connect(on_a, sender=ContentType)
    try:
        ContentType(app_label="shop", model="order")  # instantiation
    finally:
        post_init.disconnect(on_a, sender=ContentType)

    trace = recorder.snapshot()
    (key,) = [k for k in trace.sends if k.signal.signal == "django.db.models.signals.post_init"]
    line = line_of(test_a_framework_send_points_at_the_project_frame, "# instantiation")
    assert key.site is not None
    assert key.site.path.endswith("django/db/models/base.py")
    assert key.project_site == CodeRef(__file__, line)
    assert calls(trace, ".on_a") == 1


def test_a_framework_send_through_override_settings(
    installation: Installation, recorder: Recorder
) -> None:
    from django.test import override_settings

    with override_settings(SIGTRACE_FLAG=True):  # settings line
        pass

    keys = [k for k in recorder.snapshot().sends if k.signal.signal]
    line = line_of(test_a_framework_send_through_override_settings, "# settings line")
    assert {k.signal.signal for k in keys} == {"django.core.signals.setting_changed"}
    assert {k.project_site for k in keys} == {CodeRef(__file__, line)}


def test_send_robust_counts_a_failing_receiver(
    installation: Installation, recorder: Recorder
) -> None:
    sig = Signal()
    for function in (on_a, on_boom, on_c):
        sig.connect(function)

    responses = sig.send_robust(sender=None)

    assert [r for r, _ in responses] == [on_a, on_boom, on_c]
    assert isinstance(responses[1][1], Boom)
    trace = recorder.snapshot()
    assert sends(trace, "send_robust") == 1
    assert [calls(trace, name) for name in (".on_a", ".on_boom", ".on_c")] == [1, 1, 1]


def test_a_send_raising_midway_counts_the_receivers_that_ran(
    installation: Installation, recorder: Recorder
) -> None:
    sig = Signal()
    for function in (on_a, on_b, on_boom, on_c):
        sig.connect(function)

    with pytest.raises(Boom, match="receiver failed") as excinfo:
        sig.send(sender=None)

    assert excinfo.traceback[-1].name == "on_boom"
    trace = recorder.snapshot()
    assert sends(trace) == 1
    assert [calls(trace, n) for n in (".on_a", ".on_b", ".on_boom", ".on_c")] == [1, 1, 1, 0]


def test_a_send_failing_with_a_base_exception_is_counted_too(
    installation: Installation, recorder: Recorder
) -> None:
    def on_exit(sender: object, **kwargs: object) -> None:
        raise SystemExit(3)

    sig = Signal()
    sig.connect(on_a)
    sig.connect(on_exit)
    sig.connect(on_b)

    with pytest.raises(SystemExit):
        sig.send_robust(sender=None)

    trace = recorder.snapshot()
    assert [calls(trace, n) for n in (".on_a", ".on_exit", ".on_b")] == [1, 1, 0]


def test_mute_signals_still_records_the_send(
    installation: Installation, recorder: Recorder
) -> None:
    from factory.django import mute_signals

    sig = Signal()
    sig.connect(on_a)

    with mute_signals(sig):
        assert sig.send(sender=None) == []
    assert sig.send(sender=None) == [(on_a, "a")]

    trace = recorder.snapshot()
    assert sends(trace) == 2
    assert calls(trace, ".on_a") == 1


# --- async ------------------------------------------------------------------------------------


async def on_async(sender: object, **kwargs: object) -> str:
    RAN.append("on_async")
    await asyncio.sleep(0)
    return "async"


async def on_async_boom(sender: object, after: tuple[str, ...] = (), **kwargs: object) -> None:
    RAN.append("on_async_boom")
    await asyncio.sleep(0)
    # Django 5.0-6.0 run the sync receivers in a thread alongside this one: raising before they
    # returned would leave it to chance which of them ran. Wait (bounded) for those in ``after``.
    for _ in range(5000):
        if all(name in RAN for name in after):
            break
        await asyncio.sleep(0.001)
    raise Boom("async receiver failed")


#: Django 5.0-6.0's ``asend`` gathers the sync receivers with the async ones (a raising sync
#: receiver leaves every async one started); 6.1 runs the sync ones to completion first.
ASYNC_STARTS_WITH_SYNC = django.VERSION < (6, 1)


@needs_async
def test_asend_records_sync_and_async_receivers(
    installation: Installation, recorder: Recorder
) -> None:
    sig = Signal()
    sig.connect(on_a)
    sig.connect(on_async)

    responses = asyncio.run(sig.asend(sender=None))  # asend line

    assert responses == [(on_a, "a"), (on_async, "async")]
    trace = recorder.snapshot()
    (key,) = trace.sends
    assert key.method == "asend"
    line = line_of(test_asend_records_sync_and_async_receivers, "# asend line")
    assert key.site == CodeRef(__file__, line)
    assert calls(trace, ".on_a") == calls(trace, ".on_async") == 1


@needs_async
def test_asend_robust_counts_failing_receivers(
    installation: Installation, recorder: Recorder
) -> None:
    sig = Signal()
    for function in (on_a, on_boom, on_async_boom, on_async):
        sig.connect(function)

    responses = asyncio.run(sig.asend_robust(sender=None))

    assert [r for r, _ in responses] == [on_a, on_boom, on_async_boom, on_async]
    trace = recorder.snapshot()
    assert sends(trace, "asend_robust") == 1
    names = (".on_a", ".on_boom", ".on_async_boom", ".on_async")
    assert [calls(trace, n) for n in names] == [1, 1, 1, 1]


@needs_async
def test_asend_raising_in_a_sync_receiver(
    installation: Installation, recorder: Recorder, ran: list[str]
) -> None:
    sig = Signal()
    receivers = (on_a, on_boom, on_b, on_async)
    for function in receivers:
        sig.connect(function)

    with pytest.raises(Boom):
        asyncio.run(sig.asend(sender=None))

    trace = recorder.snapshot()
    names = [function.__name__ for function in receivers]
    assert [calls(trace, f".{name}") for name in names] == [ran.count(name) for name in names]
    # 5.0-6.0: gather started the async receiver alongside the sync ones; 6.1: never started
    assert sorted(ran) == sorted(["on_a", "on_boom", *(["on_async"] * ASYNC_STARTS_WITH_SYNC)])


@needs_async
def test_asend_raising_in_an_async_receiver(
    installation: Installation, recorder: Recorder, ran: list[str]
) -> None:
    sig = Signal()
    for function in (on_a, on_async_boom):
        sig.connect(function)

    with pytest.raises(Boom):
        asyncio.run(sig.asend(sender=None, after=("on_a",)))

    trace = recorder.snapshot()
    assert [calls(trace, n) for n in (".on_a", ".on_async_boom")] == [1, 1]
    assert sorted(ran) == ["on_a", "on_async_boom"]


@needs_async
def test_send_raising_in_its_async_phase(installation: Installation, recorder: Recorder) -> None:
    sig = Signal()
    for function in (on_a, on_async_boom):
        sig.connect(function)

    with pytest.raises(Boom):
        sig.send(sender=None)

    trace = recorder.snapshot()
    assert [calls(trace, n) for n in (".on_a", ".on_async_boom")] == [1, 1]


@needs_async
def test_the_patched_asend_is_still_a_coroutine_function(installation: Installation) -> None:
    sig = Signal()

    assert inspect.iscoroutinefunction(sig.asend)
    assert inspect.iscoroutinefunction(Signal.asend_robust)
    coroutine = sig.asend(sender=None)
    assert inspect.iscoroutine(coroutine)
    assert asyncio.run(coroutine) == []


@needs_async
def test_the_patched_asend_looks_like_the_original_to_inspect_and_asgiref(
    installation: Installation, recorder: Recorder
) -> None:
    from asgiref.sync import async_to_sync, iscoroutinefunction
    from django.dispatch.dispatcher import Signal as Original

    sig = Signal()
    sig.connect(on_a)
    original = Signal.asend.__wrapped__
    assert iscoroutinefunction(sig.asend)
    assert inspect.signature(sig.asend) == inspect.signature(original.__get__(sig))
    assert (Signal.asend.__name__, Signal.asend.__qualname__) == ("asend", "Signal.asend")
    assert Signal.asend.__doc__ == original.__doc__
    assert Original.asend is Signal.asend
    # async_to_sync refuses what it does not take for a coroutine function.
    assert async_to_sync(sig.asend)(sender=None) == [(on_a, "a")]
    # Called on the class, the signal first: a send too.
    assert asyncio.run(Signal.asend(sig, sender=None)) == [(on_a, "a")]
    assert sends(recorder.snapshot(), "asend") == 2


# --- references, threads, tests ---------------------------------------------------------------


def test_weak_receivers_still_die_while_traced(
    installation: Installation, recorder: Recorder
) -> None:
    sig = Signal()

    def handler(sender: object, **kwargs: object) -> None:
        pass

    class Listener:
        def on_event(self, sender: object, **kwargs: object) -> None:
            pass

    listener = Listener()
    sig.connect(handler)
    sig.connect(listener.on_event)
    sig.send(sender=None)
    sig.connect(on_boom)
    with pytest.raises(Boom):
        sig.send(sender=None)
    sig.disconnect(on_boom)
    refs = [weakref.ref(handler), weakref.ref(listener)]

    del handler, listener
    # With DEBUG=True, connect() asks func_accepts_kwargs(), whose lru_cache holds functions
    # strongly in Django 4.2 (traced or not): empty it so only our references are tested.
    from django.utils import inspect as django_inspect

    django_inspect._get_func_parameters.cache_clear()
    gc.collect()

    assert [ref() for ref in refs] == [None, None]
    assert not sig.has_listeners()
    assert sig.receivers == []
    assert calls(recorder.snapshot(), ".handler") == 2


def test_concurrent_sends_are_counted_exactly(
    installation: Installation, recorder: Recorder
) -> None:
    sig = Signal()
    sig.connect(on_a)
    sig.connect(on_b)
    threads_count, per_thread = 8, 2000
    barrier = threading.Barrier(threads_count)

    def work() -> None:
        barrier.wait()
        for _ in range(per_thread):
            sig.send(sender=None)

    threads = [threading.Thread(target=work) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    trace = recorder.snapshot()
    assert sends(trace) == threads_count * per_thread
    assert calls(trace, ".on_a") == calls(trace, ".on_b") == threads_count * per_thread


def test_receivers_are_attributed_to_the_current_test_across_threads(
    installation: Installation, recorder: Recorder
) -> None:
    sig = Signal()
    sig.connect(on_a)
    recorder.current_test = "tests/test_x.py::test_one"
    thread = threading.Thread(target=sig.send, kwargs={"sender": None})
    thread.start()
    thread.join()
    recorder.current_test = "tests/test_x.py::test_two"
    sig.send(sender=None)
    recorder.current_test = None
    sig.send(sender=None)

    trace = recorder.snapshot()
    (nodes,) = trace.tests.values()
    assert nodes == {"tests/test_x.py::test_one", "tests/test_x.py::test_two"}
    assert calls(trace, ".on_a") == 3


# --- installation -------------------------------------------------------------------------


PATCHED = ["__init__", "connect", "disconnect", "send", "send_robust"] + (
    ["asend", "asend_robust"] if HAS_ASYNC else []
)


def test_uninstall_restores_the_original_methods(recorder: Recorder) -> None:
    from pytest_signaltrace.trace import install

    before = {name: Signal.__dict__[name] for name in (*PATCHED, "_live_receivers")}
    installed = install(recorder, [])
    assert all(Signal.__dict__[name] is not before[name] for name in PATCHED)
    bound_while_installed = Signal().send

    installed.uninstall()
    installed.uninstall()  # idempotent

    assert {name: Signal.__dict__[name] for name in before} == before
    sig = Signal()
    sig.connect(on_a)
    assert sig.send(sender=None) == [(on_a, "a")]
    assert bound_while_installed(sender=None) == []
    assert recorder.snapshot().sends == {}


class _BrokenToken:
    def __hash__(self) -> int:
        raise RuntimeError("recorder bug")


def test_a_fault_in_the_recorder_never_reaches_the_caller(
    installation: Installation, recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("recorder bug")

    sig = Signal()
    sig.connect(on_a)
    monkeypatch.setattr(recorder, "_signal_token", broken)  # every record_* path uses it
    # The send patches' inlined hot path reads the signal's token itself: this one breaks the
    # counter update.
    monkeypatch.setitem(recorder.signals.by_id, id(sig), _BrokenToken())

    with pytest.warns(SignalTraceWarning, match="recorder bug"):
        assert sig.send(sender=None) == [(on_a, "a")]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sig.send(sender=None) == [(on_a, "a")]  # warned once, never raises
        sig.connect(on_boom)
        with pytest.raises(Boom):
            sig.send(sender=None)
    assert installation.faults.count == 4  # two sends, a connect, a failed send
    assert installation.faults.first == "Signal.send: RuntimeError('recorder bug')"


def test_the_tracebacks_of_receivers_are_unchanged(installation: Installation) -> None:
    sig = Signal()
    sig.connect(on_boom)

    with pytest.raises(Boom) as excinfo:
        sig.send(sender=None)

    assert excinfo.value.__traceback__ is not None
    names = [entry.name for entry in excinfo.traceback.filter(excinfo)]
    # Django 4.2 on Python 3.11 adds its "<listcomp>" frame between "send" and "on_boom".
    assert [name for name in names if name != "<listcomp>"] == [
        test_the_tracebacks_of_receivers_are_unchanged.__name__,
        "send",
        "on_boom",
    ]


def test_recorded_handler_refs(installation: Installation, recorder: Recorder) -> None:
    sig = Signal()
    sig.connect(on_a)
    sig.send(sender=None)

    (key,) = recorder.snapshot().receiver_calls
    code = on_a.__code__
    assert key == ReceiverKey(
        key.signal, HandlerRef(f"{__name__}.on_a", __file__, code.co_firstlineno)
    )


# --- the captured-live-receivers path, forced on every version ---------------------------------


@pytest.fixture
def capturing_installation(
    recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Installation]:
    """Patches that capture ``_live_receivers`` for every send, as Django 4.2's ``send`` needs."""
    from pytest_signaltrace.trace import install, installation

    monkeypatch.setattr(installation, "needs_capture", lambda send: True)
    installed = install(recorder, [])
    assert "django.dispatch.dispatcher.Signal._live_receivers" in installed.patched
    try:
        yield installed
    finally:
        installed.uninstall()


def test_captured_receivers_count_a_send_raising_midway(
    capturing_installation: Installation, recorder: Recorder
) -> None:
    sig = Signal()
    for function in (on_a, on_boom, on_c):
        sig.connect(function)

    with pytest.raises(Boom):
        sig.send(sender=None)
    assert sig.send_robust(sender=None)[0] == (on_a, "a")

    trace = recorder.snapshot()
    assert [calls(trace, n) for n in (".on_a", ".on_boom", ".on_c")] == [2, 2, 1]


@needs_async
@pytest.mark.parametrize(
    ("receivers", "expected"),
    [
        ((on_a, on_boom, on_b, on_async), [1, 1, 0, int(ASYNC_STARTS_WITH_SYNC)]),
        ((on_a, on_async_boom), [1, 1]),
    ],
)
def test_captured_receivers_count_a_failing_asend(
    capturing_installation: Installation,
    recorder: Recorder,
    ran: list[str],
    receivers: tuple[Callable[..., Any], ...],
    expected: list[int],
) -> None:
    sig = Signal()
    for function in receivers:
        sig.connect(function)

    with pytest.raises(Boom):
        asyncio.run(sig.asend(sender=None, after=("on_a",)))

    trace = recorder.snapshot()
    names = [function.__name__ for function in receivers]
    assert [ran.count(name) for name in names] == expected
    assert [calls(trace, f".{name}") for name in names] == expected
    assert capturing_installation._capture.slot is None


THIRD_PARTY = "/opt/lib/site-packages/sigtrace_lib/client.py"


def on_saved(sender: object, **kwargs: object) -> None:
    pass


def test_connects_of_a_third_party_receiver_are_one_row_whatever_their_uid(
    installation: Installation, recorder: Recorder
) -> None:
    # Django's test client connects partial(store_rendered_templates, data) to
    # template_rendered with a fresh dispatch_uid on every request: one row, not one per uid.
    namespace: dict[str, Any] = {}
    source = "def store(data, sender, **kwargs):\n    pass\n"
    exec(compile(source, THIRD_PARTY, "exec"), namespace)
    sig = Signal()
    for request in range(3):
        uid = f"template-render-{request}"
        sig.connect(functools.partial(namespace["store"], {}), dispatch_uid=uid)
        sig.disconnect(dispatch_uid=uid)
        sig.connect(on_saved, dispatch_uid=f"mine-{request}")  # the project's: kept
    trace = recorder.snapshot()
    rows = {(k.handler.handler if k.handler else None, k.dispatch_uid): n
            for k, n in trace.connects.items()}  # fmt: skip
    assert rows == {
        ("store", None): 3,
        **{(f"{__name__}.on_saved", f"mine-{r}"): 1 for r in range(3)},
    }


def test_disconnects_by_uid_from_third_party_code_are_one_row_whatever_their_uid(
    installation: Installation, recorder: Recorder
) -> None:
    # Django's test client disconnects template_rendered by a fresh dispatch_uid after every
    # request, with no receiver: one row, not one per request (thousands of rows held until
    # the end of the run). A disconnect by uid from the project's own code keeps its uid.
    namespace: dict[str, Any] = {}
    source = "def forget(signal, uid):\n    signal.disconnect(dispatch_uid=uid)\n"
    exec(compile(source, THIRD_PARTY, "exec"), namespace)
    sig = Signal()
    for request in range(3):
        namespace["forget"](sig, f"template-render-{request}")
        sig.disconnect(dispatch_uid=f"mine-{request}")  # the project's: kept
    rows = {
        (k.site.path if k.site else None, k.dispatch_uid): n
        for k, n in recorder.snapshot().disconnects.items()
    }
    assert rows == {
        (THIRD_PARTY, None): 3,
        **{(__file__, f"mine-{r}"): 1 for r in range(3)},
    }
    assert len(recorder.disconnect_counts) == 4  # folded as recorded, not at the end
