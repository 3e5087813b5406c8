"""Frozen, JSON-ready records of what the signal patches saw during a test run.

A :class:`Trace` holds *aggregated counters*, never event lists, so its size depends on the number
of distinct (signal, site, handler, ...) combinations and not on the number of sends. Traces from
several processes (pytest-xdist workers) are combined with :meth:`Trace.merge`.

Paths are absolute filenames as the interpreter reports them (``co_filename``); the merger makes
them relative to the rootdir. A ``None`` location means "not known" (for example a signal that
existed before the patches were installed has no creation site).

JSON format versions (``Trace.to_json()["version"]``):

* 1: first version: every row spells out its signal, handler and sites as objects, and each
  per-test row lists its node ids.
* 2: tables: ``paths``, ``signals`` (``{"signal", "file", "line"}``, ``file`` an index into
  ``paths``), ``handlers`` (``{"handler", "file", "line"}``) and ``test_ids`` (node ids); the
  rows (``sends``, ``receivers``, ``tests``, ``connects``, ``disconnects``) refer to them by
  index (a ``tests`` row's node ids are its ``test_indexes``), sites are ``[file, line]``.
  Several times smaller and faster to read and write. Version 1 is still read.
  Later in version 2: ``raises`` (``{"signal", "handler", "exception", "message", "count",
  "test_indexes"}``), receivers that raised under a robust send; a trace without it has none.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

#: Version of the JSON written by :meth:`Trace.to_json`; bump it when the layout changes.
TRACE_FORMAT_VERSION = 2

_K = TypeVar("_K")


class CodeRef(NamedTuple):
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
    def from_json(cls, data: Mapping[str, Any]) -> HandlerRef:
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
    def from_json(cls, data: Mapping[str, Any]) -> SignalRef:
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


@dataclass(frozen=True)
class Raised:
    """How often a :class:`RaiseKey` happened, one message, and during which tests."""

    count: int
    #: ``repr()`` of one of the exceptions, ``KeyError('sku')``: the least in sort order, so
    #: that the order of tests and workers does not change it.
    message: str
    tests: frozenset[str] = frozenset()

    def merge(self, other: Raised) -> Raised:
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
    #: Receivers that raised under a robust send (the send caught the exception).
    raises: Mapping[RaiseKey, Raised] = field(default_factory=dict)

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
            raises=merge_raises((*self.raises.items(), *other.raises.items())),
        )

    def is_empty(self) -> bool:
        """Whether nothing was recorded."""
        return not (
            self.sends
            or self.receiver_calls
            or self.tests
            or self.connects
            or self.disconnects
            or self.raises
        )

    def map_paths(self, convert: Callable[[str], str]) -> Trace:
        """This trace with every file path passed through ``convert``; equal rows are merged."""
        paths: dict[str, str] = {}

        def path(value: str) -> str:
            mapped = paths.get(value)
            if mapped is None:
                mapped = paths[value] = convert(value)
            return mapped

        signals: dict[SignalRef, SignalRef] = {}
        handlers: dict[HandlerRef, HandlerRef] = {}

        def signal(ref: SignalRef) -> SignalRef:
            mapped = signals.get(ref)
            if mapped is None:
                mapped = signals[ref] = SignalRef(
                    ref.signal, None if ref.path is None else path(ref.path), ref.line
                )
            return mapped

        def handler(ref: HandlerRef) -> HandlerRef:
            mapped = handlers.get(ref)
            if mapped is None:
                mapped = handlers[ref] = HandlerRef(ref.handler, path(ref.path), ref.line)
            return mapped

        def code(ref: CodeRef | None) -> CodeRef | None:
            return None if ref is None else CodeRef(path(ref.path), ref.line)

        def connect(key: ConnectKey) -> ConnectKey:
            return ConnectKey(
                signal(key.signal),
                None if key.handler is None else handler(key.handler),
                code(key.site),
                key.sender,
                key.dispatch_uid,
            )

        tests: dict[ReceiverKey, frozenset[str]] = {}
        for key, nodes in self.tests.items():
            mapped = ReceiverKey(signal(key.signal), handler(key.handler))
            tests[mapped] = tests.get(mapped, frozenset()) | nodes
        return Trace(
            sends=_sum_pairs(
                (SendKey(signal(k.signal), k.method, code(k.site), code(k.project_site)), n)
                for k, n in self.sends.items()
            ),
            receiver_calls=_sum_pairs(
                (ReceiverKey(signal(k.signal), handler(k.handler)), n)
                for k, n in self.receiver_calls.items()
            ),
            tests=tests,
            connects=_sum_pairs((connect(k), n) for k, n in self.connects.items()),
            disconnects=_sum_pairs((connect(k), n) for k, n in self.disconnects.items()),
            raises=merge_raises(
                (RaiseKey(signal(k.signal), handler(k.handler), k.exception), raised)
                for k, raised in self.raises.items()
            ),
        )

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict (format 2), tables and rows sorted: equal traces, equal JSON."""
        tables = _Tables(self)
        signal, handler, path = tables.signal_index, tables.handler_index, tables.path_index
        # Rows are sorted as tuples of ints and strings (C comparisons), ``None`` spelled -1 or
        # ``(0, "")``, so that the order is the one of the fields with ``None`` first; the JSON
        # objects are built after.
        sends = sorted(
            (
                signal[k.signal],
                k.method,
                *_site_key(k.site, path),
                *_site_key(k.project_site, path),
                n,
            )
            for k, n in self.sends.items()
        )
        receivers = sorted(
            (signal[k.signal], handler[k.handler], n) for k, n in self.receiver_calls.items()
        )
        test_index = tables.test_index
        tests = sorted(
            (signal[k.signal], handler[k.handler], sorted([test_index[node] for node in nodes]))
            for k, nodes in self.tests.items()
        )
        return {
            "version": TRACE_FORMAT_VERSION,
            "paths": tables.paths,
            "signals": [
                {"signal": ref.signal, "file": tables.opt_path_index(ref.path), "line": ref.line}
                for ref in tables.signals
            ],
            "handlers": [
                {"handler": ref.handler, "file": path[ref.path], "line": ref.line}
                for ref in tables.handlers
            ],
            "test_ids": tables.test_ids,
            "sends": [
                {
                    "signal": row[0],
                    "method": row[1],
                    "site": _site_json(row[2], row[3]),
                    "project_site": _site_json(row[4], row[5]),
                    "count": row[6],
                }
                for row in sends
            ],
            "receivers": [{"signal": sig, "handler": hdl, "count": n} for sig, hdl, n in receivers],
            "tests": [
                {"signal": sig, "handler": hdl, "test_indexes": nodes} for sig, hdl, nodes in tests
            ],
            "connects": _connect_rows(self.connects, tables),
            "disconnects": _connect_rows(self.disconnects, tables),
            "raises": _raise_rows(self.raises, tables),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Trace:
        """Build from :meth:`to_json` output (format 2, or 1); rows with equal keys are summed.

        Raises ``ValueError`` (or ``TypeError``) naming the first bad value, as
        ``trace.receivers[0].count is -100 (...)``.
        """
        version = data.get("version")
        if version == 1 and type(version) is int:
            return _from_json_v1(data)
        if version != TRACE_FORMAT_VERSION or type(version) is not int:
            raise ValueError(f"unsupported signal trace format version: {version!r}")
        return _Reader(data).trace()


def _from_json_v1(data: Mapping[str, Any]) -> Trace:
    """Read format 1 (written by pytest-signaltrace 0.1 before the tables)."""
    sends: dict[SendKey, int] = {}
    for row in data.get("sends", ()):
        send_key = SendKey(
            signal=SignalRef.from_json(row["signal"]),
            method=str(row["method"]),
            site=_opt_code(row.get("site")),
            project_site=_opt_code(row.get("project_site")),
        )
        sends[send_key] = sends.get(send_key, 0) + _count(row["count"], "trace.sends[].count")
    calls: dict[ReceiverKey, int] = {}
    for row in data.get("receivers", ()):
        call_key = _receiver_key(row)
        calls[call_key] = calls.get(call_key, 0) + _count(row["count"], "trace.receivers[].count")
    tests: dict[ReceiverKey, frozenset[str]] = {}
    for row in data.get("tests", ()):
        test_key = _receiver_key(row)
        tests[test_key] = tests.get(test_key, frozenset()) | frozenset(map(str, row["tests"]))
    return Trace(
        sends=sends,
        receiver_calls=calls,
        tests=tests,
        connects=_connect_counts(data.get("connects", ())),
        disconnects=_connect_counts(data.get("disconnects", ())),
    )


class _Tables:
    """The sorted tables of format 2 and the index of each entry."""

    def __init__(self, trace: Trace) -> None:
        signals: set[SignalRef] = set()
        handlers: set[HandlerRef] = set()
        paths: set[str] = set()
        nodes: set[str] = set()
        for key in trace.sends:
            signals.add(key.signal)
            paths.update(ref.path for ref in (key.site, key.project_site) if ref is not None)
        for receiver in (*trace.receiver_calls, *trace.tests):
            signals.add(receiver.signal)
            handlers.add(receiver.handler)
        for connect in (*trace.connects, *trace.disconnects):
            signals.add(connect.signal)
            if connect.handler is not None:
                handlers.add(connect.handler)
            if connect.site is not None:
                paths.add(connect.site.path)
        for raised in trace.raises:
            signals.add(raised.signal)
            handlers.add(raised.handler)
        for group in (*trace.tests.values(), *(r.tests for r in trace.raises.values())):
            nodes.update(group)
        paths.update(ref.path for ref in signals if ref.path is not None)
        paths.update(ref.path for ref in handlers)
        self.paths = sorted(paths)
        self.path_index = {path: index for index, path in enumerate(self.paths)}
        self.signals = sorted(
            signals, key=lambda r: (r.signal or "", r.path or "", r.line or 0, r.signal is None)
        )
        self.signal_index = {ref: index for index, ref in enumerate(self.signals)}
        self.handlers = sorted(handlers)
        self.handler_index = {ref: index for index, ref in enumerate(self.handlers)}
        self.test_ids = sorted(nodes)
        self.test_index = {node: index for index, node in enumerate(self.test_ids)}

    def opt_path_index(self, path: str | None) -> int | None:
        """The index of ``path`` in :attr:`paths` (``None`` for ``None``)."""
        return None if path is None else self.path_index[path]


def _site_key(ref: CodeRef | None, paths: Mapping[str, int]) -> tuple[int, int]:
    """A site as ``(path index, line)`` for sorting; ``(-1, -1)`` (first) for ``None``."""
    return (-1, -1) if ref is None else (paths[ref.path], ref.line)


def _site_json(path: int, line: int) -> list[int] | None:
    """The inverse of :func:`_site_key`: ``[path index, line]`` or ``None``."""
    return None if path < 0 else [path, line]


def _text_key(value: str | None) -> tuple[int, str]:
    """A string field for sorting, ``None`` first."""
    return (0, "") if value is None else (1, value)


def _connect_rows(counts: Mapping[ConnectKey, int], tables: _Tables) -> list[dict[str, Any]]:
    signal, handler, path = tables.signal_index, tables.handler_index, tables.path_index
    rows = sorted(
        (
            signal[k.signal],
            -1 if k.handler is None else handler[k.handler],
            *_site_key(k.site, path),
            *_text_key(k.sender),
            *_text_key(k.dispatch_uid),
            n,
        )
        for k, n in counts.items()
    )
    return [
        {
            "signal": row[0],
            "handler": None if row[1] < 0 else row[1],
            "site": _site_json(row[2], row[3]),
            "sender": row[5] if row[4] else None,
            "dispatch_uid": row[7] if row[6] else None,
            "count": row[8],
        }
        for row in rows
    ]


def _raise_rows(raises: Mapping[RaiseKey, Raised], tables: _Tables) -> list[dict[str, Any]]:
    signal, handler, test_index = tables.signal_index, tables.handler_index, tables.test_index
    rows = sorted(
        (signal[key.signal], handler[key.handler], key.exception, raised)
        for key, raised in raises.items()
    )  # keys are distinct: the sort never compares two ``Raised``
    return [
        {
            "signal": sig,
            "handler": hdl,
            "exception": exception,
            "message": raised.message,
            "count": raised.count,
            "test_indexes": sorted([test_index[node] for node in raised.tests]),
        }
        for sig, hdl, exception, raised in rows
    ]


class _Reader:
    """Reads format 2, checking every value; errors name the value, as ``trace.sends[3].count``."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = data
        self.paths = [
            _text(value, f"trace.paths[{i}]") for i, value in enumerate(_list(data, "paths"))
        ]
        self.signals = [
            SignalRef(
                signal=_opt_text(row.get("signal"), f"trace.signals[{i}].signal"),
                path=self._opt_path(row.get("file"), f"trace.signals[{i}].file"),
                line=_opt_line(row.get("line"), f"trace.signals[{i}].line"),
            )
            for i, row in self._rows("signals")
        ]
        self.handlers = [
            HandlerRef(
                handler=_text(row.get("handler"), f"trace.handlers[{i}].handler"),
                path=self._path(row.get("file"), f"trace.handlers[{i}].file"),
                line=_line(row.get("line"), f"trace.handlers[{i}].line"),
            )
            for i, row in self._rows("handlers")
        ]
        self.test_ids = [
            _text(value, f"trace.test_ids[{i}]") for i, value in enumerate(_list(data, "test_ids"))
        ]

    def trace(self) -> Trace:
        """The trace, or ``ValueError``/``TypeError`` for the first bad value."""
        sends: dict[SendKey, int] = {}
        for i, row in self._rows("sends"):
            checked = self._fast_send(row)
            if checked is None:  # something is wrong: find it, and say where
                where = f"trace.sends[{i}]"
                checked = (
                    SendKey(
                        signal=self._signal(row.get("signal"), f"{where}.signal"),
                        method=_text(row.get("method"), f"{where}.method"),
                        site=self._site(row.get("site"), f"{where}.site"),
                        project_site=self._site(row.get("project_site"), f"{where}.project_site"),
                    ),
                    _count(row.get("count"), f"{where}.count"),
                )
            key, count = checked
            sends[key] = sends.get(key, 0) + count
        calls: dict[ReceiverKey, int] = {}
        for i, row in self._rows("receivers"):
            where = f"trace.receivers[{i}]"
            call = self._receiver(row, where)
            calls[call] = calls.get(call, 0) + _count(row.get("count"), f"{where}.count")
        tests: dict[ReceiverKey, frozenset[str]] = {}
        for i, row in self._rows("tests"):
            where = f"trace.tests[{i}]"
            call = self._receiver(row, where)
            tests[call] = tests.get(call, frozenset()) | self._test_ids(row, where)
        return Trace(
            sends=sends,
            receiver_calls=calls,
            tests=tests,
            connects=self._connects("connects"),
            disconnects=self._connects("disconnects"),
            raises=self._raises(),
        )

    # The fast paths below check the same as the slow ones but name nothing: a worker's trace
    # or a data file holds thousands of rows, and building a "where" text for every value was
    # most of reading them. Whenever a fast path finds a problem it returns None and the slow
    # path finds it again, naming it.

    def _fast_site(self, value: object) -> CodeRef | None:
        """The site, or :data:`_BAD_SITE` when it is not a valid one."""
        if value is None:
            return None
        if type(value) is not list or len(value) != 2:
            return _BAD_SITE
        path, line = value
        if type(path) is int and 0 <= path < len(self.paths) and type(line) is int and line >= 0:
            return CodeRef(self.paths[path], line)
        return _BAD_SITE

    def _fast_send(self, row: Mapping[str, Any]) -> tuple[SendKey, int] | None:
        signal, method, count = row.get("signal"), row.get("method"), row.get("count")
        site, project_site = (
            self._fast_site(row.get("site")),
            self._fast_site(row.get("project_site")),
        )
        if (
            type(signal) is int
            and 0 <= signal < len(self.signals)
            and type(method) is str
            and type(count) is int
            and count >= 0
            and site is not _BAD_SITE
            and project_site is not _BAD_SITE
        ):
            return SendKey(self.signals[signal], method, site, project_site), count
        return None

    def _fast_connect(self, row: Mapping[str, Any]) -> tuple[ConnectKey, int] | None:
        signal, handler, count = row.get("signal"), row.get("handler"), row.get("count")
        sender, uid, site = (
            row.get("sender"),
            row.get("dispatch_uid"),
            self._fast_site(row.get("site")),
        )
        if not (
            type(signal) is int
            and 0 <= signal < len(self.signals)
            and (sender is None or type(sender) is str)
            and (uid is None or type(uid) is str)
            and type(count) is int
            and count >= 0
            and site is not _BAD_SITE
        ):
            return None
        if handler is None:
            return ConnectKey(self.signals[signal], None, site, sender, uid), count
        if type(handler) is int and 0 <= handler < len(self.handlers):
            return ConnectKey(
                self.signals[signal], self.handlers[handler], site, sender, uid
            ), count
        return None

    def _test_ids(self, row: Mapping[str, Any], where: str) -> frozenset[str]:
        nodes = row.get("test_indexes")
        size = len(self.test_ids)
        if type(nodes) is list and all(type(n) is int and 0 <= n < size for n in nodes):
            return frozenset([self.test_ids[n] for n in nodes])
        if type(nodes) is not list:
            raise ValueError(
                f"{where}.test_indexes is {_shown(nodes)} (expected a list of indexes)"
            )
        return frozenset(
            self.test_ids[_index(n, len(self.test_ids), f"{where}.test_indexes[{j}]")]
            for j, n in enumerate(nodes)
        )

    def _raises(self) -> dict[RaiseKey, Raised]:
        return merge_raises(
            (
                RaiseKey(
                    self._signal(row.get("signal"), f"trace.raises[{i}].signal"),
                    self._handler(row.get("handler"), f"trace.raises[{i}].handler"),
                    _text(row.get("exception"), f"trace.raises[{i}].exception"),
                ),
                Raised(
                    _count(row.get("count"), f"trace.raises[{i}].count"),
                    _text(row.get("message"), f"trace.raises[{i}].message"),
                    self._test_ids(row, f"trace.raises[{i}]"),
                ),
            )
            for i, row in self._rows("raises")
        )

    def _rows(self, name: str) -> Iterable[tuple[int, Mapping[str, Any]]]:
        for i, row in enumerate(_list(self._data, name)):
            if not isinstance(row, Mapping):
                raise ValueError(f"trace.{name}[{i}] is {_shown(row)} (expected an object)")
            yield i, row

    def _connects(self, name: str) -> dict[ConnectKey, int]:
        counts: dict[ConnectKey, int] = {}
        for i, row in self._rows(name):
            checked = self._fast_connect(row)
            if checked is None:  # something is wrong: find it, and say where
                where = f"trace.{name}[{i}]"
                handler = row.get("handler")
                checked = (
                    ConnectKey(
                        signal=self._signal(row.get("signal"), f"{where}.signal"),
                        handler=None
                        if handler is None
                        else self._handler(handler, f"{where}.handler"),
                        site=self._site(row.get("site"), f"{where}.site"),
                        sender=_opt_text(row.get("sender"), f"{where}.sender"),
                        dispatch_uid=_opt_text(row.get("dispatch_uid"), f"{where}.dispatch_uid"),
                    ),
                    _count(row.get("count"), f"{where}.count"),
                )
            key, count = checked
            counts[key] = counts.get(key, 0) + count
        return counts

    def _receiver(self, row: Mapping[str, Any], where: str) -> ReceiverKey:
        return ReceiverKey(
            self._signal(row.get("signal"), f"{where}.signal"),
            self._handler(row.get("handler"), f"{where}.handler"),
        )

    def _signal(self, value: object, where: str) -> SignalRef:
        return self.signals[_index(value, len(self.signals), where)]

    def _handler(self, value: object, where: str) -> HandlerRef:
        return self.handlers[_index(value, len(self.handlers), where)]

    def _path(self, value: object, where: str) -> str:
        return self.paths[_index(value, len(self.paths), where)]

    def _opt_path(self, value: object, where: str) -> str | None:
        return None if value is None else self._path(value, where)

    def _site(self, value: object, where: str) -> CodeRef | None:
        if value is None:
            return None
        if type(value) is not list or len(value) != 2:
            raise ValueError(f"{where} is {_shown(value)} (expected [path index, line])")
        return CodeRef(self._path(value[0], f"{where}[0]"), _line(value[1], f"{where}[1]"))


#: What :meth:`_Reader._fast_site` returns for a site that is not valid.
_BAD_SITE = CodeRef("", -1)


def _shown(value: object) -> str:
    # json.dumps escapes newlines and other control characters: the message stays one line.
    text = json.dumps(value) if isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _list(data: Mapping[str, Any], name: str) -> list[Any]:
    value = data.get(name, [])
    if type(value) is not list:
        raise ValueError(f"trace.{name} is {_shown(value)} (expected a list)")
    return value


def _natural(value: object, where: str, what: str) -> int:
    if type(value) is not int or value < 0:
        raise ValueError(f"{where} is {_shown(value)} (expected {what})")
    return value


def _count(value: object, where: str) -> int:
    return _natural(value, where, "a count: a whole number >= 0")


def _line(value: object, where: str) -> int:
    return _natural(value, where, "a line number")


def _opt_line(value: object, where: str) -> int | None:
    return None if value is None else _line(value, where)


def _index(value: object, size: int, where: str) -> int:
    index = _natural(value, where, f"an index below {size}")
    if index >= size:
        raise ValueError(f"{where} is {index} (expected an index below {size})")
    return index


def _text(value: object, where: str) -> str:
    if type(value) is not str:
        raise ValueError(f"{where} is {_shown(value)} (expected a string)")
    return value


def _opt_text(value: object, where: str) -> str | None:
    return None if value is None else _text(value, where)


def _sum_pairs(pairs: Iterable[tuple[_K, int]]) -> dict[_K, int]:
    total: dict[_K, int] = {}
    for key, count in pairs:
        total[key] = total.get(key, 0) + count
    return total


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
        counts[key] = counts.get(key, 0) + _count(row["count"], "trace.connects[].count")
    return counts
