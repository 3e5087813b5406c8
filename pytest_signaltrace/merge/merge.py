"""Merge the static map and the runtime trace into one :class:`~pytest_signaltrace.model.Report`.

Static rows and runtime observations meet on stable ids (see ``DESIGN.md``):

* a runtime signal is the static definition created at the same file and line, else the id
  found by walking modules;
* a declared receiver is the runtime ``(signal, handler id)`` pair, or, for ``connect`` calls,
  whatever was connected from the same file and line (so ``sig.connect(mailer.on_placed)``
  meets ``app.mod.Mailer.on_placed`` even when the scan could not name the handler);
* a declared send site is the runtime send whose caller frame lies within the call's lines;
  a site whose signal the scan could not resolve takes the signal(s) the trace saw it send.

Everything seen only at run time is kept when its code is in the project (``declared: false``);
third-party receivers and send sites are left out, except a receiver test code connected (from
a test file, or a ``Mock`` through a project helper such as ``mock_signal_receiver``): it is a
test-only receiver, whatever connects it. Statuses are decided by
:mod:`pytest_signaltrace.merge.verdicts`, from both halves.
"""

from __future__ import annotations

import fnmatch
import os
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import field
from pathlib import Path

from pytest_signaltrace.merge.cascades import cascades_of
from pytest_signaltrace.merge.ordering import record_order
from pytest_signaltrace.merge.sender_verdict import SenderIndex
from pytest_signaltrace.merge.senders import sender_rows, sender_totals
from pytest_signaltrace.merge.verdicts import SendFacts
from pytest_signaltrace.model import (
    Framework,
    RaisedRow,
    Receiver,
    ReceiverRow,
    Report,
    SignalCategory,
    SignalInfo,
    SignalRow,
    StaticMap,
    Totals,
)
from pytest_signaltrace.record import Record
from pytest_signaltrace.scan import catalogue
from pytest_signaltrace.scan.paths import is_test_path
from pytest_signaltrace.scan.walk import DEFAULT_EXCLUDED_DIRS
from pytest_signaltrace.trace.model import CodeRef, HandlerRef, Raised, SignalRef, Trace

#: ``(signal id, handler id)``: how a receiver is known at run time.
RuntimeKey = tuple[str | None, str]


class PathMapper(Record, frozen=False):
    """Turns the absolute filenames of a trace into rootdir-relative POSIX paths.

    A file is *project* code when it lies under one of ``sources`` and not in a hidden or
    vendored folder (``.venv``, ``site-packages`` ...): the same files the scan reads. A pseudo
    filename (``<string>``, ``<stdin>``) is never one, wherever the process ran.
    """

    rootdir: Path
    sources: Sequence[Path]
    _cache: dict[str, str | None] = field(default_factory=dict)

    def project_path(self, filename: str | None) -> str | None:
        """The rootdir-relative path of a project file, or ``None`` for anything else."""
        if not filename:
            return None
        if filename in self._cache:
            return self._cache[filename]
        found = self._relative(filename)
        self._cache[filename] = found
        return found

    def _relative(self, filename: str) -> str | None:
        if filename.startswith("<") and filename.endswith(">"):
            return None  # code with no file (``python -c``, ``exec``): not a project location
        absolute = os.path.abspath(filename)
        for source in self.sources:
            inside = os.path.relpath(absolute, source)
            if inside.startswith(".."):
                continue
            parts = Path(inside).parts
            if any(p.startswith(".") or p in DEFAULT_EXCLUDED_DIRS for p in parts[:-1]):
                continue
            return Path(os.path.relpath(absolute, self.rootdir)).as_posix()
        return None

    def site(self, ref: CodeRef | None) -> tuple[str, int] | None:
        """A project ``(path, line)`` for a runtime code location, or ``None``."""
        if ref is None:
            return None
        path = self.project_path(ref.path)
        return (path, ref.line) if path is not None else None


