"""Reading a trace's JSON (format 2, or 1) into the rows of a
:class:`~pytest_signaltrace.trace.model.Trace`, checking every value: a worker's trace and a data
file come from outside, and an error names the first bad value, as ``trace.sends[3].count``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypedDict

from pytest_signaltrace.trace.cascade_json import read_cascades
from pytest_signaltrace.trace.cascade_keys import CascadeKey, ChainKey
from pytest_signaltrace.trace.costs import Cost
from pytest_signaltrace.trace.json_read_optional import read_durations, read_senders_seen
from pytest_signaltrace.trace.json_values import count as _count
from pytest_signaltrace.trace.json_values import index as _index
from pytest_signaltrace.trace.json_values import line as _line
from pytest_signaltrace.trace.json_values import listed as _list
from pytest_signaltrace.trace.json_values import opt_line as _opt_line
from pytest_signaltrace.trace.json_values import opt_text as _opt_text
from pytest_signaltrace.trace.json_values import shown as _shown
from pytest_signaltrace.trace.json_values import text as _text
from pytest_signaltrace.trace.json_write import TRACE_FORMAT_VERSION
from pytest_signaltrace.trace.keys import (
    CodeRef,
    ConnectKey,
    HandlerRef,
    Raised,
    RaiseKey,
    ReceiverKey,
    SendKey,
    SignalRef,
    merge_raises,
)


class TraceFields(TypedDict):
    """The fields of a :class:`~pytest_signaltrace.trace.model.Trace`, as read."""

    sends: dict[SendKey, int]
    receiver_calls: dict[ReceiverKey, int]
    tests: dict[ReceiverKey, frozenset[str]]
    connects: dict[ConnectKey, int]
    disconnects: dict[ConnectKey, int]
    raises: dict[RaiseKey, Raised]
    senders_seen: dict[SignalRef, frozenset[str]]
    durations: dict[ReceiverKey, Cost]
    cascades: dict[CascadeKey, int]
    cascade_tests: dict[CascadeKey, frozenset[str]]
    chains: dict[ChainKey, frozenset[str]]


def read_trace(data: Mapping[str, Any]) -> TraceFields:
    """The rows of a trace's JSON (format 2, or 1); rows with equal keys are summed.

    Raises ``ValueError`` (or ``TypeError``) naming the first bad value, as
    ``trace.receivers[0].count is -100 (...)``.
    """
    version = data.get("version")
    if version == 1 and type(version) is int:
        return _from_json_v1(data)
    if version != TRACE_FORMAT_VERSION or type(version) is not int:
        raise ValueError(f"unsupported signal trace format version: {version!r}")
    return _Reader(data).trace()


def _from_json_v1(data: Mapping[str, Any]) -> TraceFields:
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
    return TraceFields(
        sends=sends,
        receiver_calls=calls,
        tests=tests,
        connects=_connect_counts(data.get("connects", ())),
        disconnects=_connect_counts(data.get("disconnects", ())),
        raises={},
        senders_seen={},
        durations={},
        cascades={},
        cascade_tests={},
        chains={},
    )


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

    def trace(self) -> TraceFields:
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
        cascades = self._cascades()
        tests: dict[ReceiverKey, frozenset[str]] = {}
        for i, row in self._rows("tests"):
            where = f"trace.tests[{i}]"
            call = self._receiver(row, where)
            tests[call] = tests.get(call, frozenset()) | self._test_ids(row, where)
        return TraceFields(
            sends=sends,
            receiver_calls=calls,
            tests=tests,
            connects=self._connects("connects"),
            disconnects=self._connects("disconnects"),
            raises=self._raises(),
            senders_seen=read_senders_seen(self._rows("senders_seen"), self._signal),
            durations=read_durations(self._rows("durations"), self._receiver, self.test_ids),
            cascades=cascades["cascades"],
            cascade_tests=cascades["cascade_tests"],
            chains=cascades["chains"],
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

    def _cascades(self) -> dict[str, Any]:
        return read_cascades(
            self._rows("cascades"),
            self._rows("chains"),
            self._signal,
            self._handler,
            self._test_ids,
            _count,
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


def _opt_code(data: Mapping[str, Any] | None) -> CodeRef | None:
    return None if data is None else CodeRef.from_json(data)


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


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)
