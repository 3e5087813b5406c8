"""A run's evidence for ``signaltrace fix``: which receivers and signals the run shows alive.

The data file's rows are matched to the current scan by handler id (``module.qualname``) and
signal id, and the registration's code line, never by path and line: a data file written in
another checkout folder, or a line added above a receiver since the run, still vetoes what it
should. A receiver ``fix`` would remove that the data file does not know as it is now (not in
it, or its line changed since the run) makes the evidence stale: ``fix`` refuses rather than
act on a guess (:class:`StaleEvidence`). A receiver outside the folders the run scanned has no
evidence either way: it is left alone (and counted, to say so).
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import field

from pytest_signaltrace.model import (
    Receiver,
    ReceiverRow,
    ReceiverStatus,
    Report,
    SignalRow,
    SignalStatus,
)
from pytest_signaltrace.record import Record


class StaleEvidence(Exception):
    """The data file does not describe the tree as it is; ``str()`` is one line."""


class RunEvidence(Record, frozen=False):
    """The rows of a run's report, by handler id and signal id."""

    #: The data file, as messages name it.
    name: str
    #: The folders the run scanned, relative to its rootdir (POSIX; ``"."``: all of it).
    sources: tuple[str, ...] = (".",)
    #: Receivers left alone because the run did not scan their file (path, line).
    outside: set[tuple[str, int]] = field(default_factory=set)
    receivers: dict[str, list[ReceiverRow]] = field(default_factory=lambda: defaultdict(list))
    signals: dict[str, list[SignalRow]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def of(cls, report: Report, name: str, sources: tuple[str, ...] = (".",)) -> RunEvidence:
        """The evidence of ``report`` (the data file's, rebuilt); ``sources`` as the data file
        names them (an absolute one, outside the run's rootdir, cannot be told in this tree)."""
        evidence = cls(name, tuple(s for s in sources if not os.path.isabs(s)))
        for row in report.receivers:
            evidence.receivers[row.handler].append(row)
        for signal in report.signals:
            evidence.signals[signal.signal].append(signal)
        return evidence

    def handler_ran(self, handler: str) -> bool:
        """Whether the run saw ``handler`` run, for any signal."""
        return any(row.calls for row in self.receivers.get(handler, ()))

    def receiver_may_go(self, receiver: Receiver) -> bool:
        """Whether the run agrees ``receiver`` is dead (``False``: it ran, its signal was sent,
        or the run was unsure). Raises :class:`StaleEvidence` when the run does not know it."""
        rows = self.receivers.get(receiver.handler, [])
        if not self._scanned(receiver.path):
            self.outside.add((receiver.path, receiver.line))
            return False
        if any(r.calls and (not r.declared or r.signal in (None, receiver.signal)) for r in rows):
            return False
        same = [r for r in rows if r.declared and r.signal == receiver.signal]
        if not same:
            raise StaleEvidence(
                f"{self.name} does not match the tree: {receiver.path}:{receiver.line} "
                f"({receiver.handler}) is not in it; run the tests again, or pass --no-data"
            )
        if not any(r.code == receiver.code for r in same):
            raise StaleEvidence(
                f"{self.name} does not match the tree: {receiver.path}:{receiver.line} "
                f"({receiver.handler}) changed since the run; run the tests again, or pass "
                "--no-data"
            )
        return all(r.status is ReceiverStatus.DEAD and not r.calls for r in same)

    def _scanned(self, path: str) -> bool:
        """Whether the run scanned ``path`` (relative to the rootdir)."""
        return any(
            source in (".", "") or path == source or path.startswith(source.rstrip("/") + "/")
            for source in self.sources
        )

    def signal_may_go(self, signal: str, path: str, line: int) -> bool:
        """Whether the run agrees ``signal`` is unused (never sent, no receiver at run time).
        Raises :class:`StaleEvidence` when the run does not know it."""
        rows = self.signals.get(signal)
        if not self._scanned(path):
            self.outside.add((path, line))
            return False
        if not rows:
            raise StaleEvidence(
                f"{self.name} does not match the tree: the signal {signal} ({path}:{line}) is "
                "not in it; run the tests again, or pass --no-data"
            )
        return all(
            row.status is SignalStatus.UNUSED and not row.sends and not row.receivers
            for row in rows
        )
