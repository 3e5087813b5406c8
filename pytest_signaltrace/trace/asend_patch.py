"""The recording ``asend``: what replaces a signal class's coroutine sends."""

from __future__ import annotations

import sys
from collections.abc import Callable, Coroutine
from typing import Any

import wrapt

from pytest_signaltrace.trace.frames import Site
from pytest_signaltrace.trace.nesting import ASEND_CHAIN, asend_in_flight, depth
from pytest_signaltrace.trace.tracer import Tracer, caller


def asend_patch(tracer: Tracer, cls: type, method: str, capture_live: bool) -> Any:
    """Wrap ``cls.<method>`` (an ``asend``-like coroutine method) so the coroutine records the
    send; returns the wrapper put in place.

    A wrapt ``FunctionWrapper`` here, not a plain function: it keeps
    ``inspect.iscoroutinefunction`` true on Python 3.11 (asgiref's ``async_to_sync`` checks
    it), and ``asend`` is not hot. The returned coroutine creates the original's only when it
    starts: one closed or cancelled before it runs leaves no un-awaited coroutine behind. Its
    ``__name__``/``__qualname__`` are the original's.
    """
    finder, faults = tracer.finder, tracer.faults
    getframe = sys._getframe
    installation = tracer
    watched = tracer.recorder.senders_seen.watched
    note_sender = tracer.recorder.senders_seen.note

    def asend_wrapper(
        wrapped: Callable[..., Any],
        instance: Any,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        if not installation.active or instance is None:
            return wrapped(*args, **kwargs)
        if watched and id(instance) in watched:
            note_sender(instance, args[0] if args else kwargs.get("sender"))
        try:
            site, project_site = finder.sites(getframe(1))
        except Exception as exc:
            faults.report(f"Signal.{method}", exc)
            site = project_site = None
        coroutine: Any = _traced_asend(
            installation, wrapped, args, kwargs, instance, method, site, project_site, capture_live
        )
        coroutine.__name__ = wrapped.__name__
        coroutine.__qualname__ = wrapped.__qualname__
        return coroutine

    return wrapt.wrap_function_wrapper(cls, method, asend_wrapper)


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
