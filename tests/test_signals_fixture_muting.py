"""``signals.muted()``: blocks nest and overlap, and what they connect or disconnect is kept."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from django.dispatch import Signal

from pytest_signaltrace.plugin.fixture import observing

RAN: list[str] = []


def first(sender: object, **kwargs: object) -> None:
    RAN.append("first")


def second(sender: object, **kwargs: object) -> None:
    RAN.append("second")


@pytest.fixture
def signal() -> Signal:
    RAN.clear()
    made = Signal()
    made.connect(first, weak=False)
    return made


def ran(signal: Signal) -> list[str]:
    RAN.clear()
    signal.send(sender=None)
    return list(RAN)


def test_nested_blocks_unmute_when_the_outer_one_ends(signal: Signal) -> None:
    with observing() as signals:
        with signals.muted(signal):
            with signals.muted(signal):
                assert ran(signal) == []
            assert ran(signal) == []
        assert ran(signal) == ["first"]
        assert len(signals.sent(signal)) == 3


def test_overlapping_blocks_of_two_jobs_leave_the_receivers_connected(signal: Signal) -> None:
    async def job(signals: Any, wait: float) -> list[str]:
        with signals.muted(signal):
            await asyncio.sleep(wait)
            return ran(signal)

    async def both(signals: Any) -> list[list[str]]:
        return list(await asyncio.gather(job(signals, 0.01), job(signals, 0.03)))

    with observing() as signals:
        assert asyncio.run(both(signals)) == [[], []]
    assert ran(signal) == ["first"]


def test_a_receiver_disconnected_inside_stays_disconnected(signal: Signal) -> None:
    signal.connect(second, weak=False)
    with observing() as signals, signals.muted(signal):
        assert signal.disconnect(first) is True
        assert signal.disconnect(first) is False
    assert ran(signal) == ["second"]


def test_a_receiver_connected_inside_runs_inside_and_stays_after(signal: Signal) -> None:
    with observing() as signals, signals.muted(signal):
        assert not signal.has_listeners()
        signal.connect(second, weak=False)  # a spy: it runs, the muted receivers do not
        assert ran(signal) == ["second"]
    assert ran(signal) == ["first", "second"]


def test_a_receiver_connected_and_disconnected_inside_is_gone(signal: Signal) -> None:
    with observing() as signals, signals.muted(signal):
        signal.connect(second, weak=False)
        assert signal.disconnect(second) is True
    assert ran(signal) == ["first"]
    assert "disconnect" not in vars(signal)


def test_a_dispatch_uid_disconnects_a_muted_receiver(signal: Signal) -> None:
    signal.connect(second, weak=False, dispatch_uid="the-second")
    with observing() as signals, signals.muted(signal):
        assert signal.disconnect(dispatch_uid="the-second") is True
    assert ran(signal) == ["first"]


def test_a_block_that_raises_still_unmutes(signal: Signal) -> None:
    with observing() as signals, pytest.raises(KeyError), signals.muted(signal):
        raise KeyError("boom")
    assert ran(signal) == ["first"]
