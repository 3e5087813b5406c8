"""The blinker patches (frameworks/blinker.py): every connect form, send and send_async, named
signals, receivers that run several times per send, failed sends, and what must not change
(weak receivers, the receiver lookups). Each test runs with the C send patch and the Python one."""

from __future__ import annotations

import asyncio
import gc
import inspect
import os
import sys
import types
import weakref
from collections.abc import Callable
from typing import Any

import pytest

from pytest_signaltrace.trace import Installation, Recorder, Trace, install

blinker = pytest.importorskip("blinker")

HERE = os.path.dirname(os.path.abspath(__file__))
ANY = blinker.ANY


def line_of(function: Callable[..., Any], marker: str) -> int:
    lines, start = inspect.getsourcelines(function)
    return start + next(i for i, text in enumerate(lines) if marker in text)


def calls(trace: Trace, handler: str) -> int:
    return sum(
        n for key, n in trace.receiver_calls.items() if key.handler.handler.endswith(handler)
    )


def sends(trace: Trace, signal: str | None = None) -> int:
    return sum(n for key, n in trace.sends.items() if signal is None or key.signal.signal == signal)


def on_event(sender: object, **kwargs: object) -> str:
    return "event"


def on_other(sender: object, **kwargs: object) -> str:
    return "other"


class App:
    """A sender, as a Flask app is."""


class Listener:
    """Its ``on_event`` is connected once per instance: one handler, run once per instance."""

    def on_event(self, sender: object, **kwargs: object) -> None:
        pass


def test_every_connect_form_is_recorded_with_its_site_and_sender(
    installation: Installation, recorder: Recorder
) -> None:
    sig = blinker.Signal()
    app = App()

    def connecting() -> None:
        sig.connect(on_event)  # plain connect
        sig.connect(on_other, app)  # connect for a sender

        @sig.connect_via(app)  # connect_via
        def via(sender: object, **kwargs: object) -> None:
            pass

        with sig.connected_to(on_event, sender=app):  # connected_to
            sig.send(app)

    connecting()
    sig.send(app)
    trace = recorder.snapshot()
    connects = {
        (key.handler.handler.rpartition(".")[2] if key.handler else None, key.site.line, key.sender)
        for key in trace.connects
        if key.site is not None
    }
    app_sender = f"<{App.__module__}.App object>"
    assert connects >= {
        ("on_event", line_of(connecting, "# plain connect"), None),
        ("on_other", line_of(connecting, "# connect for a sender"), app_sender),
        ("via", line_of(connecting, "# connect_via"), app_sender),
        ("on_event", line_of(connecting, "# connected_to"), app_sender),
    }
    (disconnect,) = trace.disconnects
    assert disconnect.site is not None
    assert disconnect.site.line == line_of(connecting, "# connected_to")
    assert calls(trace, ".on_event") == 1  # inside the block only: connected_to replaced it
    assert calls(trace, ".on_other") == 2
    assert calls(trace, "<locals>.via") == 2
    assert sends(trace) == 2


def test_sends_and_receiver_calls_are_counted_apart(
    installation: Installation, recorder: Recorder
) -> None:
    sig = blinker.Signal()
    listeners = [Listener() for _ in range(3)]
    for listener in listeners:
        sig.connect(listener.on_event)
    for _ in range(4):
        sig.send(None)
    trace = recorder.snapshot()
    assert sends(trace) == 4
    assert calls(trace, "Listener.on_event") == 12  # three runs per send
    del listeners


def test_send_without_a_sender_and_with_the_async_wrapper_is_recorded(
    installation: Installation, recorder: Recorder
) -> None:
    sig = blinker.Signal()
    sig.connect(on_event)

    async def on_async(sender: object, **kwargs: object) -> str:
        return "async"

    sig.connect(on_async)

    def run_sync(function: Callable[..., Any]) -> Callable[..., Any]:
        return lambda *args, **kwargs: asyncio.run(function(*args, **kwargs))

    result = sig.send(_async_wrapper=run_sync, order=7)
    assert sorted(value for _, value in result) == ["async", "event"]
    assert sig.send.__name__ == "send"
    trace = recorder.snapshot()
    assert sends(trace) == 1
    assert calls(trace, ".on_event") == 1
    assert calls(trace, "<locals>.on_async") == 1