class Exclusions(Record):
    """Receivers left out of the numbers: glob patterns on the handler id or the path."""

    patterns: tuple[str, ...] = ()

    def matches(self, handler: str, path: str) -> bool:
        """Whether a receiver with this handler id and path is excluded."""
        return any(
            fnmatch.fnmatchcase(handler, p) or fnmatch.fnmatchcase(path, p) for p in self.patterns
        )


def build_report(
    static: StaticMap,
    trace: Trace,
    paths: PathMapper,
    *,
    exclusions: Exclusions = Exclusions(),
    missing_workers: Sequence[str] = (),
) -> Report:
    """Merge ``static`` (paths relative to the rootdir) with ``trace`` into a report."""
    runtime = _RuntimeIndex(static, trace, paths)
    facts = SendFacts(
        static.senders,
        (d.signal for d in static.definitions),
        runtime.signal_sends,
        static.files_skipped,
    )
    receivers = _receiver_rows(static, runtime, facts, paths, exclusions)
    senders = sender_rows(static.senders, runtime.project_sends)
    signals = _signal_rows(static.signals, receivers, runtime, facts)
    counted = [r for r in receivers if not r.test_only and not r.excluded]
    return Report(
        signals=tuple(signals),
        receivers=tuple(receivers),
        senders=tuple(senders),
        receiver_totals=Totals(len(counted), sum(1 for r in counted if r.calls)),
        sender_totals=sender_totals(senders),
        files_skipped=static.files_skipped,
        missing_workers=tuple(sorted(missing_workers)),
        unresolved_connects=static.unresolved_connects,
        cascades=cascades_of(static, trace, paths, receivers, runtime.signal_id),
    )


class _RuntimeIndex:
    """The trace, re-keyed on static ids and project-relative paths."""

    def __init__(self, static: StaticMap, trace: Trace, paths: PathMapper) -> None:
        self.paths = paths
        self._by_site = {(d.path, d.line): d.signal for d in static.definitions}
        self._signal_ids: dict[SignalRef, str | None] = {}
        self.calls: dict[RuntimeKey, int] = defaultdict(int)
        self.tests: dict[RuntimeKey, set[str]] = defaultdict(set)
        self.handler_code: dict[RuntimeKey, HandlerRef] = {}
        #: Project connect sites -> the runtime keys connected there.
        self.connected_at: dict[tuple[str, int], set[RuntimeKey]] = defaultdict(set)
        self.connect_sites: dict[RuntimeKey, list[tuple[str, int]]] = defaultdict(list)
        self.signal_sends: dict[str | None, int] = defaultdict(int)
        #: Project send sites: (path, line, method) -> calls per signal sent from there.
        self.project_sends: dict[tuple[str, int, str], dict[str | None, int]] = defaultdict(
            lambda: defaultdict(int)
        )
        for key, count in trace.receiver_calls.items():
            runtime_key = (self.signal_id(key.signal), key.handler.handler)
            self.calls[runtime_key] += count
            self.handler_code[runtime_key] = key.handler
        for key, nodes in trace.tests.items():
            self.tests[(self.signal_id(key.signal), key.handler.handler)].update(nodes)
        #: Runtime keys -> exception type -> what it raised under robust sends.
        self.raises: dict[RuntimeKey, dict[str, Raised]] = defaultdict(dict)
        for raise_key, raised in trace.raises.items():
            runtime_key = (self.signal_id(raise_key.signal), raise_key.handler.handler)
            self.handler_code.setdefault(runtime_key, raise_key.handler)
            by_type = self.raises[runtime_key]
            known = by_type.get(raise_key.exception)
            by_type[raise_key.exception] = raised if known is None else known.merge(raised)
        for connect, _count in trace.connects.items():
            if connect.handler is None:
                continue
            runtime_key = (self.signal_id(connect.signal), connect.handler.handler)
            self.handler_code.setdefault(runtime_key, connect.handler)
            site = paths.site(connect.site)
            if site is not None:
                self.connected_at[site].add(runtime_key)
                if site not in self.connect_sites[runtime_key]:
                    self.connect_sites[runtime_key].append(site)
        self.by_sender = SenderIndex(trace, self.signal_id)
        for send, count in trace.sends.items():
            signal = self.signal_id(send.signal)
            self.signal_sends[signal] += count
            site = paths.site(send.site)
            if site is not None:
                self.project_sends[(site[0], site[1], send.method)][signal] += count

    def signal_id(self, ref: SignalRef) -> str | None:
        """The static id of a runtime signal: its definition site first, then its module id."""
        # A trace has a few dozen signals but thousands of rows naming them: decide once each.
        if ref not in self._signal_ids:
            self._signal_ids[ref] = self._signal_id(ref)
        return self._signal_ids[ref]

    def _signal_id(self, ref: SignalRef) -> str | None:
        site = self.paths.site(CodeRef(ref.path, ref.line)) if ref.path and ref.line else None
        if site is not None and site in self._by_site:
            return self._by_site[site]
        return catalogue.canonical_builtin(ref.signal) if ref.signal else None

    def raised(self, keys: Iterable[RuntimeKey]) -> tuple[RaisedRow, ...]:
        """What the receivers of ``keys`` raised under robust sends, per exception type: the
        most frequent first, then by name."""
        by_type: dict[str, Raised] = {}
        for key in keys:
            for exception, raised in self.raises.get(key, {}).items():
                known = by_type.get(exception)
                by_type[exception] = raised if known is None else known.merge(raised)
        rows = (
            RaisedRow(exception, raised.count, raised.message, tuple(sorted(raised.tests)))
            for exception, raised in by_type.items()
        )
        return tuple(sorted(rows, key=lambda r: (-r.count, r.exception)))

    def keys(self) -> Iterable[RuntimeKey]:
        """Every receiver seen at run time: connected or called."""
        return {*self.calls, *self.connect_sites, *self.handler_code}


