"""Which receivers ran when a ``send*`` raised instead of returning its response list.

Everything is read from the dispatcher's own frames in the traceback (never the receivers'):

* the live receivers: the ``sync_receivers``/``async_receivers`` locals (Django 5.0+); else, where
  the frame has a ``responses`` list (Django 4.2 ``send_robust``, Celery ``send``), the receivers
  in it plus the ``receiver`` local; else (Django 4.2 ``send``, a list comprehension whose partial
  result is lost) the list captured by the ``_live_receivers`` patch (see
  :func:`needs_capture`);
* how far the loop got: a ``responses`` list local (those receivers completed, the next one
  raised); else a ``receiver`` local (4.2's comprehension on Python 3.11: that one raised); else
  the frame called right after the dispatcher's (the receiver whose code it runs raised);
* an ``asend*`` frame in the traceback: the sync receivers ran unless the ``sync_send`` helper's
  frame says otherwise; whether the async receivers started when a sync one raised depends on the
  Django version (see :func:`asend_starts_async_with_sync`).

The raising receiver counts as having run; a failure past the sync loop counts every sync receiver
plus every async one. When nothing fits, no receiver is counted (the send itself still is).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from types import CodeType, FrameType, FunctionType, TracebackType
from typing import Any

from pytest_signaltrace.trace.identity import direct_code

# --- Django's dispatcher, version by version ---------------------------------------------------
# Every per-version fact this module relies on is here (to move to the Django adapter as one).
# 5.0-6.0: ``asend``/``asend_robust`` run ``asyncio.gather(sync_send(), gather(*async))``: the
#   async receivers start alongside the thread running the sync ones, so when a sync receiver
#   raises, every async one has started.
# 6.1: ``await sync_send()`` first, then the async receivers in a ``TaskGroup``
#   (``_run_parallel``, in a copy of the caller's context that is copied back afterwards): a
#   raising sync receiver means no async one started. One failing async receiver is re-raised
#   unwrapped, two or more as a ``BaseExceptionGroup`` (the dispatcher's frames are the same).

#: The first Django whose ``asend*`` finish the sync receivers before starting the async ones.
ASEND_SYNC_FIRST_SINCE = (6, 1)


def asend_starts_async_with_sync(version: object) -> bool:
    """Whether the ``asend*`` of this dispatcher version start the async receivers while the sync
    ones run.

    ``version`` is the dispatcher package's ``VERSION`` (``django.VERSION``); anything else
    answers as the oldest ``asend`` does.
    """
    if type(version) is not tuple:
        return True
    return tuple(version[:2]) < ASEND_SYNC_FIRST_SINCE


def _dispatcher_version(frame: FrameType) -> object:
    """The ``VERSION`` of the top-level package whose dispatcher code runs in ``frame``."""
    package = str(frame.f_globals.get("__name__", "")).partition(".")[0]
    return getattr(sys.modules.get(package), "VERSION", None)


def split_live(captured: object) -> tuple[list[object], list[object]]:
    """``_live_receivers``' result as ``(sync, async)`` lists, for every supported version."""
    if captured is None:
        return [], []
    if type(captured) is tuple and len(captured) == 2:
        sync, asynchronous = captured
        return list(sync), list(asynchronous)
    return list(captured), []  # type: ignore[call-overload]


#: The locals a dispatcher keeps its ``[(receiver, response), ...]`` list in, as it fills it.
_RESPONSE_LISTS = ("responses", "results")


def needs_capture(send: object) -> bool:
    """Whether the frames of this ``send*`` cannot tell which receivers it had (Django 4.2 send)."""
    code = getattr(send, "__code__", None)
    if not isinstance(code, CodeType):
        return True
    names = {*code.co_varnames, *code.co_cellvars}
    return "sync_receivers" not in names and not (
        "receiver" in names and any(name in names for name in _RESPONSE_LISTS)
    )


def _responses(local_vars: Mapping[str, Any]) -> list[Any] | None:
    """The dispatcher frame's ``[(receiver, response), ...]`` list so far, if it has one."""
    for name in _RESPONSE_LISTS:
        responses = local_vars.get(name)
        if type(responses) is list:
            return responses
    return None


def dispatch_codes(functions: Iterable[object]) -> set[CodeType]:
    """The code objects of ``functions`` and every code nested in them (comprehensions, helpers)."""
    found: set[CodeType] = set()
    pending = [f.__code__ for f in functions if type(f) is FunctionType]
    while pending:
        code = pending.pop()
        if code not in found:
            found.add(code)
            pending.extend(const for const in code.co_consts if isinstance(const, CodeType))
    return found


def receivers_before_failure(
    traceback: TracebackType | None,
    captured: object,
    loop_codes: set[CodeType],
    async_codes: set[CodeType],
) -> list[object]:
    """The receivers that ran (the raising one included) in a send that raised.

    ``loop_codes`` are the codes of the patched ``send*`` methods and their nested code,
    ``async_codes`` those of ``asend`` and ``asend_robust`` (nested code included).
    """
    frames = []
    while traceback is not None:
        frames.append(traceback.tb_frame)
        traceback = traceback.tb_next
    loop = [index for index, frame in enumerate(frames) if frame.f_code in loop_codes]
    if not loop:
        return []
    if captured is None:
        captured = _live_from_frames([frames[index].f_locals for index in loop])
    sync, asynchronous = split_live(captured)
    async_frames = [frames[index] for index in loop if frames[index].f_code in async_codes]
    in_async = bool(async_frames)
    position = None
    for index in reversed(loop):
        position = _position_from_locals(frames[index].f_locals, sync, asynchronous)
        if position is not None:
            break
    if position is None:
        if in_async:
            position = len(sync)
        elif loop[-1] + 1 < len(frames):
            position = _position_from_code(frames[loop[-1] + 1].f_code, sync)
    if position is None:
        return []
    if position < len(sync):
        ran = sync[: position + 1]
        if in_async and asend_starts_async_with_sync(_dispatcher_version(async_frames[0])):
            return ran + asynchronous
        return ran
    return sync + asynchronous


def _live_from_frames(frame_locals: list[Mapping[str, Any]]) -> object:
    """The live receivers as the dispatcher's locals show them, outermost frame first."""
    for local_vars in frame_locals:
        sync = local_vars.get("sync_receivers")
        if type(sync) is list:
            asynchronous = local_vars.get("async_receivers")
            return sync, asynchronous if type(asynchronous) is list else []
    for local_vars in reversed(frame_locals):
        responses = _responses(local_vars)
        if responses is not None:
            ran = [pair[0] for pair in responses]
            if "receiver" in local_vars:
                ran.append(local_vars["receiver"])
            return ran
    return None


def _position_from_locals(
    local_vars: Mapping[str, Any], sync: list[object], asynchronous: list[object]
) -> int | None:
    """Index in ``sync`` of the receiver that raised, ``len(sync)`` if past the sync loop."""
    responses = _responses(local_vars)
    if responses is not None:
        return len(responses)
    if "receiver" in local_vars:
        receiver = local_vars["receiver"]
        for index, candidate in enumerate(sync):
            if candidate is receiver:
                return index
        if any(candidate is receiver for candidate in asynchronous):
            return len(sync)
    return None


def _position_from_code(code: CodeType, sync: list[object]) -> int | None:
    for index, candidate in enumerate(sync):
        if direct_code(candidate) is code:
            return index
    return None
