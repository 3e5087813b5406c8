"""The tables a recorder keeps beside its counters, each for one finding: the receivers' costs
(``--signal-durations``, :mod:`.costs`), the senders of the signals with a receiver connected
for one sender (:mod:`.senders_seen`) and the sends made while a receiver ran
(:mod:`.cascade`). :class:`OptionalRows` reads them for a snapshot and turns their rows, keyed
by signal and handler tokens, into a trace's fields."""

# No ``from __future__ import annotations``: NamedTuple and TypedDict compile each string
# annotation (a ForwardRef) when the class is made, at every import.

from collections.abc import Callable, Iterable
from typing import TypedDict

from pytest_signaltrace.trace.cascade import CascadeLog
from pytest_signaltrace.trace.cascade_keys import CascadeKey, ChainKey
from pytest_signaltrace.trace.costs import Cost, CostTable, merge_costs
from pytest_signaltrace.trace.keys import HandlerRef, ReceiverKey, SignalRef
from pytest_signaltrace.trace.pairs import united
from pytest_signaltrace.trace.senders_seen import SendersSeen


class OptionalFields(TypedDict):
    """The fields of a :class:`~pytest_signaltrace.trace.model.Trace` from the optional tables."""

    senders_seen: dict[SignalRef, frozenset[str]]
    durations: dict[ReceiverKey, Cost]
    cascades: dict[CascadeKey, int]
    cascade_tests: dict[CascadeKey, frozenset[str]]
    chains: dict[ChainKey, frozenset[str]]


class OptionalRows:
    """The optional tables' rows at a snapshot (the cascades are read by :meth:`fields`)."""

    def __init__(
        self, costs: CostTable | None, senders_seen: SendersSeen, cascades: CascadeLog
    ) -> None:
        self._costs = costs.costs() if costs is not None else {}
        self._senders_seen = senders_seen.described()
        self._cascades = cascades

    def tokens(self) -> set[int]:
        """The signal tokens the rows name (for the snapshot's signal table)."""
        return (
            {row[0] for row in self._costs} | set(self._senders_seen) | self._cascades.tokens()
        )

    def fields(
        self,
        signals: dict[int, SignalRef],
        refs: Callable[[Iterable[int]], dict[int, SignalRef]],
        handler: Callable[[int], HandlerRef],
    ) -> OptionalFields:
        """The trace's fields: ``signals`` are the refs of :meth:`tokens` (``refs`` makes more,
        for a signal that cascaded since), ``handler`` makes a handler token's ref."""
        cascades, cascade_tests, chains = self._cascades.snapshot(
            lambda t: signals[t] if t in signals else refs([t])[t]
        )
        return OptionalFields(
            senders_seen=united(
                (signals[token], described) for token, described in self._senders_seen.items()
            ),
            durations=merge_costs(
                (ReceiverKey(signals[token], handler(h)), cost)
                for (token, h), cost in self._costs.items()
            ),
            cascades=cascades,
            cascade_tests=cascade_tests,
            chains=chains,
        )
