"""The Celery patches, with a real in-memory Celery app running tasks eagerly."""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from typing import Any

import pytest

from pytest_signaltrace.trace import CodeRef, Installation, Recorder, Trace, install

celery = pytest.importorskip("celery")

from celery.local import PromiseProxy  # noqa: E402
from celery.utils.dispatch.signal import Signal  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def line_of(function: Callable[..., Any], marker: str) -> int:
    lines, start = inspect.getsourcelines(function)
    return start + next(i for i, text in enumerate(lines) if marker in text)


def calls(trace: Trace, handler: str) -> int:
    return sum(
        n for key, n in trace.receiver_calls.items() if key.handler.handler.endswith(handler)
    )


def on_a(sender: object = None, **kwargs: object) -> str:
    return "a"


def on_b(sender: object = None, **kwargs: object) -> str:
    return "b"


def on_boom(sender: object = None, **kwargs: object) -> None:
    raise ValueError("celery receiver failed")


def on_prerun(sender: object = None, **kwargs: object) -> None:
    pass


def on_postrun(sender: object = None, **kwargs: object) -> None:
    pass


def on_success(sender: object = None, **kwargs: object) -> None:
    pass


def test_an_eager_task_fires_task_signals_through_the_patches(
    celery_app: Any, recorder: Recorder
) -> None:
    import celery.app.trace as celery_trace
    from celery import signals

    @celery_app.task(name="sigtrace.add")
    def add(x: int, y: int) -> int:
        return x + y

    stale = celery_trace.send_prerun  # bound before installation: calls the original send
    installed = install(recorder, [HERE])
    try:
        assert celery_trace.send_prerun is not stale
        signals.task_prerun.connect(on_prerun)
        signals.task_postrun.connect(on_postrun)
        signals.task_success.connect(on_success)
        try:
            assert add.delay(2, 3).get() == 5  # delay line
        finally:
            signals.task_prerun.disconnect(on_prerun)
            signals.task_postrun.disconnect(on_postrun)
            signals.task_success.disconnect(on_success)
    finally:
        installed.uninstall()
    assert celery_trace.send_prerun is stale

    trace = recorder.snapshot()
    sent = {key.signal.signal for key in trace.sends}
    assert {
        "celery.signals.task_prerun",
        "celery.signals.task_postrun",
        "celery.signals.task_success",
    } <= sent
    assert [calls(trace, n) for n in (".on_prerun", ".on_postrun", ".on_success")] == [1, 1, 1]
    line = line_of(test_an_eager_task_fires_task_signals_through_the_patches, "# delay line")
    prerun = next(k for k in trace.sends if k.signal.signal == "celery.signals.task_prerun")
    assert prerun.project_site == CodeRef(__file__, line)
    assert {key.method for key in trace.sends} == {"send"}


def test_every_form_of_connect_is_recorded_once(
    installation: Installation, recorder: Recorder
) -> None:
    sig = Signal(name="sig")

    @sig.connect  # bare decorator
    def bare(sender: object = None, **kwargs: object) -> None:
        pass

    @sig.connect(sender=Recorder, weak=False)  # decorator with options
    def with_options(sender: object = None, **kwargs: object) -> None:
        pass

    returned = sig.connect(on_a)  # plain call
    sig.connect(on_b, sender="sigtrace.add", dispatch_uid="b-uid")

    assert returned is on_a
    assert callable(bare)
    assert callable(with_options)
    connects = recorder.snapshot().connects
    assert sum(connects.values()) == 4
    by_name = {key.handler.handler.rsplit(".", 1)[-1]: key for key in connects if key.handler}
    test = test_every_form_of_connect_is_recorded_once
    assert by_name["bare"].site == CodeRef(__file__, line_of(test, "# bare decorator"))
    assert by_name["with_options"].site == CodeRef(__file__, line_of(test, "# decorator with"))
    assert by_name["with_options"].sender == "pytest_signaltrace.trace.recorder.Recorder"
    assert by_name["on_a"].site == CodeRef(__file__, line_of(test, "# plain call"))
    assert (by_name["on_b"].sender, by_name["on_b"].dispatch_uid) == ("sigtrace.add", "b-uid")


def test_a_retrying_receiver_is_named_after_the_users_function(
    installation: Installation, recorder: Recorder
) -> None:
    sig = Signal(name="sig")
    sig.connect(on_a, retry=True)

    assert sig.send(sender=None)[0][1] == "a"

    trace = recorder.snapshot()
    (connect,) = trace.connects
    assert connect.handler is not None
    assert connect.handler.handler == f"{__name__}.on_a"
    assert connect.dispatch_uid is None  # Celery's generated id() is dropped
    assert calls(trace, ".on_a") == 1


def test_send_and_send_robust_are_both_patched(
    installation: Installation, recorder: Recorder
) -> None:
    sig = Signal(name="sig")
    sig.connect(on_a)

    assert sig.send(sender=None) == [(on_a, "a")]
    assert sig.send_robust(sender=None) == [(on_a, "a")]

    trace = recorder.snapshot()
    assert sorted(key.method for key in trace.sends) == ["send", "send_robust"]
    assert calls(trace, ".on_a") == 2


def test_a_failing_receiver_is_counted(installation: Installation, recorder: Recorder) -> None:
    sig = Signal(name="sig")
    for function in (on_a, on_boom, on_b):
        sig.connect(function)

    responses = sig.send(sender=None)

    assert isinstance(responses[1][1], ValueError)
    trace = recorder.snapshot()
    assert [calls(trace, n) for n in (".on_a", ".on_boom", ".on_b")] == [1, 1, 1]


def test_a_base_exception_midway_counts_the_receivers_that_ran(
    installation: Installation, recorder: Recorder
) -> None:
    def on_interrupt(sender: object = None, **kwargs: object) -> None:
        raise KeyboardInterrupt

    sig = Signal(name="sig")
    for function in (on_a, on_interrupt, on_b):
        sig.connect(function)

    with pytest.raises(KeyboardInterrupt):
        sig.send(sender=None)

    trace = recorder.snapshot()
    assert [calls(trace, n) for n in (".on_a", ".on_interrupt", ".on_b")] == [1, 1, 0]


def test_a_connect_deferred_on_a_promise_proxy_is_recorded_once(
    installation: Installation, recorder: Recorder
) -> None:
    class Sender:
        pass

    sig = Signal(name="sig")
    proxy = PromiseProxy(lambda: Sender)
    sig.connect(on_a, sender=proxy)
    assert sig.send(sender=Sender) == []  # not connected until the proxy is evaluated

    proxy.__evaluate__()

    assert sig.send(sender=Sender) == [(on_a, "a")]
    connects = recorder.snapshot().connects
    assert list(connects.values()) == [1]
    (key,) = connects
    assert key.sender == "<celery.local.PromiseProxy object>"


def test_disconnect_is_recorded(installation: Installation, recorder: Recorder) -> None:
    sig = Signal(name="sig")
    sig.connect(on_a, dispatch_uid="a")

    assert sig.disconnect(dispatch_uid="a") is True

    (key,) = recorder.snapshot().disconnects
    assert (key.handler, key.dispatch_uid) == (None, "a")
    assert not sig.receivers


def test_celery_signals_get_their_definition_ids(
    installation: Installation, recorder: Recorder
) -> None:
    from celery import signals

    signals.worker_ready.send(sender=None)

    (key,) = recorder.snapshot().sends
    assert key.signal.signal == "celery.signals.worker_ready"
