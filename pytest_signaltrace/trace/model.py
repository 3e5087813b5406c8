"""Frozen, JSON-ready records of what the signal patches saw during a test run.

A :class:`Trace` holds *aggregated counters*, never event lists, so its size depends on the number
of distinct (signal, site, handler, ...) combinations and not on the number of sends. Traces from
several processes (pytest-xdist workers) are combined with :meth:`Trace.merge`.

Paths are absolute filenames as the interpreter reports them (``co_filename``); the merger makes
them relative to the rootdir. A ``None`` location means "not known" (for example a signal that
existed before the patches were installed has no creation site).

JSON format versions (``Trace.to_json()["version"]``):

* 1: first version.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

#: Version of the JSON written by :meth:`Trace.to_json`; bump it when the layout changes.
TRACE_FORMAT_VERSION = 1

_K = TypeVar("_K")


@dataclass(frozen=True)
class CodeRef:
    """A place in the source: an absolute filename and a 1-based line."""

    path: str
    line: int

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {"path": self.path, "line": self.line}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CodeRef:
        """Build from :meth:`to_json` output."""
        return cls(path=str(data["path"]), line=int(data["line"]))


@dataclass(frozen=True)
class HandlerRef:
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
    def from_json(cls, data: Mapping[str, Any]) -> HandlerRef:
        """Build from :meth:`to_json` output."""
        return cls(handler=str(data["handler"]), path=str(data["path"]), line=int(data["line"]))


@dataclass(frozen=True)
class SignalRef:
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
    def from_json(cls, data: Mapping[str, Any]) -> SignalRef:
        """Build from :meth:`to_json` output."""
        line = data.get("line")
        return cls(
            signal=_opt_str(data.get("signal")),
            path=_opt_str(data.get("path")),
            line=None if line is None else int(line),
        )


@dataclass(frozen=True)
class SendKey:
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


@dataclass(frozen=True)
class ReceiverKey:
    """A handler running for a signal."""

    signal: SignalRef
    handler: HandlerRef


@dataclass(frozen=True)
class ConnectKey:
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


@dataclass(frozen=True)
class Trace:
    """Aggregated runtime facts about signals, for one process or merged from several."""

    #: Number of calls per distinct send.
    sends: Mapping[SendKey, int] = field(default_factory=dict)
    #: Number of times each handler ran for each signal.
    receiver_calls: Mapping[ReceiverKey, int] = field(default_factory=dict)
    #: Node ids of the tests during which each handler ran for each signal.
    tests: Mapping[ReceiverKey, frozenset[str]] = field(default_factory=dict)
    #: Number of calls per distinct connect.
    connects: Mapping[ConnectKey, int] = field(default_factory=dict)
    #: Number of calls per distinct disconnect.
    disconnects: Mapping[ConnectKey, int] = field(default_factory=dict)

    def merge(self, other: Trace) -> Trace:
        """Return a new trace with the counts of both summed and their test sets united."""
        tests: dict[ReceiverKey, frozenset[str]] = dict(self.tests)
        for key, nodes in other.tests.items():
            tests[key] = tests.get(key, frozenset()) | nodes
        return Trace(
            sends=_sum_counts(self.sends, other.sends),
            receiver_calls=_sum_counts(self.receiver_calls, other.receiver_calls),
            tests=tests,
            connects=_sum_counts(self.connects, other.connects),
            disconnects=_sum_counts(self.disconnects, other.disconnects),
        )

    def is_empty(self) -> bool:
        """Whether nothing was recorded."""
        return not (
            self.sends or self.receiver_calls or self.tests or self.connects or self.disconnects
        )

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict, every list sorted so equal traces give equal JSON."""
        return {
            "version": TRACE_FORMAT_VERSION,
            "sends": _sorted_rows(
                {
                    "signal": key.signal.to_json(),
                    "method": key.method,
                    "site": _opt_json(key.site),
                    "project_site": _opt_json(key.project_site),
                    "count": count,
                }
                for key, count in self.sends.items()
            ),
            "receivers": _sorted_rows(
                {"signal": key.signal.to_json(), "handler": key.handler.to_json(), "count": count}
                for key, count in self.receiver_calls.items()
            ),
            "tests": _sorted_rows(
                {
                    "signal": key.signal.to_json(),
                    "handler": key.handler.to_json(),
                    "tests": sorted(nodes),
                }
                for key, nodes in self.tests.items()
            ),
            "connects": _sorted_rows(_connect_row(k, n) for k, n in self.connects.items()),
            "disconnects": _sorted_rows(_connect_row(k, n) for k, n in self.disconnects.items()),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Trace:
        """Build from :meth:`to_json` output; rows with equal keys are summed."""
        version = data.get("version")
        if version != TRACE_FORMAT_VERSION:
            raise ValueError(f"unsupported signal trace format version: {version!r}")
        sends: dict[SendKey, int] = {}
        for row in data.get("sends", ()):
            send_key = SendKey(
                signal=SignalRef.from_json(row["signal"]),
                method=str(row["method"]),
                site=_opt_code(row.get("site")),
                project_site=_opt_code(row.get("project_site")),
            )
            sends[send_key] = sends.get(send_key, 0) + int(row["count"])
        calls: dict[ReceiverKey, int] = {}
        for row in data.get("receivers", ()):
            call_key = _receiver_key(row)
            calls[call_key] = calls.get(call_key, 0) + int(row["count"])
        tests: dict[ReceiverKey, frozenset[str]] = {}
        for row in data.get("tests", ()):
            test_key = _receiver_key(row)
            tests[test_key] = tests.get(test_key, frozenset()) | frozenset(map(str, row["tests"]))
        return cls(
            sends=sends,
            receiver_calls=calls,
            tests=tests,
            connects=_connect_counts(data.get("connects", ())),
            disconnects=_connect_counts(data.get("disconnects", ())),
        )


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def _opt_json(ref: CodeRef | None) -> dict[str, Any] | None:
    return None if ref is None else ref.to_json()


def _opt_code(data: Mapping[str, Any] | None) -> CodeRef | None:
    return None if data is None else CodeRef.from_json(data)


def _sum_counts(left: Mapping[_K, int], right: Mapping[_K, int]) -> dict[_K, int]:
    total = dict(left)
    for key, count in right.items():
        total[key] = total.get(key, 0) + count
    return total


def _sort_value(value: object) -> tuple[Any, ...]:
    """A total order over JSON values that tolerates ``None`` next to strings and ints."""
    if value is None:
        return (0,)
    if isinstance(value, bool | int):
        return (1, int(value))
    if isinstance(value, str):
        return (2, value)
    if isinstance(value, Mapping):  # rows are built with their identifying fields first
        return (3, tuple(_sort_value(v) for v in value.values()))
    if isinstance(value, list | tuple):
        return (4, tuple(_sort_value(v) for v in value))
    return (5, repr(value))


def _sorted_rows(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=_sort_value)


def _connect_row(key: ConnectKey, count: int) -> dict[str, Any]:
    return {
        "signal": key.signal.to_json(),
        "handler": None if key.handler is None else key.handler.to_json(),
        "site": _opt_json(key.site),
        "sender": key.sender,
        "dispatch_uid": key.dispatch_uid,
        "count": count,
    }


def _receiver_key(row: Mapping[str, Any]) -> ReceiverKey:
    return ReceiverKey(
        signal=SignalRef.from_json(row["signal"]), handler=HandlerRef.from_json(row["handler"])
    )


def _connect_counts(rows: Iterable[Mapping[str, Any]]) -> dict[ConnectKey, int]:
    counts: dict[ConnectKey, int] = {}
    for row in rows:
        handler = row.get("handler")
        key = ConnectKey(
            signal=SignalRef.from_json(row["signal"]),
            handler=None if handler is None else HandlerRef.from_json(handler),
            site=_opt_code(row.get("site")),
            sender=_opt_str(row.get("sender")),
            dispatch_uid=_opt_str(row.get("dispatch_uid")),
        )
        counts[key] = counts.get(key, 0) + int(row["count"])
    return counts
