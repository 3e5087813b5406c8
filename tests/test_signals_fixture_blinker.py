"""The ``signals`` fixture on blinker signals: sends with and without a sender, Flask's
``_async_wrapper`` left out of the arguments, ``send_async``, muting as blinker mutes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from pytest_signaltrace.plugin.fixture import observing

blinker = pytest.importorskip("blinker")


class App:
    pass


def on_event(sender: object, **kwargs: object) -> str:
    return "ran"


def sync(function: Callable[..., Any]) -> Callable[..., Any]:
    return lambda *args, **kwargs: asyncio.run(function(*args, **kwargs))


def test_sends_are_observed_with_their_sender_or_none() -> None:
    sig = blinker.Signal()
    sig.connect(on_event)
    app = App()
    with observing() as signals:
        sig.send(app, _async_wrapper=sync, order=7)
        sig.send()
        signals.assert_sent(sig, sender=app, order=7, times=1)
        signals.assert_sent(sig, sender=None, times=1)
        signals.assert_sent(sig, sender=App)
        assert signals.sent(sig)[0].kwargs == {"order": 7}
        assert signals.sent(sig)[0].receivers == [on_event]
        with pytest.raises(pytest.fail.Exception, match=r"not sent; it was sent 2 times"):
            signals.assert_not_sent(sig)
    assert sig.send.__qualname__ == "Signal.send"  # restored


def test_send_async_is_observed() -> None:
    sig = blinker.Signal()
    sig.connect(on_event)
    with observing() as signals:
        result = asyncio.run(sig.send_async("cli", _sync_wrapper=_to_async, n=1))
        assert [value for _, value in result] == ["ran"]
        (call,) = signals.assert_sent(sig, sender="cli", n=1)
        assert (call.method, call.kwargs) == ("send_async", {"n": 1})


def _to_async(function: Callable[..., Any]) -> Callable[..., Any]:
    async def run(*args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    return run


def test_muted_mutes_as_blinker_does_and_the_send_is_still_seen() -> None:
    sig = blinker.Signal()
    sig.connect(on_event)
    with observing() as signals:
        with signals.muted(sig):
            with signals.muted(sig):
                assert sig.send("x") == []
            assert sig.is_muted
            assert sig.send("y") == []
        assert not sig.is_muted
        assert [value for _, value in sig.send("z")] == ["ran"]
        assert [call.receivers for call in signals.sent(sig)] == [[], [], [on_event]]
    assert list(sig.receivers_for("z")) == [on_event]


def test_a_django_send_with_self_by_keyword_is_still_observed() -> None:
    from django.dispatch import Signal

    sig = Signal()
    with observing() as signals:
        Signal.send(self=sig, sender=App, n=1)  # type: ignore[call-arg]
        signals.assert_sent(sig, sender=App, n=1, times=1)
        with pytest.raises(TypeError):
            Signal.send(sender=App)  # type: ignore[call-arg]
