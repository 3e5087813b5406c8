"""``asend`` as each Django runs it: which receivers ran when one raised, how the failure is raised,
and which context the async receivers run in (Django 6.1 changed all three)."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Iterator

import django
import pytest
from django.dispatch import Signal

from pytest_signaltrace.trace import Installation, Recorder, Trace
from pytest_signaltrace.trace.failure import asend_starts_async_with_sync

pytestmark = pytest.mark.skipif(django.VERSION < (5, 0), reason="asend needs Django >= 5.0")

#: 6.1 runs the async receivers in a TaskGroup: two failures come out as one exception group.
GROUPS_FAILURES = django.VERSION >= (6, 1)

#: What the receivers of this file really ran, appended as each starts.
RAN: list[str] = []

#: Set by a receiver, read by the caller after ``asend``.
SEEN: contextvars.ContextVar[str] = contextvars.ContextVar("SEEN", default="unset")


class Boom(Exception):
    pass


@pytest.fixture
def ran() -> Iterator[list[str]]:
    RAN.clear()
    yield RAN
    RAN.clear()


def calls(trace: Trace, name: str) -> int:
    return sum(n for key, n in trace.receiver_calls.items() if key.handler.handler.endswith(name))


async def after_the_sync_receiver() -> None:
    """Wait (bounded) until ``on_sync`` ran: Django 5.0-6.0 run it in a thread alongside the async
    receivers, and a raise before it returned would leave to chance whether it ran."""
    for _ in range(5000):
        if "on_sync" in RAN:
            return
        await asyncio.sleep(0.001)


def on_sync(sender: object, **kwargs: object) -> str:
    RAN.append("on_sync")
    return "sync"


async def on_async_one(sender: object, **kwargs: object) -> None:
    RAN.append("on_async_one")
    await after_the_sync_receiver()
    raise Boom("one")


async def on_async_two(sender: object, **kwargs: object) -> None:
    RAN.append("on_async_two")
    await after_the_sync_receiver()
    raise Boom("two")


async def on_async_sets(sender: object, **kwargs: object) -> str:
    RAN.append("on_async_sets")
    SEEN.set("set by a receiver")
    await asyncio.sleep(0)
    return "sets"


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ((5, 0, 0, "final", 0), True),
        ((5, 2, 20, "final", 0), True),
        ((6, 0, 10, "final", 0), True),
        ((6, 1, 0, "alpha", 1), False),
        ((6, 1, 3, "final", 0), False),
        ((7, 0, 0, "final", 0), False),
        (None, True),
    ],
)
def test_which_djangos_start_the_async_receivers_with_the_sync_ones(
    version: object, expected: bool
) -> None:
    assert asend_starts_async_with_sync(version) is expected


def test_one_failing_async_receiver_is_raised_as_itself(
    installation: Installation, recorder: Recorder, ran: list[str]
) -> None:
    sig = Signal()
    for function in (on_sync, on_async_one):
        sig.connect(function)

    with pytest.raises(Boom, match="one"):
        asyncio.run(sig.asend(sender=None))

    trace = recorder.snapshot()
    names = ("on_sync", "on_async_one")
    assert [calls(trace, f".{name}") for name in names] == [ran.count(name) for name in names]


def test_two_failing_async_receivers_raise_as_the_django_in_use_does(
    installation: Installation, recorder: Recorder, ran: list[str]
) -> None:
    sig = Signal()
    for function in (on_sync, on_async_one, on_async_two):
        sig.connect(function)

    # 6.1: an exception group of both; before, gather's first failure (the other one dropped)
    expected: type[Exception] = ExceptionGroup if GROUPS_FAILURES else Boom
    with pytest.raises(expected) as raised:
        asyncio.run(sig.asend(sender=None))

    if isinstance(raised.value, ExceptionGroup):
        assert sorted(str(exc) for exc in raised.value.exceptions) == ["one", "two"]
    trace = recorder.snapshot()
    names = ("on_sync", "on_async_one", "on_async_two")
    assert [calls(trace, f".{name}") for name in names] == [ran.count(name) for name in names]
    assert sorted(ran) == sorted(names)


def test_async_receivers_are_attributed_to_the_current_test(
    installation: Installation, recorder: Recorder, ran: list[str]
) -> None:
    # 6.1 runs them in a copy of the caller's context: the attribution must not live in one.
    sig = Signal()
    for function in (on_sync, on_async_sets):
        sig.connect(function)

    recorder.current_test = "tests/test_x.py::test_async"
    asyncio.run(sig.asend(sender=None))
    recorder.current_test = None

    trace = recorder.snapshot()
    assert sorted(ran) == ["on_async_sets", "on_sync"]
    attributed = {key.handler.handler.rsplit(".", 1)[-1]: t for key, t in trace.tests.items()}
    assert attributed == {
        "on_sync": {"tests/test_x.py::test_async"},
        "on_async_sets": {"tests/test_x.py::test_async"},
    }


def test_the_patch_keeps_the_context_the_async_receivers_leave(
    installation: Installation, ran: list[str]
) -> None:
    # 6.1 copies the receivers' context changes back to the caller; before, they stayed in
    # gather's task. The patched asend must give the caller what Django gives it.
    sig = Signal()
    sig.connect(on_async_sets)

    async def send_and_read() -> str:
        await sig.asend(sender=None)
        return SEEN.get()

    seen = contextvars.copy_context().run(asyncio.run, send_and_read())

    assert ran == ["on_async_sets"]
    assert seen == ("set by a receiver" if django.VERSION >= (6, 1) else "unset")
