"""Cascades at run time: a send made while a receiver runs is an edge receiver -> signal."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Any

import django
import pytest
from django.dispatch import Signal

from pytest_signaltrace.trace import Installation, Recorder, Trace
from pytest_signaltrace.trace.cascade_keys import ChainKey

needs_async = pytest.mark.skipif(django.VERSION < (5, 0), reason="asend needs Django >= 5.0")


def named_edges(trace: Trace, names: dict[int | None, str]) -> dict[tuple[str, str], int]:
    """``(handler's last name, signal name)`` -> count, signals named by creation line."""
    found: dict[tuple[str, str], int] = {}
    for key, n in trace.cascades.items():
        pair = (key.handler.handler.rsplit(".", 1)[-1], names.get(key.signal.line, "?"))
        found[pair] = found.get(pair, 0) + n
    return found


def contexts(trace: Trace, names: dict[int | None, str]) -> set[tuple[str, str, str, str]]:
    """``(parent, signal ran for, handler, signal sent)`` of every edge, by short names."""

    def short(ref: object) -> str:
        if ref is None:
            return "-"
        line = getattr(ref, "line", None)
        if hasattr(ref, "handler"):
            return str(ref.handler).rsplit(".", 1)[-1]  # type: ignore[attr-defined]
        return names.get(line, "?")

    return {
        (short(k.parent), short(k.under), short(k.handler), short(k.signal)) for k in trace.cascades
    }


class Chain:
    """Three signals: ``first``'s receiver sends ``second``, whose receiver sends ``third``."""

    def __init__(self) -> None:
        self.first = Signal()
        self.second = Signal()
        self.third = Signal()
        self.names = {
            _creation_line(self, "first"): "first",
            _creation_line(self, "second"): "second",
            _creation_line(self, "third"): "third",
        }


def _creation_line(chain: Chain, attribute: str) -> int:
    import inspect

    lines, start = inspect.getsourcelines(Chain.__init__)
    return next(start + i for i, text in enumerate(lines) if f"self.{attribute} = " in text)


def test_a_send_inside_a_receiver_is_an_edge_with_its_count_and_test(
    installation: Installation, recorder: Recorder
) -> None:
    chain = Chain()

    def on_first(sender: object, **kwargs: object) -> None:
        chain.second.send(sender=None)

    def on_second(sender: object, **kwargs: object) -> None:
        helper()

    def helper() -> None:  # the send is one call away from the receiver
        chain.third.send(sender=None)

    chain.first.connect(on_first, weak=False)
    chain.second.connect(on_second, weak=False)
    recorder.current_test = "tests/test_x.py::test_chain"
    for _ in range(3):
        chain.first.send(sender=None)
    chain.third.send(sender=None)  # outside any receiver: no edge
    trace = recorder.snapshot()
    assert named_edges(trace, chain.names) == {("on_first", "second"): 3, ("on_second", "third"): 3}
    assert contexts(trace, chain.names) == {
        ("-", "first", "on_first", "second"),
        ("on_first", "second", "on_second", "third"),
    }
    assert set(trace.cascade_tests.values()) == {frozenset({"tests/test_x.py::test_chain"})}
    (deepest,) = trace.chains
    assert [chain.names[s.line] for s in deepest.signals] == ["first", "second", "third"]
    assert [h.handler.rsplit(".", 1)[-1] for h in deepest.handlers] == ["on_first", "on_second"]
    assert trace.chains[deepest] == {"tests/test_x.py::test_chain"}


def test_no_edge_without_nesting_and_the_sends_return_the_same(
    installation: Installation, recorder: Recorder
) -> None:
    chain = Chain()

    def on_first(sender: object, **kwargs: object) -> str:
        return "done"

    chain.first.connect(on_first, weak=False)
    assert chain.first.send(sender=None) == [(on_first, "done")]
    assert chain.second.send(sender=None) == []
    trace = recorder.snapshot()
    assert not trace.cascades
    assert not trace.chains


def test_a_quiet_send_inside_a_receiver_counts_every_time(
    installation: Installation, recorder: Recorder
) -> None:
    """A send that runs no receiver takes the C fast path: inside a receiver it is still an
    edge, each time (the fast path hands it over)."""
    chain = Chain()

    def on_first(sender: object, **kwargs: object) -> None:
        chain.second.send(sender=None)  # no receiver

    chain.first.connect(on_first, weak=False)
    for _ in range(5):
        chain.first.send(sender=None)
    assert named_edges(recorder.snapshot(), chain.names) == {("on_first", "second"): 5}


def test_a_wrapped_receiver_is_named_by_the_function_it_wraps(
    installation: Installation, recorder: Recorder
) -> None:
    chain = Chain()

    def logged(function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return function(*args, **kwargs)

        return wrapper

    @logged
    def on_first(sender: object, **kwargs: object) -> None:
        chain.second.send(sender=None)

    chain.first.connect(on_first, weak=False)
    chain.first.send_robust(sender=None)
    assert named_edges(recorder.snapshot(), chain.names) == {("on_first", "second"): 1}


def test_a_loop_is_recorded_as_an_edge_back_to_the_signal(
    installation: Installation, recorder: Recorder
) -> None:
    chain = Chain()

    def again(sender: object, depth: int = 0, **kwargs: object) -> None:
        if depth < 3:
            chain.first.send(sender=None, depth=depth + 1)

    chain.first.connect(again, weak=False)
    chain.first.send(sender=None)
    trace = recorder.snapshot()
    assert named_edges(trace, chain.names) == {("again", "first"): 3}
    assert contexts(trace, chain.names) == {
        ("-", "first", "again", "first"),
        ("again", "first", "again", "first"),
    }
    (deepest,) = trace.chains
    assert deepest.depth == 3


def test_sends_in_threads_are_nested_only_in_their_own_thread(
    installation: Installation, recorder: Recorder
) -> None:
    import threading

    chain = Chain()

    def on_first(sender: object, **kwargs: object) -> None:
        worker = threading.Thread(target=lambda: chain.second.send(sender=None))
        worker.start()
        worker.join()

    chain.first.connect(on_first, weak=False)
    chain.first.send(sender=None)
    assert recorder.snapshot().cascades == {}


@needs_async
def test_an_async_receiver_under_asend_makes_an_edge(
    installation: Installation, recorder: Recorder
) -> None:
    chain = Chain()

    async def on_first(sender: object, **kwargs: object) -> None:
        await chain.second.asend(sender=None)

    async def on_second(sender: object, **kwargs: object) -> None:
        chain.third.send(sender=None)

    chain.first.connect(on_first, weak=False)
    chain.second.connect(on_second, weak=False)
    recorder.current_test = "t::async"
    asyncio.run(chain.first.asend(sender=None))
    trace = recorder.snapshot()
    assert named_edges(trace, chain.names) == {("on_first", "second"): 1, ("on_second", "third"): 1}
    assert contexts(trace, chain.names) == {
        ("-", "first", "on_first", "second"),
        ("on_first", "second", "on_second", "third"),
    }
    (deepest,) = trace.chains
    assert [chain.names[s.line] for s in deepest.signals] == ["first", "second", "third"]


def test_the_edges_survive_json_and_merge(installation: Installation, recorder: Recorder) -> None:
    chain = Chain()

    def on_first(sender: object, **kwargs: object) -> None:
        chain.second.send(sender=None)

    chain.first.connect(on_first, weak=False)
    recorder.current_test = "t::one"
    chain.first.send(sender=None)
    trace = recorder.snapshot()
    again = Trace.from_json(trace.to_json())
    assert again.cascades == trace.cascades
    assert again.cascade_tests == trace.cascade_tests
    assert again.chains == trace.chains
    merged = trace.merge(again)
    assert sum(merged.cascades.values()) == 2
    assert isinstance(next(iter(merged.chains)), ChainKey)


class Cascading:
    """Short-lived signals whose receiver sends the other: their cascade rows fold too."""

    def __init__(self) -> None:
        self.first = Signal()
        self.second = Signal()
        self.first.connect(self.on_first)

    def on_first(self, sender: object, **kwargs: object) -> None:
        self.second.send(sender=sender)


def test_the_cascades_of_dead_signals_fold_into_one_per_creation_site(
    installation: Installation, recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    from pytest_signaltrace.trace import recorder as recorder_module

    monkeypatch.setattr(recorder_module, "FOLD_EVERY", 20)
    for _ in range(200):
        alive = Cascading()  # its bound method is connected weakly
        alive.first.send(sender=None)
    del alive
    gc.collect()
    trace = recorder.snapshot()
    assert len(recorder.cascades.counts) == 1
    assert [(key.handler.handler.rsplit(".", 1)[-1], n) for key, n in trace.cascades.items()] == [
        ("on_first", 200)
    ]


def test_the_pure_python_send_depth_counts_per_thread() -> None:
    """Without the C extension the send depth lives in a thread-local list (same contract)."""
    import threading

    from pytest_signaltrace.trace import nesting

    assert nesting._py_enter("a") == 0
    assert nesting._py_enter("b") == 1
    seen: list[int] = []
    worker = threading.Thread(target=lambda: seen.append(nesting._py_depth()))
    worker.start()
    worker.join()
    assert (nesting._py_depth(), seen) == (2, [0])
    nesting._py_leave()
    nesting._py_leave()
    nesting._py_leave()  # never below zero
    assert nesting._py_depth() == 0
    assert (nesting._py_asend(1), nesting._py_asend(-2)) == (1, 0)
