"""Whether a send starts while another runs: the mark that makes cascades cheap to find.

Every traced send counts itself in a per-thread depth while the original runs (in C, in
:mod:`._fastsend`, where it was built: one thread-local increment); an ``asend`` adds itself to
a process-wide number of asends in flight and to :data:`ASEND_CHAIN`, a context variable that
the asend's receivers see (asyncio tasks and asgiref's ``sync_to_async`` threads copy the
context). A send that finds the depth above zero, or an asend in flight, is handed to the
cascade log (:mod:`.cascade`), which walks the frames to the receiver that made it; every other
send pays nothing more.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from typing import Any

#: The links of the asends running around this code: signal and handler tokens, alternating,
#: ending with the signal of the innermost asend (see :mod:`.cascade`); ``()`` outside.
ASEND_CHAIN: contextvars.ContextVar[tuple[Any, ...]] = contextvars.ContextVar(
    "signaltrace_asend_chain", default=()
)


class _Depth(threading.local):
    def __init__(self) -> None:
        #: The signals of the sends running in this thread, outermost first.
        self.signals: list[object] = []


_local = _Depth()
_asends = [0]


def _py_enter(signal: object) -> int:
    signals = _local.signals
    signals.append(signal)
    return len(signals) - 1


def _py_leave() -> None:
    if _local.signals:
        _local.signals.pop()


def _py_depth() -> int:
    return len(_local.signals)


def _py_asend(delta: int) -> int:
    _asends[0] = max(0, _asends[0] + delta)
    return _asends[0]


_Functions = tuple[
    Callable[[object], int], Callable[[], None], Callable[[], int], Callable[[int], int]
]


def _functions() -> _Functions:
    try:  # one counter for the C and the Python send patches alike
        from pytest_signaltrace.trace._fastsend import (
            nesting_asend,
            nesting_depth,
            nesting_enter,
            nesting_leave,
        )
    except ImportError:  # no compiler at install time
        return _py_enter, _py_leave, _py_depth, _py_asend
    return nesting_enter, nesting_leave, nesting_depth, nesting_asend


#: ``enter(signal)``: a traced send of ``signal`` starts in this thread (the depth before it);
#: ``leave()``: it finished; ``depth()``: how many run.
enter, leave, depth, _asend_counter = _functions()
#: ``[asends in flight]``, for the Python send patches (a list item is cheaper to read than a
#: call); the C one reads its own copy.
in_flight = [0]


def asend_in_flight(delta: int) -> int:
    """Add ``delta`` to the asends in flight (both copies); the new number."""
    number = _asend_counter(delta)
    in_flight[0] = number
    return number
