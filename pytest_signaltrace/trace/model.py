"""Frozen, JSON-ready records of what the signal patches saw during a test run.

A :class:`Trace` holds *aggregated counters*, never event lists, so its size depends on the number
of distinct (signal, site, handler, ...) combinations and not on the number of sends. Traces from
several processes (pytest-xdist workers) are combined with :meth:`Trace.merge`.

Paths are absolute filenames as the interpreter reports them (``co_filename``); the merger makes
them relative to the rootdir. A ``None`` location means "not known" (for example a signal that
existed before the patches were installed has no creation site).

The rows' keys are in :mod:`.keys`, the JSON form in :mod:`.json_write` and :mod:`.json_read`;
this module re-exports the keys, so ``from pytest_signaltrace.trace.model import ...`` names
them all.

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
  Later in version 2: ``senders_seen`` (``{"signal", "senders"}``, written only when not empty),
  the described senders of signals with a receiver connected for one sender; a trace without
  it has none.
  Later in version 2: ``durations`` (``{"signal", "handler", "calls", "total_ns", "own_ns",
  "max_ns", "max_test", "queries"}``, ``max_test`` an index into ``test_ids`` or ``null``), the
  receivers' cost with ``--signal-durations`` (see :mod:`.costs`); written only when there is
  one, so a trace without it is the same document as before.
  Later in version 2 (read by data files of version 3): ``cascades`` (``{"handler", "signal",
  "under", "parent", "count", "test_indexes"}``: the handler, running as a receiver of
  ``under`` (sent by the handler ``parent``; either ``null`` when not known), sent the signal) and
  ``chains`` (``{"signals", "handlers", "test_indexes"}``: the deepest chains of nested sends,
  ``signals`` one longer than ``handlers``); a trace without them has none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from pytest_signaltrace.record import Record, field
from pytest_signaltrace.trace.cascade_keys import (
    CascadeKey,
    ChainKey,
    deepest_chains,
    merge_chains,
)
from pytest_signaltrace.trace.costs import Cost, merge_costs
from pytest_signaltrace.trace.json_write import TRACE_FORMAT_VERSION, trace_document
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
from pytest_signaltrace.trace.pairs import summed as _sum_pairs
from pytest_signaltrace.trace.pairs import united as _unite_pairs

__all__ = [
    "TRACE_FORMAT_VERSION",
    "CodeRef",
    "ConnectKey",
    "HandlerRef",
    "RaiseKey",
    "Raised",
    "ReceiverKey",
    "SendKey",
    "SignalRef",
    "Trace",
    "merge_raises",
]

_K = TypeVar("_K")


class Trace(Record):
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
    #: The senders (described) of each signal that has a receiver connected for one sender.
    senders_seen: Mapping[SignalRef, frozenset[str]] = field(default_factory=dict)
    #: What each receiver cost (only with ``--signal-durations``).
    durations: Mapping[ReceiverKey, Cost] = field(default_factory=dict)
    #: Sends made while a receiver ran: how many per (handler, signal sent).
    cascades: Mapping[CascadeKey, int] = field(default_factory=dict)
    #: Node ids of the tests during which each cascade edge happened.
    cascade_tests: Mapping[CascadeKey, frozenset[str]] = field(default_factory=dict)
    #: The deepest chains of nested sends seen, and their tests.
    chains: Mapping[ChainKey, frozenset[str]] = field(default_factory=dict)

    def merge(self, other: Trace) -> Trace:
        """Return a new trace with the counts of both summed and their test sets united."""
        tests: dict[ReceiverKey, frozenset[str]] = dict(self.tests)
        for key, nodes in other.tests.items():
            known = tests.get(key)  # a set of its own is kept, not copied (see pairs.united)
            tests[key] = nodes if known is None else known | nodes
        return Trace(
            sends=_sum_counts(self.sends, other.sends),
            receiver_calls=_sum_counts(self.receiver_calls, other.receiver_calls),
            tests=tests,
            connects=_sum_counts(self.connects, other.connects),
            disconnects=_sum_counts(self.disconnects, other.disconnects),
            raises=merge_raises((*self.raises.items(), *other.raises.items())),
            senders_seen=_unite_pairs((*self.senders_seen.items(), *other.senders_seen.items())),
            durations=merge_costs((*self.durations.items(), *other.durations.items())),
            cascades=_sum_counts(self.cascades, other.cascades),
            cascade_tests=_united(self.cascade_tests, other.cascade_tests),
            chains=merge_chains(self.chains, other.chains),
        )

    @classmethod
    def merged(cls, traces: Iterable[Trace]) -> Trace:
        """One trace of many (xdist workers, subprocess fragments), as :meth:`merge` in turn
        would give, in time linear in their total size: merging in turn copied the growing
        result once per trace (32 workers' 64,000 rows took 7 times as long as 2 workers')."""
        sends: dict[SendKey, int] = {}
        calls: dict[ReceiverKey, int] = {}
        tests: dict[ReceiverKey, set[str]] = {}
        connects: dict[ConnectKey, int] = {}
        disconnects: dict[ConnectKey, int] = {}
        raises: list[tuple[RaiseKey, Raised]] = []
        senders_seen: dict[SignalRef, set[str]] = {}
        durations: list[tuple[ReceiverKey, Cost]] = []
        cascades: dict[CascadeKey, int] = {}
        cascade_tests: list[tuple[CascadeKey, frozenset[str]]] = []
        chains: list[tuple[ChainKey, frozenset[str]]] = []
        for trace in traces:
            _add_counts(sends, trace.sends)
            _add_counts(calls, trace.receiver_calls)
            _add_counts(connects, trace.connects)
            _add_counts(disconnects, trace.disconnects)
            for key, nodes in trace.tests.items():
                known = tests.get(key)
                if known is None:
                    tests[key] = set(nodes)
                else:
                    known.update(nodes)
            raises.extend(trace.raises.items())
            for signal, senders in trace.senders_seen.items():
                senders_seen.setdefault(signal, set()).update(senders)
            durations.extend(trace.durations.items())
            _add_counts(cascades, trace.cascades)
            cascade_tests.extend(trace.cascade_tests.items())
            chains.extend(trace.chains.items())
        return cls(
            sends=sends,
            receiver_calls=calls,
            tests={key: frozenset(nodes) for key, nodes in tests.items()},
            connects=connects,
            disconnects=disconnects,
            raises=merge_raises(raises),
            senders_seen={signal: frozenset(seen) for signal, seen in senders_seen.items()},
            durations=merge_costs(durations),
            cascades=cascades,
            cascade_tests=_unite_pairs(cascade_tests),
            chains=deepest_chains(chains),
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
            or self.senders_seen
            or self.durations
            or self.cascades
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

        def edge(key: CascadeKey) -> CascadeKey:
            return CascadeKey(
                handler(key.handler),
                signal(key.signal),
                None if key.under is None else signal(key.under),
                None if key.parent is None else handler(key.parent),
            )

        tests: dict[ReceiverKey, frozenset[str]] = {}
        for key, nodes in self.tests.items():
            mapped = ReceiverKey(signal(key.signal), handler(key.handler))
            known = tests.get(mapped)  # the same set, not a copy (see pairs.united)
            tests[mapped] = nodes if known is None else known | nodes
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
            senders_seen=_unite_pairs(
                (signal(ref), described) for ref, described in self.senders_seen.items()
            ),
            durations=merge_costs(
                (ReceiverKey(signal(k.signal), handler(k.handler)), cost)
                for k, cost in self.durations.items()
            ),
            cascades=_sum_pairs((edge(k), n) for k, n in self.cascades.items()),
            cascade_tests=_unite_pairs((edge(k), t) for k, t in self.cascade_tests.items()),
            chains=merge_chains(
                {},
                _unite_pairs(
                    (
                        ChainKey(tuple(map(signal, k.signals)), tuple(map(handler, k.handlers))),
                        nodes,
                    )
                    for k, nodes in self.chains.items()
                ),
            ),
        )

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict (format 2), tables and rows sorted: equal traces, equal JSON."""
        return trace_document(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Trace:
        """Build from :meth:`to_json` output (format 2, or 1); rows with equal keys are summed.

        Raises ``ValueError`` (or ``TypeError``) naming the first bad value, as
        ``trace.receivers[0].count is -100 (...)``.
        """
        # Here: only a process that reads a trace (the xdist controller, the data file's
        # readers) pays for the reader's modules, not every process that records one.
        from pytest_signaltrace.trace.json_read import read_trace

        return cls(**read_trace(data))


def _add_counts(total: dict[_K, int], counts: Mapping[_K, int]) -> None:
    for key, count in counts.items():
        total[key] = total.get(key, 0) + count


def _united(
    left: Mapping[_K, frozenset[str]], right: Mapping[_K, frozenset[str]]
) -> dict[_K, frozenset[str]]:
    return _unite_pairs((*left.items(), *right.items()))


def _sum_counts(left: Mapping[_K, int], right: Mapping[_K, int]) -> dict[_K, int]:
    total = dict(left)
    for key, count in right.items():
        total[key] = total.get(key, 0) + count
    return total
