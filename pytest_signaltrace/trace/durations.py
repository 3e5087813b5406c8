"""Timing the receivers (``--signal-durations``): how long each one ran, its own share, and the
database queries it issued.

Installed only when durations are asked for; otherwise nothing of this module runs, and a send
costs what it costs without it. With it, each patched signal class gets two more patches, under
the recording ones:

* its live-receivers method (``_live_receivers``) returns, inside a send, each receiver wrapped
  in a :class:`TimedReceiver` (:class:`TimedAsyncReceiver` for the coroutine receivers of
  Django 5+'s async list). The dispatcher calls the wrapper where it would call the receiver;
  the wrapper times the call (``perf_counter_ns``, in ``finally``: a receiver that raises is
  timed too) and adds it to the :class:`CostTable`. The method's result outside a send
  (``has_listeners()``) and its caches are untouched;
* each send (sync and async) marks the send in progress for the live-receivers patch, and, when
  it returns, puts the receivers back in its ``[(receiver, response), ...]`` list in place of
  their wrappers: the caller (and the recording patch above) sees the same receiver objects as
  without the plugin. A send made while a receiver runs adds its whole time to that receiver's
  nested time: its own time is its time minus that.

The receiver running now is a :class:`contextvars.ContextVar`: per thread, and per asyncio task
(``asend`` gathers its async receivers in tasks, each with a copy of the context). A wrapper
holds its receiver only while the send runs (the dispatcher's own list holds it then); the table
keeps int tokens, never a receiver.

Why wrappers, not ``sys.monitoring`` (3.12+): the receivers of a send are known only to the
dispatcher, and a function may be a receiver in one call and a plain call in the next; monitoring
the code of every receiver would time its direct calls too, and needs a fallback before 3.12.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from time import perf_counter_ns
from types import CodeType
from typing import Any

from pytest_signaltrace import frameworks
from pytest_signaltrace.frameworks import QueryWatch
from pytest_signaltrace.trace.costs import CostTable
from pytest_signaltrace.trace.faults import FaultLog
from pytest_signaltrace.trace.recorder import Recorder

#: The receiver running in this thread or task: ``[nested_ns, queries, (signal token, handler
#: token)]`` (what the sends it made took, the queries it issued, which receiver it is), or
#: ``None``. Other bookkeeping (the cascade edges) may read which receiver runs from it.
RUNNING: ContextVar[list[Any] | None] = ContextVar("signaltrace_running_receiver", default=None)
#: ``id`` of the signal whose send has not listed its receivers yet (``0``: none).
_PENDING: ContextVar[int] = ContextVar("signaltrace_pending_send", default=0)


class TimedReceiver:
    """A receiver, timed when called; everything else is the receiver's (``__getattr__``,
    ``repr``): Django's ``send_robust`` logs ``receiver.__qualname__``, Celery ``%r``.

    ``__wrapped__`` lets the trace's identity (and a failed send's attribution) see through it.
    The bookkeeping is inlined (a helper call costs about 0.1 us): this thread's rows of the
    :class:`~.costs.CostTable`, no lock (see :class:`~.costs.CostTable`).
    """

    __slots__ = ("__wrapped__", "_key", "_timer")

    def __init__(self, receiver: Any, key: tuple[int, int], timer: ReceiverTimer) -> None:
        self.__wrapped__ = receiver
        self._key = key
        self._timer = timer

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        timer = self._timer
        rows = getattr(timer.local, "rows", None)
        if rows is None:
            rows = timer.enter_thread()
        running: list[Any] = [0, 0, self._key]
        token = RUNNING.set(running)
        start = perf_counter_ns()
        try:
            return self.__wrapped__(*args, **kwargs)
        finally:
            elapsed = perf_counter_ns() - start
            RUNNING.reset(token)
            if timer.active:
                row = rows.get(self._key)
                if row is None:
                    test = timer.recorder.current_test
                    rows[self._key] = [1, elapsed, elapsed - running[0], elapsed, test, running[1]]
                else:
                    row[0] += 1
                    row[1] += elapsed
                    row[2] += elapsed - running[0]
                    if elapsed > row[3]:
                        row[3], row[4] = elapsed, timer.recorder.current_test
                    row[5] += running[1]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__wrapped__, name)

    def __repr__(self) -> str:
        return repr(self.__wrapped__)


class TimedAsyncReceiver(TimedReceiver):
    """A coroutine receiver: calling it returns a coroutine that times the receiver's."""

    __slots__ = ()

    def __call__(self, *args: Any, **kwargs: Any) -> Coroutine[Any, Any, Any]:
        return self._timed(args, kwargs)

    async def _timed(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        timer = self._timer
        running: list[Any] = [0, 0, self._key]
        token = RUNNING.set(running)
        start = perf_counter_ns()
        try:
            return await self.__wrapped__(*args, **kwargs)
        finally:
            elapsed = perf_counter_ns() - start
            RUNNING.reset(token)
            timer.add(self._key, elapsed, running)


_TIMED = (TimedReceiver, TimedAsyncReceiver)


def unwrapped(result: Any) -> Any:
    """A send's ``[(receiver, response), ...]`` with each wrapper replaced by its receiver (in
    place: the dispatcher's own list, as the caller would get it)."""
    if type(result) is list:
        for index, pair in enumerate(result):
            if type(pair) is tuple and len(pair) == 2 and type(pair[0]) in _TIMED:
                result[index] = (pair[0].__wrapped__, pair[1])
    return result


def count_query() -> None:
    """A database query: counted for the receiver running now, if any."""
    running = RUNNING.get()
    if running is not None:
        running[1] += 1


class ReceiverTimer:
    """The receiver cost of one installation: the patches' builders and the table they fill."""

    def __init__(self, recorder: Recorder, faults: FaultLog) -> None:
        self.recorder = recorder
        self.faults = faults
        self.table = recorder.costs = CostTable()
        self.active = True
        #: ``rows``: this thread's rows of the table, once its queries are counted.
        self.local = threading.local()
        self._watches: list[QueryWatch] = []
        for framework in frameworks.registered():
            if framework.watch_queries is not None:
                try:
                    self._watches.append(framework.watch_queries(count_query))
                except Exception as exc:
                    faults.report(f"counting {framework.name} queries", exc)

    def enter_thread(self) -> dict[tuple[int, int], Any]:
        """The first receiver timed in this thread: count its queries (where the framework is
        set up: else again at the next receiver); returns the thread's rows."""
        entered = True
        for watch in self._watches:
            try:
                entered = watch.enter_thread() and entered
            except Exception as exc:
                self.faults.report("counting queries", exc)
        rows = self.table.thread_rows()
        if entered:
            self.local.rows = rows
        return rows

    def add(self, key: tuple[int, int], elapsed: int, running: list[Any]) -> None:
        """One call of ``key``'s receiver ended (returned or raised) after ``elapsed`` ns."""
        if self.active:
            rows = getattr(self.local, "rows", None)
            if rows is None:
                rows = self.enter_thread()
            test = self.recorder.current_test
            self.table.add_to(rows, key, elapsed, elapsed - running[0], running[1], test)

    # --- the patches ------------------------------------------------------------------------

    def live_receivers_patch(self, original: Any) -> Callable[..., Any]:
        """``original`` (the live-receivers method), whose result inside a send has each
        receiver wrapped; outside one (``has_listeners()``) it is left alone."""
        signal_ids, signal_token = self.recorder.signals.by_id, self.recorder.signals.token
        handler_token, faults, timer = self.recorder.handlers.token, self.faults, self

        def timed_live_receivers(signal: Any, /, *args: Any, **kwargs: Any) -> Any:
            result = original(signal, *args, **kwargs)
            if _PENDING.get() != id(signal) or not timer.active:
                return result
            _PENDING.set(0)
            try:
                token = signal_ids.get(id(signal))
                if token is None:
                    token = signal_token(signal)
                if type(result) is tuple and len(result) == 2:  # Django 5+: (sync, async)
                    sync, asynchronous = result
                    return (
                        [TimedReceiver(r, (token, handler_token(r)), timer) for r in sync],
                        [
                            TimedAsyncReceiver(r, (token, handler_token(r)), timer)
                            for r in asynchronous
                        ],
                    )
                if type(result) is list:
                    return [TimedReceiver(r, (token, handler_token(r)), timer) for r in result]
            except Exception as exc:
                faults.report("timing receivers", exc)
            return result

        return timed_live_receivers

    def send_wrapper(self, original: Any) -> Callable[..., Any]:
        """``original`` (a sync send), marking its receivers for timing and unwrapping them; its
        shape ``(self, sender, **named)`` kept where it has it (the send patches' fast path)."""
        if _sender_and_named(original):

            def timed_send(signal: Any, /, sender: Any, **named: Any) -> Any:
                __tracebackhide__ = True
                parent = RUNNING.get()
                pending = _PENDING.set(id(signal))
                if parent is None:
                    try:
                        result = original(signal, sender, **named)
                    finally:
                        _PENDING.reset(pending)
                else:
                    start = perf_counter_ns()
                    try:
                        result = original(signal, sender, **named)
                    finally:
                        _PENDING.reset(pending)
                        parent[0] += perf_counter_ns() - start
                if type(result) is list and result:
                    for index, pair in enumerate(result):
                        if type(pair) is tuple and len(pair) == 2 and type(pair[0]) in _TIMED:
                            result[index] = (pair[0].__wrapped__, pair[1])
                return result

            return timed_send

        def timed_call(signal: Any, /, *args: Any, **kwargs: Any) -> Any:
            __tracebackhide__ = True
            parent = RUNNING.get()
            pending = _PENDING.set(id(signal))
            start = perf_counter_ns()
            try:
                result = original(signal, *args, **kwargs)
            finally:
                _PENDING.reset(pending)
                if parent is not None:
                    parent[0] += perf_counter_ns() - start
            return unwrapped(result)

        return timed_call

    def asend_wrapper(self, original: Any) -> Callable[..., Any]:
        """``original`` (a coroutine send), as :meth:`send_wrapper` does for a sync one."""

        async def timed_asend(signal: Any, /, *args: Any, **kwargs: Any) -> Any:
            __tracebackhide__ = True
            parent = RUNNING.get()
            pending = _PENDING.set(id(signal))
            start = perf_counter_ns()
            try:
                result = await original(signal, *args, **kwargs)
            finally:
                _PENDING.reset(pending)
                if parent is not None:
                    parent[0] += perf_counter_ns() - start
            return unwrapped(result)

        return timed_asend

    def close(self) -> None:
        """Stop timing and take the query counting out of the connections."""
        self.active = False
        for watch in self._watches:
            try:
                watch.close()
            except Exception as exc:
                self.faults.report("counting queries", exc)


def _sender_and_named(function: object) -> bool:
    """Whether ``function`` is ``(self, sender, **named)`` (the send patches' fast shape)."""
    code = getattr(function, "__code__", None)
    if not isinstance(code, CodeType) or getattr(function, "__defaults__", None):
        return False
    return (
        code.co_argcount == 2
        and code.co_kwonlyargcount == 0
        and bool(code.co_flags & 0x08)  # CO_VARKEYWORDS
        and not code.co_flags & 0x04  # CO_VARARGS
        and code.co_varnames[1] == "sender"
    )