def test_send_async_is_recorded_and_returns_the_same(
    installation: Installation, recorder: Recorder
) -> None:
    sig = blinker.Signal()

    async def on_async(sender: object, **kwargs: object) -> str:
        return f"async {kwargs['n']}"

    sig.connect(on_async)

    async def main() -> list[tuple[Any, Any]]:
        result: list[tuple[Any, Any]] = await sig.send_async(App(), n=1)
        return result

    assert [value for _, value in asyncio.run(main())] == ["async 1"]
    trace = recorder.snapshot()
    assert {key.method for key in trace.sends} == {"send_async"}
    assert calls(trace, "<locals>.on_async") == 1


def test_a_default_namespace_signal_is_known_by_its_name_and_a_namespace_one_by_its_attribute(
    installation: Installation, recorder: Recorder
) -> None:
    module = types.ModuleType("blinker_trace_app")
    module.__file__ = os.path.join(HERE, "blinker_trace_app.py")
    sys.modules[module.__name__] = module
    name = f"trace-named-{len(blinker.default_namespace)}"  # new in each run of the test
    try:
        code = (
            "import blinker\n"
            "_signals = blinker.Namespace()\n"
            "placed = _signals.signal('placed')\n"
            f"named = blinker.signal({name!r})\n"
        )
        exec(compile(code, module.__file__, "exec"), module.__dict__)
        module.placed.send(None)
        module.named.send(None)
        blinker.signal(name).send(None)  # the same signal, wherever it is asked for
        trace = recorder.snapshot()
    finally:
        del sys.modules[module.__name__]
    refs = {key.signal for key in trace.sends}
    assert {(r.signal, r.line) for r in refs} == {
        ("blinker_trace_app.placed", 3),  # created where Namespace.signal was called
        (f"blinker:{name}", 4),
    }
    assert sends(trace, f"blinker:{name}") == 2


def test_signals_that_existed_before_installation_are_named_by_one_walk(
    recorder: Recorder,
) -> None:
    module = types.ModuleType("blinker_trace_before")
    module.early = blinker.Signal()  # type: ignore[attr-defined]
    module.early_named = blinker.signal("trace-early")  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    installed = install(recorder, [HERE])
    try:
        module.early.send(None)  # type: ignore[attr-defined]
        module.early_named.send(None)  # type: ignore[attr-defined]
        trace = recorder.snapshot()
    finally:
        installed.uninstall()
        del sys.modules[module.__name__]
    assert {key.signal.signal for key in trace.sends} == {
        "blinker_trace_before.early",
        "blinker:trace-early",
    }


def test_a_proxy_global_that_raises_is_never_touched(recorder: Recorder) -> None:
    local = pytest.importorskip("werkzeug.local")

    class OutsideContext(Exception):
        """Raised by the proxy on any look at it (werkzeug's own fallback catches only a
        RuntimeError, as Flask's ``current_app`` raises, on ``isinstance``)."""

    def outside_a_context() -> object:
        raise OutsideContext("Working outside of application context.")

    module = types.ModuleType("blinker_trace_proxies")
    module.current_app = local.LocalProxy(outside_a_context)  # type: ignore[attr-defined]
    module.ready = blinker.Signal()  # type: ignore[attr-defined]
    proxy: Any = module.current_app  # type: ignore[attr-defined]
    with pytest.raises(OutsideContext):
        isinstance(proxy, blinker.Signal)
    with pytest.raises(OutsideContext):
        hasattr(proxy, "receivers")
    sys.modules[module.__name__] = module
    installed = install(recorder, [HERE])
    try:
        module.ready.send(proxy)  # type: ignore[attr-defined]
        # blinker itself looks at a sender once a receiver is connected: noted apart
        ready = module.ready  # type: ignore[attr-defined]
        recorder.senders_seen.watch(ready, recorder.signals.token(ready))
        recorder.senders_seen.note(module.ready, proxy)  # type: ignore[attr-defined]
        trace = recorder.snapshot()
    finally:
        installed.uninstall()
        del sys.modules[module.__name__]
    assert installed.faults.count == 0
    assert {key.signal.signal for key in trace.sends} == {"blinker_trace_proxies.ready"}
    assert list(trace.senders_seen.values()) == [frozenset({"<werkzeug.local.LocalProxy object>"})]