def _receiver_rows(
    static: StaticMap,
    runtime: _RuntimeIndex,
    facts: SendFacts,
    paths: PathMapper,
    exclusions: Exclusions,
) -> list[ReceiverRow]:
    rows: list[ReceiverRow] = []
    matched: set[RuntimeKey] = set()
    for receiver in static.receivers:
        keys = _matching_keys(receiver, runtime)
        matched.update(keys)
        rows.append(_declared_row(receiver, keys, runtime, facts, exclusions))
    for key in sorted(set(runtime.keys()) - matched, key=lambda k: (k[0] or "", k[1])):
        row = _runtime_only_row(key, runtime, facts, paths, exclusions)
        if row is not None:
            rows.append(row)
    return sorted(rows, key=record_order)


def _matching_keys(receiver: Receiver, runtime: _RuntimeIndex) -> set[RuntimeKey]:
    keys: set[RuntimeKey] = set()
    if receiver.signal is not None:
        keys.add((receiver.signal, receiver.handler))
    if receiver.kind == "connect":
        for key in runtime.connected_at.get((receiver.path, receiver.line), ()):
            if receiver.signal is None or key[0] == receiver.signal:
                keys.add(key)
    return keys


def _declared_row(
    receiver: Receiver,
    keys: set[RuntimeKey],
    runtime: _RuntimeIndex,
    facts: SendFacts,
    exclusions: Exclusions,
) -> ReceiverRow:
    calls = sum(runtime.calls.get(k, 0) for k in keys)
    signal = receiver.signal or next((k[0] for k in sorted(keys, key=str) if k[0]), None)
    status, evidence, possible = facts.receiver(signal, ran=bool(calls))
    tests = sorted({node for k in keys for node in runtime.tests.get(k, ())})
    return ReceiverRow(
        path=receiver.path,
        line=receiver.line,
        signal=signal,
        handler=receiver.handler,
        sender=receiver.sender,
        declared=True,
        test_only=receiver.test_only,
        calls=calls,
        status=status,
        tests=tuple(tests),
        kind=receiver.kind,
        excluded=receiver.excluded or exclusions.matches(receiver.handler, receiver.path),
        def_path=receiver.def_path,
        def_line=receiver.def_line,
        code=receiver.code,
        evidence=evidence,
        possible_senders=possible,
        raised=runtime.raised(keys),
        senders_seen=runtime.by_sender.instead(status, keys),
    )


