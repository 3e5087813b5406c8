"""The keys of a :class:`~pytest_signaltrace.trace.model.Trace`'s rows: where a signal, a handler
and a call are, and which distinct send, receiver call, connect or raise a row counts.

Plain tuples (``NamedTuple``): hashable, cheap to build on the recording path, and compared
field by field, so a trace's rows sort the same in every process.
"""

# No ``from __future__ import annotations``: NamedTuple and TypedDict compile each string
# annotation (a ForwardRef) when the class is made, at every import.

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from pytest_signaltrace.record import Record


class CodeRef(NamedTuple):
    """A place in the source: an absolute filename and a 1-based line."""

    path: str
    line: int

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {"path": self.path, "line": self.line}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "CodeRef":
        """Build from :meth:`to_json` output."""
        return cls(path=str(data["path"]), line=int(data["line"]))


class HandlerRef(NamedTuple):
    """The function a receiver runs.

    ``handler`` is ``module.qualname`` of the underlying function (bound methods give their
    ``__func__``, ``functools.partial`` its ``func``, callable instances ``type(obj).__call__``,
    ``functools.wraps`` decorators the wrapped function), ``path``/``line`` its code's filename and
    ``co_firstlineno``. A callable without Python code (a builtin) has ``path == ""`` and
    ``line == 0``.
    """

    handler: str
    path: str
    line: int

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {"handler": self.handler, "path": self.path, "line": self.line}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "HandlerRef":
        """Build from :meth:`to_json` output."""
        return cls(handler=str(data["handler"]), path=str(data["path"]), line=int(data["line"]))


class SignalRef(NamedTuple):
    """A signal: its definition id when known, and where it was created.

    ``signal`` is the dotted path of the definition (``shop.signals.order_placed``,
    ``shop.signals.Hooks.ready``); ``path``/``line`` is the frame that called ``Signal.__init__``,
    known only for signals created after the patches were installed.
    """

    signal: str | None
    path: str | None
    line: int | None

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {"signal": self.signal, "path": self.path, "line": self.line}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "SignalRef":
        """Build from :meth:`to_json` output."""
        line = data.get("line")
        return cls(
            signal=_opt_str(data.get("signal")),
            path=_opt_str(data.get("path")),
            line=None if line is None else int(line),
        )


class SendKey(NamedTuple):
    """One distinct send: a signal, the method used, where it was called from.

    ``site`` is the caller of ``send*``; ``project_site`` is the first frame (walking outwards from
    the caller) whose file is under a project root: for a framework-sent signal such as
    ``post_save`` the caller is inside Django and ``project_site`` is the project code that
    triggered it. Either is ``None`` when not found.
    """

    signal: SignalRef
    #: ``send``, ``send_robust``, ``asend`` or ``asend_robust``.
    method: str
    site: CodeRef | None
    project_site: CodeRef | None


class ReceiverKey(NamedTuple):
    """A handler running for a signal."""

    signal: SignalRef
    handler: HandlerRef


class ConnectKey(NamedTuple):
    """One distinct ``connect`` (or ``disconnect``) call.

    ``handler`` is ``None`` for a ``disconnect(dispatch_uid=...)`` without a receiver. ``sender``
    describes the sender without holding it: ``module.qualname`` for a class, the string itself
    for a string, ``<module.Type object>`` otherwise, ``None`` for any sender. ``dispatch_uid``
    is the string given, ``repr()`` of an int or tuple, ``<Type>`` for anything else.
    """

    signal: SignalRef
    handler: HandlerRef | None
    site: CodeRef | None
    sender: str | None
    dispatch_uid: str | None


class RaiseKey(NamedTuple):
    """A handler that raised one type of exception under a robust send of a signal (which
    caught it and returned it: ``send_robust``, ``asend_robust``, Celery's ``send``)."""

    signal: SignalRef
    handler: HandlerRef
    #: The exception's type: ``KeyError`` for a builtin, ``module.qualname`` otherwise.
    exception: str


class Raised(Record):
    """How often a :class:`RaiseKey` happened, one message, and during which tests."""

    count: int
    #: ``repr()`` of one of the exceptions, ``KeyError('sku')``: the least in sort order, so
    #: that the order of tests and workers does not change it.
    message: str
    tests: frozenset[str] = frozenset()

    def merge(self, other: "Raised") -> "Raised":
        """Both together: counts summed, the lesser message, tests united."""
        return Raised(
            self.count + other.count, min(self.message, other.message), self.tests | other.tests
        )


def merge_raises(pairs: Iterable[tuple[RaiseKey, Raised]]) -> dict[RaiseKey, Raised]:
    """The pairs, with the records of equal keys merged (see :meth:`Raised.merge`)."""
    total: dict[RaiseKey, Raised] = {}
    for key, raised in pairs:
        known = total.get(key)
        total[key] = raised if known is None else known.merge(raised)
    return total


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)