def test_a_weak_receiver_still_dies_and_the_lookups_are_unchanged(
    installation: Installation, recorder: Recorder
) -> None:
    sig = blinker.Signal()
    app = App()

    def make() -> Callable[..., None]:
        def short_lived(sender: object, **kwargs: object) -> None:
            pass

        return short_lived

    receiver = make()
    sig.connect(receiver)
    sig.connect(on_other, app, weak=False)
    sig.send(app)
    assert set(sig.receivers_for(app)) == {receiver, on_other}
    assert sig.has_receivers_for(app)
    assert sig.has_receivers_for(None)
    assert len(sig.receivers) == 2
    dead = weakref.ref(receiver)
    del receiver
    gc.collect()
    assert dead() is None  # the trace kept no strong reference
    assert list(sig.receivers_for(None)) == []
    assert list(sig.receivers_for(app)) == [on_other]
    assert len(sig.receivers) == 1  # no spy receiver was added
    assert not sig.has_receivers_for(None)
    assert calls(recorder.snapshot(), "<locals>.short_lived") == 1


def test_the_receivers_that_ran_before_a_failure_count(
    installation: Installation, recorder: Recorder
) -> None:
    sig = blinker.Signal()
    sig.connect(on_event)

    def boom(sender: object, **kwargs: object) -> None:
        raise ValueError("receiver failed")

    sig.connect(boom)
    with pytest.raises(ValueError, match="receiver failed"):
        sig.send(None)
    trace = recorder.snapshot()
    assert sends(trace) == 1
    assert calls(trace, "<locals>.boom") == 1
    assert calls(trace, ".on_event") <= 1  # ran only if the set put it first


def test_the_senders_of_a_signal_with_a_receiver_for_one_sender_are_noted(
    installation: Installation, recorder: Recorder
) -> None:
    sig = blinker.Signal()
    other = blinker.Signal()
    app = App()
    sig.connect(on_event, app)
    other.connect(on_other)  # for any sender: not watched
    sig.send("cli")
    sig.send(None)
    sig.send(None)
    other.send(app)
    trace = recorder.snapshot()
    assert list(trace.senders_seen.values()) == [frozenset({"cli", "None"})]
    assert calls(trace, ".on_event") == 0
    assert calls(trace, ".on_other") == 1


def test_muting_mutes_as_blinker_does_and_nests() -> None:
    from pytest_signaltrace.frameworks.blinker import mute

    sig = blinker.Signal()
    sig.connect(on_event)
    undo_outer = mute(sig)
    undo_inner = mute(sig)
    assert sig.send(None) == []
    undo_inner()
    assert sig.is_muted
    undo_outer()
    assert not sig.is_muted
    assert [value for _, value in sig.send(None)] == ["event"]
    with sig.muted():
        assert sig.send(None) == []


def test_a_dead_watched_signal_keeps_its_senders_and_a_new_one_at_its_address_is_not_watched(
    installation: Installation, recorder: Recorder
) -> None:
    def short_lived() -> int:
        sig = blinker.Signal()
        sig.connect(on_event, "app")
        sig.send("cli")
        return id(sig)

    address = short_lived()
    gc.collect()
    assert address not in recorder.senders_seen.watched
    recorder.fold_dead_signals()
    assert list(recorder.snapshot().senders_seen.values()) == [frozenset({"cli"})]
