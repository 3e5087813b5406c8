"""Which receivers ran when a ``send*`` raised instead of returning its response list.

The live receivers of the failed send are captured by the ``_live_receivers`` patch (a list in
Django 4.2 and Celery, ``(sync, async)`` in Django 5.0+). The traceback then tells how far the
dispatch loop got, read from the dispatcher's own frames (never from the receivers'):

* a frame with a ``responses`` list local (Django 5.x ``send``/``send_robust``, 4.2
  ``send_robust``, Celery ``send``, the ``sync_send`` helper of ``asend*``): the receivers in it
  completed, the next one raised;
* else a frame with a ``receiver`` local (4.2's ``send`` list comprehension on Python 3.11):
  that receiver raised;
* else the frame called right after the dispatcher's: the receiver whose code it runs raised;
* an ``asend*`` frame in the traceback: every async receiver was started by ``asyncio.gather``,
  and the sync receivers ran unless the ``sync_send`` frame above says otherwise.

The raising receiver counts as having run; a failure past the sync loop counts every sync receiver
plus every async one. When nothing fits, no receiver is counted (the send itself still is).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import CodeType, FunctionType, TracebackType
from typing import Any

from pytest_signaltrace.trace.identity import direct_code


def split_live(captured: object) -> tuple[list[object], list[object]]:
    """``_live_receivers``' result as ``(sync, async)`` lists, for every supported version."""
    if captured is None:
        return [], []
    if type(captured) is tuple and len(captured) == 2:
        sync, asynchronous = captured
        return list(sync), list(asynchronous)
    return list(captured), []  # type: ignore[call-overload]


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
    sync, asynchronous = split_live(captured)
    frames = []
    while traceback is not None:
        frames.append(traceback.tb_frame)
        traceback = traceback.tb_next
    loop = [index for index, frame in enumerate(frames) if frame.f_code in loop_codes]
    if not loop:
        return []
    in_async = any(frames[index].f_code in async_codes for index in loop)
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
        return ran + asynchronous if in_async else ran
    return sync + asynchronous


def _position_from_locals(
    local_vars: Mapping[str, Any], sync: list[object], asynchronous: list[object]
) -> int | None:
    """Index in ``sync`` of the receiver that raised, ``len(sync)`` if past the sync loop."""
    responses = local_vars.get("responses")
    if type(responses) is list:
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
