"""Verdicts: whether a signal is sent, and so whether its receivers can run.

Pure functions shared by the static scan (``scan/derive.py``) and the merge (``merge.py``), so
that ``signaltrace scan`` and the merged report decide alike. A signal is

* **sent** when a send site the scan resolved sends it, when it is defined outside the scanned
  source (Django, Celery or a library sends it), or when the trace saw it sent: runtime evidence
  wins over whatever the scan said;
* else **possibly sent** when a send site the scan could not resolve (``Sender.signal`` is
  ``None``) might send it: its ``signal_candidates`` name the signal, or it has none (then it
  could be any signal); or when the scan skipped a file that may send (too large, unparsable:
  :attr:`SkippedFile.may_send`), which could send any signal;
* else **sent nowhere**: its receivers are dead.

A receiver that never ran is ``unexercised`` when its signal is sent (*never sent for its sender*
when it was connected for one sender only and the trace saw the signal sent for others only: see
:func:`senders_seen_instead`), ``possibly_dead`` when it is possibly sent and ``dead`` when it is
sent nowhere; the signal is ``never_sent`` /
``possibly_never_sent`` (with receivers) or ``unused`` / ``possibly_unused`` (without). A sent
signal is ``ok`` or, when every receiver is test code, ``test_receivers_only``.
"""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Iterable, Mapping

from pytest_signaltrace.model import (
    Evidence,
    ReceiverStatus,
    Sender,
    SignalStatus,
    SiteRef,
    SkippedFile,
)
from pytest_signaltrace.record import Record

#: :class:`SiteRef`'s order (its fields in turn), as a sort key: its ``<`` is a Python call.
_SITE_ORDER = operator.attrgetter("path", "line", "method", "expression")


def site_ref(sender: Sender) -> SiteRef:
    """How a row names the send site ``sender``."""
    return SiteRef(sender.path, sender.line, sender.method, sender.expression)


def skipped_file_ref(skipped: SkippedFile) -> SiteRef:
    """How a row names a skipped file that may send: line 0, no expression."""
    return SiteRef(skipped.path, 0, "send", "")


class PossibleSenders:
    """The unresolved send sites of a map, indexed by the signals they might send; and the
    skipped files that may send, which might send any signal."""

    def __init__(self, senders: Iterable[Sender], skipped: Iterable[SkippedFile] = ()) -> None:
        #: Unresolved sites without candidates, and skipped files: any signal at all.
        self._any: set[SiteRef] = {skipped_file_ref(s) for s in skipped if s.may_send}
        self._by_signal: dict[str, set[SiteRef]] = defaultdict(set)
        self._sorted_any: tuple[SiteRef, ...] | None = None
        for sender in senders:
            if sender.signal is not None:
                continue
            if sender.signal_candidates:
                for candidate in sender.signal_candidates:
                    self._by_signal[candidate].add(site_ref(sender))
            else:
                self._any.add(site_ref(sender))

    def of(self, signal: str) -> tuple[SiteRef, ...]:
        """The unresolved send sites that might send ``signal``, sorted (the same tuple for
        every signal that only the sites of any signal might send: most of them, sorted once)."""
        own = self._by_signal.get(signal)
        if not own:
            if self._sorted_any is None:
                self._sorted_any = tuple(sorted(self._any, key=_SITE_ORDER))
            return self._sorted_any
        return tuple(sorted(self._any | own, key=_SITE_ORDER))


def signal_status(
    receivers: int, sent: bool, *, possibly_sent: bool = False, test_receivers: int = 0
) -> SignalStatus:
    """A signal's status from its number of receivers (``test_receivers`` of them test code)
    and whether it is (possibly) sent."""
    if sent:
        if not receivers:
            return SignalStatus.NO_RECEIVERS
        return SignalStatus.TEST_RECEIVERS_ONLY if test_receivers >= receivers else SignalStatus.OK
    if possibly_sent:
        return SignalStatus.POSSIBLY_NEVER_SENT if receivers else SignalStatus.POSSIBLY_UNUSED
    return SignalStatus.NEVER_SENT if receivers else SignalStatus.UNUSED


