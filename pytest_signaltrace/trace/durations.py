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
from typing import TYPE_CHECKING, Any

from pytest_signaltrace import frameworks
from pytest_signaltrace.frameworks import QueryWatch
from pytest_signaltrace.trace.costs import CostTable
from pytest_signaltrace.trace.faults import FaultLog
from pytest_signaltrace.trace.recorder import Recorder

if TYPE_CHECKING:
    from pytest_signaltrace.trace.connects import Wrapper


class Running:
    """A receiver call in progress: what its nested sends took, the queries it issued."""

    __slots__ = ("nested_ns", "queries")

    def __init__(self) -> None:
        self.nested_ns = 0
        self.queries = 0


#: The receiver running in this thread or task (``None``: none).
RUNNING: ContextVar[Running | None] = ContextVar("signaltrace_running_receiver", default=None)
#: ``id`` of the signal whose send has not listed its receivers yet (``0``: none).
_PENDING: ContextVar[int] = ContextVar("signaltrace_pending_send", default=0)


class TimedReceiver:
    """A receiver, timed when called; everything else is the receiver's (``__getattr__``,
    ``repr``): Django's ``send_robust`` logs ``receiver.__qualname__``, Celery ``%r``.

    ``__wrapped__`` lets the trace's identity (and a failed send's attribution) see through it.
    """

    __slots__ = ("__wrapped__", "_key", "_timer")

    def __init__(self, receiver: Any, key: tuple[int, int], timer: ReceiverTimer) -> None:
        self.__wrapped__ = receiver
        self._key = key
        self._timer = timer

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        timer = self._timer
        if timer.needs_thread():
            timer.enter_thread()
        running = Running()
        token = RUNNING.set(running)
        start = perf_counter_ns()
        try:
            return self.__wrapped__(*args, **kwargs)
        finally:
            elapsed = perf_counter_ns() - start
            RUNNING.reset(token)
            timer.done(self._key, elapsed, running)

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
        if timer.needs_thread():
            timer.enter_thread()
        running = Running()
        token = RUNNING.set(running)
        start = perf_counter_ns()
        try:
            return await self.__wrapped__(*args, **kwargs)
        finally:
            elapsed = perf_counter_ns() - start
            RUNNING.reset(token)
            timer.done(self._key, elapsed, running)


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
        running.queries += 1


class ReceiverTimer:
    """The receiver cost of one installation: the patches' builders and the table they fill."""

    def __init__(self, recorder: Recorder, faults: FaultLog) -> None:
        self.recorder = recorder
        self.faults = faults
        self.table = recorder.costs = CostTable()
        self.active = True
        self._threads = threading.local()
        self._watches: list[QueryWatch] = []
        self._lock = threading.Lock()
        for framework in frameworks.registered():
            if framework.watch_queries is not None:
                try:
                    self._watches.append(framework.watch_queries(count_query))
                except Exception as exc:
                    faults.report(f"counting {framework.name} queries", exc)

    # --- per call ---------------------------------------------------------------------------

    def needs_thread(self) -> bool:
        """Whether the query counting is not in this thread's connections yet."""
        return not getattr(self._threads, "entered", False) and bool(self._watches)

    def enter_thread(self) -> None:
        """Put the query counting in this thread's connections (where the framework is set up)."""
        entered = True
        for watch in self._watches:
            try:
                entered = watch.enter_thread() and entered
            except Exception as exc:
                self.faults.report("counting queries", exc)
        self._threads.entered = entered

    def done(self, key: tuple[int, int], elapsed: int, running: Running) -> None:
        """A timed call ended (returned or raised)."""
        if not self.active:
            return
        try:
            own = max(elapsed - running.nested_ns, 0)
            self.table.add(key, elapsed, own, running.queries, self.recorder.current_test)
        except Exception as exc:
            self.faults.report("timing a receiver", exc)

    # --- the patches ------------------------------------------------------------------------

    def live_receivers_wrapper(self) -> Wrapper:
        """The live-receivers patch: inside a send, each receiver comes out wrapped."""
        signal_ids, signal_token = self.recorder.signals.by_id, self.recorder.signals.token
        handler_token, faults = self.recorder.handlers.token, self.faults

        def timed_live_receivers(
            wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: Any
        ) -> Any:
            result = wrapped(instance, *args, **kwargs)
            if _PENDING.get() != id(instance) or not self.active:
                return result
            _PENDING.set(0)
            try:
                signal = signal_ids.get(id(instance))
                if signal is None:
                    signal = signal_token(instance)

                def wrap(receivers: Any, kind: type[TimedReceiver]) -> Any:
                    return [kind(r, (signal, handler_token(r)), self) for r in receivers]

                if type(result) is tuple and len(result) == 2:  # Django 5+: (sync, async)
                    return wrap(result[0], TimedReceiver), wrap(result[1], TimedAsyncReceiver)
                if type(result) is list:
                    return wrap(result, TimedReceiver)
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
                start = perf_counter_ns()
                try:
                    result = original(signal, sender, **named)
                finally:
                    _PENDING.reset(pending)
                    if parent is not None:
                        parent.nested_ns += perf_counter_ns() - start
                return unwrapped(result)

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
                    parent.nested_ns += perf_counter_ns() - start
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
                    parent.nested_ns += perf_counter_ns() - start
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