def _runtime_only_row(
    key: RuntimeKey,
    runtime: _RuntimeIndex,
    facts: SendFacts,
    paths: PathMapper,
    exclusions: Exclusions,
) -> ReceiverRow | None:
    code = runtime.handler_code.get(key)
    handler_site = paths.site(CodeRef(code.path, code.line)) if code and code.path else None
    sites = runtime.connect_sites.get(key, [])
    if handler_site is None:
        # A library's receiver (or one without Python code): not ours to report, unless test
        # code connected it (a ``Mock`` through a project helper): a test-only receiver.
        site = _test_connect_site(key[1], sites)
        if site is None:
            return None
        test_only = True
    else:
        site = sites[0] if sites else handler_site
        test_only = is_test_path(site[0]) or is_test_path(handler_site[0])
    calls = runtime.calls.get(key, 0)
    status, evidence, possible = facts.receiver(key[0], ran=bool(calls))
    return ReceiverRow(
        path=site[0],
        line=site[1],
        signal=key[0],
        handler=key[1],
        sender=None,
        declared=False,
        test_only=test_only,
        calls=calls,
        status=status,
        tests=tuple(sorted(runtime.tests.get(key, ()))),
        kind="runtime",
        excluded=exclusions.matches(key[1], site[0]),
        def_path=handler_site[0] if handler_site else None,
        def_line=handler_site[1] if handler_site else None,
        evidence=evidence,
        possible_senders=possible,
        raised=runtime.raised([key]),
        senders_seen=runtime.by_sender.instead(status, [key]),
    )


#: Handler ids of test doubles: a receiver that is one was connected by test code.
_TEST_DOUBLES = ("unittest.mock.", "mock.mock.", "asynctest.")


def _test_connect_site(
    handler: str, sites: Sequence[tuple[str, int]]
) -> tuple[str, int] | None:
    """Where test code connected a receiver whose code is not the project's: a connect in a
    test file, or any project connect of a test double (a project's ``mock_signal_receiver``
    helper may live outside the tests); ``None`` when test code did not."""
    in_tests = [site for site in sites if is_test_path(site[0])]
    if in_tests:
        return in_tests[0]
    if sites and handler.startswith(_TEST_DOUBLES):
        return sites[0]
    return None


def _signal_rows(
    infos: Sequence[SignalInfo],
    receivers: Sequence[ReceiverRow],
    runtime: _RuntimeIndex,
    facts: SendFacts,
) -> list[SignalRow]:
    static_by_id = {info.signal: info for info in infos}
    received: dict[str, list[ReceiverRow]] = defaultdict(list)
    for row in receivers:
        if row.signal is not None:
            received[row.signal].append(row)
    rows = []
    for signal in sorted({*static_by_id, *received}):
        info = static_by_id.get(signal)
        verdict = facts.of(signal)
        rows.append(
            SignalRow(
                signal=signal,
                framework=info.framework if info else _runtime_framework(signal),
                category=info.category if info else _runtime_category(signal),
                status=verdict.status(
                    len(received[signal]), sum(r.test_only for r in received[signal])
                ),
                sends=runtime.signal_sends.get(signal, 0),
                receivers=len(received[signal]),
                exercised_receivers=sum(1 for r in received[signal] if r.calls),
                definition_path=info.definition_path if info else None,
                definition_line=info.definition_line if info else None,
                evidence=verdict.evidence,
                possible_senders=verdict.possible,
            )
        )
    return rows


def _runtime_category(signal: str) -> SignalCategory:
    if signal in catalogue.builtin_signals():
        return SignalCategory.BUILTIN
    return SignalCategory.EXTERNAL


def _runtime_framework(signal: str) -> Framework:
    return catalogue.framework_of_signal(signal)

