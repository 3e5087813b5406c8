"""The senders of a receiver connected for one sender, and those its signal was sent for.

A receiver connected for one sender (``sig.connect(fn, sender=Order)``, ``@sig.connect_via(app)``)
that never ran while its signal was sent is *unexercised: never sent for its sender* when the
trace saw the signal sent for other senders only; the report lists them (see
:func:`~pytest_signaltrace.merge.verdicts.senders_seen_instead`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from pytest_signaltrace.merge.verdicts import senders_seen_instead
from pytest_signaltrace.model import ReceiverStatus
from pytest_signaltrace.trace.model import SignalRef, Trace

#: ``(signal id, handler id)``: how a receiver is known at run time.
RuntimeKey = tuple[str | None, str]


class SenderIndex:
    """Per receiver, the senders it was connected for; per signal, the senders it was sent for."""

    def __init__(self, trace: Trace, signal_id: Callable[[SignalRef], str | None]) -> None:
        #: The senders each receiver was connected for (``None``: any).
        self.connected_for: dict[RuntimeKey, set[str | None]] = defaultdict(set)
        #: Signal id -> the senders it was sent for (signals with a receiver for one sender).
        self.sent_for: dict[str | None, set[str]] = defaultdict(set)
        for connect in trace.connects:
            if connect.handler is not None:
                key = (signal_id(connect.signal), connect.handler.handler)
                self.connected_for[key].add(connect.sender)
        for ref, described in trace.senders_seen.items():
            self.sent_for[signal_id(ref)].update(described)

    def instead(self, status: ReceiverStatus, keys: Iterable[RuntimeKey]) -> tuple[str, ...]:
        """The senders the signal of the receiver known as ``keys`` was sent for, when it never
        was for the one the receiver was connected for; else ``()``."""
        keys = list(keys)
        return senders_seen_instead(
            status,
            (sender for key in keys for sender in self.connected_for.get(key, ())),
            (sender for key in keys for sender in self.sent_for.get(key[0], ())),
        )
