"""Writing a :class:`~pytest_signaltrace.trace.model.Trace` as JSON, format 2 (see the format
history in :mod:`pytest_signaltrace.trace.model`): tables of paths, signals, handlers and test
ids, and rows that refer to them by index, everything sorted, so equal traces give equal JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from pytest_signaltrace.trace.cascade_keys import CascadeKey, ChainKey
from pytest_signaltrace.trace.costs import Cost, cost_row
from pytest_signaltrace.trace.keys import (
    CodeRef,
    ConnectKey,
    HandlerRef,
    Raised,
    RaiseKey,
    ReceiverKey,
    SendKey,
    SignalRef,
)

#: Version of the JSON written by :func:`trace_document`; bump it when the layout changes.
TRACE_FORMAT_VERSION = 2

class TraceRows(Protocol):
    """The rows of a trace, as :class:`~pytest_signaltrace.trace.model.Trace` holds them."""

    @property
    def sends(self) -> Mapping[SendKey, int]: ...
    @property
    def receiver_calls(self) -> Mapping[ReceiverKey, int]: ...
    @property
    def tests(self) -> Mapping[ReceiverKey, frozenset[str]]: ...
    @property
    def connects(self) -> Mapping[ConnectKey, int]: ...
    @property
    def disconnects(self) -> Mapping[ConnectKey, int]: ...
    @property
    def raises(self) -> Mapping[RaiseKey, Raised]: ...
    @property
    def senders_seen(self) -> Mapping[SignalRef, frozenset[str]]: ...
    @property
    def durations(self) -> Mapping[ReceiverKey, Cost]: ...
    @property
    def cascades(self) -> Mapping[CascadeKey, int]: ...
    @property
    def cascade_tests(self) -> Mapping[CascadeKey, frozenset[str]]: ...
    @property
    def chains(self) -> Mapping[ChainKey, frozenset[str]]: ...


def trace_document(trace: TraceRows) -> dict[str, Any]:
    """The JSON-ready document of ``trace`` (format 2), tables and rows sorted."""
    tables = _Tables(trace)
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
        for k, n in trace.sends.items()
    )
    receivers = sorted(
        (signal[k.signal], handler[k.handler], n) for k, n in trace.receiver_calls.items()
    )
    test_index = tables.test_index
    tests = sorted(
        (signal[k.signal], handler[k.handler], sorted([test_index[node] for node in nodes]))
        for k, nodes in trace.tests.items()
    )
    document = {
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
        "connects": _connect_rows(trace.connects, tables),
        "disconnects": _connect_rows(trace.disconnects, tables),
        "raises": _raise_rows(trace.raises, tables),
        **_cascade_rows(trace, tables),
    }
    if trace.senders_seen:  # left out when empty: the documents of other traces are unchanged
        document["senders_seen"] = [
            {"signal": sig, "senders": senders}
            for sig, senders in sorted(
                (signal[ref], sorted(described)) for ref, described in trace.senders_seen.items()
            )
        ]
    if trace.durations:  # only then: a trace without costs is the document it always was
        document["durations"] = [
            {"signal": sig, "handler": hdl, **cost_row(trace.durations[key], test_index)}
            for sig, hdl, key in sorted(
                (signal[k.signal], handler[k.handler], k) for k in trace.durations
            )
        ]
    return document


class _Tables:
    """The sorted tables of format 2 and the index of each entry."""

    def __init__(self, trace: TraceRows) -> None:
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
        signals.update(trace.senders_seen)
        for raised in trace.raises:
            signals.add(raised.signal)
            handlers.add(raised.handler)
        for receiver in trace.durations:
            signals.add(receiver.signal)
            handlers.add(receiver.handler)
        nodes.update(c.max_test for c in trace.durations.values() if c.max_test is not None)
        for edge in (*trace.cascades, *trace.cascade_tests):
            signals.add(edge.signal)
            handlers.add(edge.handler)
            if edge.under is not None:
                signals.add(edge.under)
            if edge.parent is not None:
                handlers.add(edge.parent)
        for chain in trace.chains:
            signals.update(chain.signals)
            handlers.update(chain.handlers)
        for group in (
            *trace.tests.values(),
            *(r.tests for r in trace.raises.values()),
            *trace.cascade_tests.values(),
            *trace.chains.values(),
        ):
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


def _cascade_rows(trace: TraceRows, tables: _Tables) -> dict[str, Any]:
    """The ``cascades`` and ``chains`` rows; none at all for a trace without cascades (the
    document of an older trace stays as it was)."""
    if not (trace.cascades or trace.cascade_tests or trace.chains):
        return {}
    signal, handler, test_index = tables.signal_index, tables.handler_index, tables.test_index
    edges = sorted(
        (
            handler[key.handler],
            signal[key.signal],
            -1 if key.under is None else signal[key.under],
            -1 if key.parent is None else handler[key.parent],
            trace.cascades.get(key, 0),
            sorted([test_index[node] for node in trace.cascade_tests.get(key, ())]),
        )
        for key in {*trace.cascades, *trace.cascade_tests}
    )
    chains = sorted(
        (
            [signal[ref] for ref in key.signals],
            [handler[ref] for ref in key.handlers],
            sorted([test_index[node] for node in nodes]),
        )
        for key, nodes in trace.chains.items()
    )
    return {
        "cascades": [
            {
                "handler": hdl,
                "signal": sig,
                "under": None if under < 0 else under,
                "parent": None if parent < 0 else parent,
                "count": n,
                "test_indexes": nodes,
            }
            for hdl, sig, under, parent, n, nodes in edges
        ],
        "chains": [
            {"signals": sigs, "handlers": hdls, "test_indexes": nodes}
            for sigs, hdls, nodes in chains
        ],
    }
