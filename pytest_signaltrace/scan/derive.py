"""Facts derived from the whole map: each signal's status, and the dead receivers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from pytest_signaltrace.merge.verdicts import SendFacts
from pytest_signaltrace.model import (
    Definition,
    Framework,
    Receiver,
    Sender,
    SignalCategory,
    SignalInfo,
    SignalStatus,
    SkippedFile,
)
from pytest_signaltrace.scan import catalogue


def summarize_signals(
    definitions: Sequence[Definition],
    receivers: Sequence[Receiver],
    senders: Sequence[Sender],
    skipped: Sequence[SkippedFile] = (),
    frameworks: Mapping[str, Framework] | None = None,
) -> list[SignalInfo]:
    """One :class:`SignalInfo` per signal that is defined, received or sent.

    A signal defined outside the scanned source (Django's, Celery's, a third party's) is sent by
    that code, so it counts as sent: it is never ``never_sent`` or ``unused``. So is a signal
    named in ``@receiver(...)`` whose definition the scan could not confirm: when unsure, the
    scan does not call a receiver dead. A signal that only unresolved send sites might send is
    ``possibly_never_sent`` or ``possibly_unused`` (see :mod:`pytest_signaltrace.merge.verdicts`),
    and so is any signal not certainly sent when a skipped file may send. ``frameworks`` names
    the framework of signals defined outside the scanned source (read from an installed
    package), which their id alone may not tell.
    """
    defined: dict[str, Definition] = {}
    for row in definitions:
        defined.setdefault(row.signal, row)  # a signal made by name at several places: the first
    facts = SendFacts(senders, defined, skipped=skipped)
    receiver_counts = Counter(r.signal for r in receivers if r.signal)
    sender_counts = Counter(s.signal for s in senders if s.signal)
    test_receivers = Counter(r.signal for r in receivers if r.signal and r.test_only)
    test_senders = Counter(s.signal for s in senders if s.signal and s.test_only)
    infos = []
    for signal in sorted({*defined, *receiver_counts, *sender_counts}):
        definition = defined.get(signal)
        category = _category(signal, definition)
        status = facts.of(signal).status(receiver_counts[signal], test_receivers[signal])
        infos.append(
            SignalInfo(
                signal=signal,
                framework=_framework(signal, definition, frameworks or {}),
                category=category,
                status=status,
                definition_path=definition.path if definition else None,
                definition_line=definition.line if definition else None,
                receivers=receiver_counts[signal],
                senders=sender_counts[signal],
                test_receivers=test_receivers[signal],
                test_senders=test_senders[signal],
            )
        )
    return infos


def _category(signal: str, definition: Definition | None) -> SignalCategory:
    if signal in catalogue.builtin_signals():
        return SignalCategory.BUILTIN
    if definition is not None:
        return SignalCategory.CUSTOM
    return SignalCategory.EXTERNAL


def _framework(
    signal: str, definition: Definition | None, frameworks: Mapping[str, Framework]
) -> Framework:
    if definition is not None:
        return definition.framework
    return frameworks.get(signal) or catalogue.framework_of_signal(signal)


def dead_receivers(
    receivers: Iterable[Receiver], signals: Iterable[SignalInfo]
) -> frozenset[tuple[str, int, str | None]]:
    """Receivers of signals defined in the scanned source and sent nowhere in it.

    Not the receivers of a signal that an unresolved send site might send: those are only
    possibly dead (:func:`possibly_dead_receivers`).
    """
    return _receivers_of(receivers, signals, SignalStatus.NEVER_SENT)


def possibly_dead_receivers(
    receivers: Iterable[Receiver], signals: Iterable[SignalInfo]
) -> frozenset[tuple[str, int, str | None]]:
    """Receivers of signals that no resolved send site sends, but an unresolved one might."""
    return _receivers_of(receivers, signals, SignalStatus.POSSIBLY_NEVER_SENT)


def _receivers_of(
    receivers: Iterable[Receiver], signals: Iterable[SignalInfo], status: SignalStatus
) -> frozenset[tuple[str, int, str | None]]:
    wanted = {s.signal for s in signals if s.status is status}
    return frozenset((r.path, r.line, r.signal) for r in receivers if r.signal in wanted)
