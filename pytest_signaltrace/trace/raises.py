"""Receivers that raised under a robust send, whose exception the send caught and returned.

Django's ``send_robust``/``asend_robust`` and Celery's ``send`` (its ``send_robust`` is the same
function) catch a receiver's exception and return it as that receiver's response: the test goes
on and passes. The send patches hand such a send's ``[(receiver, response), ...]`` list to
:meth:`RaiseLog.note` (only when a response is an exception: the check is inlined there), which
counts, per signal, handler and exception type, how many times it raised, during which tests,
and one message. Nothing is added to the signal and the list is returned unchanged.

A response counts as raised when it is an :class:`Exception` with a ``__traceback__``: an
exception a receiver merely *returns* was never raised and has none.

The message kept is ``repr()`` of the exception (``KeyError('sku')``), cut to
:data:`MESSAGE_LIMIT` characters; of several, the least in sort order, so that a run reports
the same whatever the order of its tests or the xdist worker that saw them.

With ``strict`` on (``--signal-strict``), each raise during a test is also kept as a
:class:`Swallowed` (the traceback formatted at once, so that no frame, receiver or instance is
kept alive), for the plugin to fail the test with (see :mod:`pytest_signaltrace.plugin.strict`).
"""

from __future__ import annotations

import itertools
import traceback
from collections.abc import Callable, Sequence
from typing import Any, TypeAlias

from pytest_signaltrace.record import Record

#: Longest message kept (the rest is cut, with ``...``).
MESSAGE_LIMIT = 200
#: How many raises of one test phase strict mode keeps a traceback of (the rest are counted).
TRACEBACKS_KEPT = 5

#: ``(signal token, handler token, exception type)``.
RaiseRow: TypeAlias = tuple[int, int, str]
Counter: TypeAlias = "itertools.count[int]"


class Swallowed(Record):
    """One exception a robust send swallowed during a test (strict mode), described in text."""

    signal: int
    handler: int
    method: str
    #: ``repr()`` of the exception, cut (see :data:`MESSAGE_LIMIT`).
    message: str
    #: The formatted traceback, from the send that caught it down to the ``raise``.
    traceback: str


class RaiseLog:
    """The raises seen so far: counters, messages and tests, per :data:`RaiseRow`.

    Lock-free like the recorder: counters are ``itertools.count`` objects in dicts created with
    ``setdefault``, test sets grow with ``set.add``, messages are replaced by one assignment.
    """

    def __init__(self) -> None:
        self.counts: dict[RaiseRow, Counter] = {}
        self.messages: dict[RaiseRow, str] = {}
        self.tests: dict[RaiseRow, set[str]] = {}
        #: Whether to keep each raise of the running test as a :class:`Swallowed`.
        self.strict = False
        #: The raises of the running test phase (strict mode), at most :data:`TRACEBACKS_KEPT`.
        self.swallowed: list[Swallowed] = []
        #: How many more raises the running test phase had.
        self.more = 0

    def note(
        self,
        signal: int,
        method: str,
        result: Sequence[Any],
        handler_token: Callable[[object], int],
        test: str | None,
    ) -> None:
        """Count each receiver of ``result`` (a robust send's responses) that raised."""
        for pair in result:
            response = pair[1]
            if not isinstance(response, Exception) or response.__traceback__ is None:
                continue
            handler = handler_token(pair[0])
            row = (signal, handler, exception_name(type(response)))
            counter = self.counts.get(row)
            if counter is None:
                counter = self.counts.setdefault(row, itertools.count())
            next(counter)
            message = describe(response)
            known = self.messages.get(row)
            if known is None or message < known:
                self.messages[row] = message
            if test is not None:
                nodes = self.tests.get(row)
                if nodes is None:
                    nodes = self.tests.setdefault(row, set())
                nodes.add(test)
                if self.strict:
                    self._keep(signal, handler, method, message, response)

    def _keep(
        self, signal: int, handler: int, method: str, message: str, exc: Exception
    ) -> None:
        if len(self.swallowed) >= TRACEBACKS_KEPT:
            self.more += 1
            return
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self.swallowed.append(Swallowed(signal, handler, method, message, text))

    def take_swallowed(self) -> tuple[list[Swallowed], int]:
        """The raises kept since the last call (and how many more there were); starts anew."""
        kept, more = self.swallowed, self.more
        self.swallowed, self.more = [], 0
        return kept, more


def exception_name(kind: type) -> str:
    """``KeyError`` for a builtin exception, ``module.qualname`` otherwise."""
    module = getattr(kind, "__module__", None)
    qualname = getattr(kind, "__qualname__", None) or kind.__name__
    return qualname if module in (None, "builtins") else f"{module}.{qualname}"


def describe(exc: BaseException) -> str:
    """``repr(exc)``, cut to :data:`MESSAGE_LIMIT` characters (a failing ``__repr__`` gives
    ``Type(<unrepresentable>)``)."""
    try:
        text = repr(exc)
    except Exception:
        text = f"{type(exc).__name__}(<unrepresentable>)"
    if len(text) > MESSAGE_LIMIT:
        text = text[: MESSAGE_LIMIT - 3] + "..."
    return text
