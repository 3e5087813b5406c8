"""Facts derived from the whole map: each signal's status, and the dead receivers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from pytest_signaltrace.model import (
    Definition,
    Framework,
    Receiver,
    Sender,
    SignalCategory,
    SignalInfo,
    SignalStatus,
)
from pytest_signaltrace.scan import catalogue


def signal_status(receivers: int, senders: int) -> SignalStatus:
    """A signal's status from how many receivers and send sites it has."""
    if receivers and senders:
        return SignalStatus.OK
    if receivers:
        return SignalStatus.NEVER_SENT
    if senders:
        return SignalStatus.NO_RECEIVERS
    return SignalStatus.UNUSED


def summarize_signals(
    definitions: Sequence[Definition],
    receivers: Sequence[Receiver],
    senders: Sequence[Sender],
) -> list[SignalInfo]:
    """One :class:`SignalInfo` per signal that is defined, received or sent.

    A signal defined outside the scanned source (Django's, Celery's, a third party's) is sent by
    that code, so it counts as sent: it is never ``never_sent`` or ``unused``. So is a signal
    named in ``@receiver(...)`` whose definition the scan could not confirm: when unsure, the
    scan does not call a receiver dead.
    """
    defined = {d.signal: d for d in definitions}
    receiver_counts = Counter(r.signal for r in receivers if r.signal)
    sender_counts = Counter(s.signal for s in senders if s.signal)
    test_receivers = Counter(r.signal for r in receivers if r.signal and r.test_only)
    test_senders = Counter(s.signal for s in senders if s.signal and s.test_only)
    infos = []
    for signal in sorted({*defined, *receiver_counts, *sender_counts}):
        definition = defined.get(signal)
        category = _category(signal, definition)
        sent_elsewhere = definition is None
        status = signal_status(
            receiver_counts[signal], sender_counts[signal] + (1 if sent_elsewhere else 0)
        )
        infos.append(
            SignalInfo(
                signal=signal,
                framework=_framework(signal, definition),
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
    if signal in catalogue.BUILTIN_SIGNALS:
        return SignalCategory.BUILTIN
    if definition is not None:
        return SignalCategory.CUSTOM
    return SignalCategory.EXTERNAL


def _framework(signal: str, definition: Definition | None) -> Framework:
    if definition is not None:
        return definition.framework
    builtin = catalogue.builtin_framework(signal)
    if builtin is not None:
        return builtin
    return "celery" if signal.startswith("celery.") else "django"


def dead_receivers(
    receivers: Iterable[Receiver], signals: Iterable[SignalInfo]
) -> frozenset[tuple[str, int, str | None]]:
    """Receivers of signals defined in the scanned source and sent nowhere in it."""
    never_sent = {s.signal for s in signals if s.status is SignalStatus.NEVER_SENT}
    return frozenset((r.path, r.line, r.signal) for r in receivers if r.signal in never_sent)