def evidence(*, static: bool, runtime: bool) -> Evidence:
    """``static``, ``runtime`` or ``static+runtime``: which halves back a verdict.

    With neither (nothing to go on) the verdict is the scan's: ``static``.
    """
    if static and runtime:
        return "static+runtime"
    return "runtime" if runtime else "static"


class SignalVerdict(Record):
    """What is known about whether one signal is sent."""

    #: A resolved send site sends it, or it is defined outside the scanned source.
    static: bool
    #: The trace saw it sent.
    runtime: bool
    #: The unresolved send sites that might send it (empty when it is sent).
    possible: tuple[SiteRef, ...] = ()

    @property
    def sent(self) -> bool:
        """Whether anything certainly sends it."""
        return self.static or self.runtime

    def status(self, receivers: int, test_receivers: int = 0) -> SignalStatus:
        """The signal's status, given how many receivers it has and how many are test code."""
        return signal_status(
            receivers, self.sent, possibly_sent=bool(self.possible), test_receivers=test_receivers
        )

    @property
    def evidence(self) -> Evidence:
        """What the signal's status rests on.

        A sent signal is sent by the scan's account, the trace's or both; one sent nowhere (or
        only possibly) is so by both accounts: the scan found no certain send site and the trace
        saw no send.
        """
        if self.sent:
            return evidence(static=self.static, runtime=self.runtime)
        return "static+runtime"


class SendFacts:
    """Decides, for any signal id, whether it is sent: from the static map and runtime sends.

    ``runtime_sends`` counts sends per signal id at run time (empty for a static scan alone);
    ``skipped`` are the files the scan skipped.
    """

    def __init__(
        self,
        senders: Iterable[Sender],
        defined_here: Iterable[str],
        runtime_sends: Mapping[str | None, int] | None = None,
        skipped: Iterable[SkippedFile] = (),
    ) -> None:
        senders = list(senders)
        self._defined_here = set(defined_here)
        self._static_sent = {s.signal for s in senders if s.signal is not None}
        self._runtime = runtime_sends or {}
        self._possible = PossibleSenders(senders, skipped)

    def of(self, signal: str) -> SignalVerdict:
        """What is known about whether ``signal`` is sent."""
        static = signal in self._static_sent or signal not in self._defined_here
        runtime = bool(self._runtime.get(signal))
        if static or runtime:
            return SignalVerdict(static, runtime)
        return SignalVerdict(False, False, self._possible.of(signal))

    def receiver(
        self, signal: str | None, *, ran: bool
    ) -> tuple[ReceiverStatus, Evidence, tuple[SiteRef, ...]]:
        """The status of a receiver of ``signal``, what it rests on, and the unresolved sites
        that might send its signal when it is possibly dead.

        A receiver that ran is exercised (runtime). One whose signal is unknown never ran and
        nothing more can be said (runtime). Otherwise the signal decides: sent (by the scan's
        account, the trace's or both), possibly sent, or sent nowhere.
        """
        if ran:
            return ReceiverStatus.EXERCISED, "runtime", ()
        if signal is None:
            return ReceiverStatus.UNEXERCISED, "runtime", ()
        verdict = self.of(signal)
        if verdict.sent:
            return ReceiverStatus.UNEXERCISED, verdict.evidence, ()
        if verdict.possible:
            return ReceiverStatus.POSSIBLY_DEAD, verdict.evidence, verdict.possible
        return ReceiverStatus.DEAD, verdict.evidence, ()


def senders_seen_instead(
    status: ReceiverStatus, connected_for: Iterable[str | None], seen: Iterable[str]
) -> tuple[str, ...]:
    """The senders an unexercised receiver's signal was sent for, when none is the one it was
    connected for: the receiver is *unexercised: never sent for its sender*. Empty otherwise.

    ``connected_for`` are the senders of its connects at run time (``None``: any sender), ``seen``
    the senders the trace saw its signal sent for (noted only for a signal with a receiver
    connected for one sender). Nothing is said of a receiver connected for any sender, or
    connected for a sender seen (sent before it was connected, or muted).
    """
    wanted = set(connected_for)
    senders = set(seen)
    if status is not ReceiverStatus.UNEXERCISED or not wanted or None in wanted or not senders:
        return ()
    if wanted & senders:
        return ()
    return tuple(sorted(senders))
