"""The recording ``asend``: what replaces a signal class's coroutine sends."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Coroutine
from types import MethodType
from typing import Any

from pytest_signaltrace.trace.frames import Site
from pytest_signaltrace.trace.nesting import ASEND_CHAIN, asend_in_flight, depth
from pytest_signaltrace.trace.tracer import Tracer, caller


def asend_patch(tracer: Tracer, cls: type, method: str, capture_live: bool) -> Any:
    """Wrap ``cls.<method>`` (an ``asend``-like coroutine method) so the coroutine records the
    send; returns the wrapper put in place (an :class:`AsyncSendPatch`).

    The returned coroutine creates the original's only when it starts: one closed or
    cancelled before it runs leaves no un-awaited coroutine behind. Its
    ``__name__``/``__qualname__`` are the original's.
    """
    finder, faults = tracer.finder, tracer.faults
    getframe = sys._getframe
    installation = tracer
    watched = tracer.recorder.senders_seen.watched
    note_sender = tracer.recorder.senders_seen.note
    wrapped = cls.__dict__[method]

    def asend_call(*args: Any, **kwargs: Any) -> Any:
        if not installation.active or not args:
            return wrapped(*args, **kwargs)
        instance = args[0]
        if watched and id(instance) in watched:
            note_sender(instance, args[1] if len(args) > 1 else kwargs.get("sender"))
        try:
            site, project_site = finder.sites(getframe(2))
        except Exception as exc:
            faults.report(f"Signal.{method}", exc)
            site = project_site = None
        coroutine: Any = _traced_asend(
            installation, wrapped, args, kwargs, instance, method, site, project_site, capture_live
        )
        coroutine.__name__ = wrapped.__name__
        coroutine.__qualname__ = wrapped.__qualname__
        return coroutine

    patch = AsyncSendPatch(wrapped, asend_call)
    setattr(cls, method, patch)
    return patch


class AsyncSendPatch:
    """What a coroutine send of a signal class is replaced by: it calls ``call`` (with the
    signal first) and is, to ``inspect``, the coroutine function it replaces.

    Not a plain function, which a caller asking ``inspect.iscoroutinefunction`` (asgiref's
    ``async_to_sync`` does, on Python 3.11 without the marker of 3.12) would see returns no
    coroutine: like a function, it binds as a method (``MethodType``), and it has the
    original's ``__code__``, defaults, name, annotations and ``__wrapped__``, which is what
    ``inspect`` reads of a function-like object. It replaces wrapt's ``FunctionWrapper``: the
    same answers to ``inspect``, without importing wrapt's package (and ``asyncio``) in every
    traced process.
    """

    __wrapped__: Any

    def __init__(self, original: Any, call: Callable[..., Any]) -> None:
        functools.update_wrapper(self, original)
        self.__code__ = getattr(original, "__code__", None)
        self.__defaults__ = getattr(original, "__defaults__", None)
        self.__kwdefaults__ = getattr(original, "__kwdefaults__", None)
        self._call = call

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        return self if instance is None else MethodType(self, instance)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        return self._call(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<traced {self.__wrapped__!r}>"


async def _traced_asend(
    tracer: Tracer,
    wrapped: Callable[..., Coroutine[Any, Any, Any]],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    signal: Any,
    method: str,
    site: Site | None,
    project_site: Site | None,
    capture_live: bool,
) -> Any:
    """Create and await the original ``asend*`` coroutine, recording as the sync patch does."""
    __tracebackhide__ = True
    if not tracer.active:
        return await wrapped(*args, **kwargs)
    holder = [id(signal), None] if capture_live else None
    capture = tracer._capture
    previous = capture.slot
    chain = tracer.cascade.asend_chain(signal, caller(1), depth())
    reset = ASEND_CHAIN.set(chain)  # seen by its receivers' tasks (copies of this context)
    asend_in_flight(1)
    if holder is not None:
        capture.slot = holder  # _live_receivers runs before asend's first await
    try:
        result = await wrapped(*args, **kwargs)
    except BaseException as exc:
        capture.slot = previous
        tracer._record_failure_at(signal, method, site, project_site, exc, holder)
        raise
    finally:
        asend_in_flight(-1)
        ASEND_CHAIN.reset(reset)
    capture.slot = previous
    if holder is not None:
        holder[1] = None
    tracer._record_at(signal, method, site, project_site, result)
    return result
