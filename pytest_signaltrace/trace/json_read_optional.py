"""Reading a trace's optional ``durations`` and ``senders_seen`` rows (see the format history in
:mod:`pytest_signaltrace.trace.model`), every value checked as :mod:`.json_read` checks the rest;
the ``cascades`` and ``chains`` rows are read by :mod:`.cascade_json`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pytest_signaltrace.trace.costs import Cost, merge_costs, read_cost
from pytest_signaltrace.trace.json_values import natural, shown, text
from pytest_signaltrace.trace.keys import ReceiverKey, SignalRef

_Rows = Iterable[tuple[int, Mapping[str, Any]]]


def read_durations(
    rows: _Rows,
    receiver: Callable[[Mapping[str, Any], str], ReceiverKey],
    test_ids: list[str],
) -> dict[ReceiverKey, Cost]:
    """The ``durations`` field of a trace (the receivers' costs), from its rows;
    ``ValueError`` names the first bad value, as ``trace.durations[2].calls``."""
    return merge_costs(
        (
            receiver(row, f"trace.durations[{i}]"),
            read_cost(row, test_ids, f"trace.durations[{i}]", natural),
        )
        for i, row in rows
    )


def read_senders_seen(
    rows: _Rows, signal: Callable[[object, str], SignalRef]
) -> dict[SignalRef, frozenset[str]]:
    """The ``senders_seen`` field of a trace, from its rows; ``ValueError`` names the first
    bad value, as ``trace.senders_seen[0].senders[1]``."""
    seen: dict[SignalRef, frozenset[str]] = {}
    for i, row in rows:
        where = f"trace.senders_seen[{i}]"
        ref = signal(row.get("signal"), f"{where}.signal")
        senders = row.get("senders")
        if type(senders) is not list:
            raise ValueError(f"{where}.senders is {shown(senders)} (expected a list)")
        described = frozenset(
            text(value, f"{where}.senders[{j}]") for j, value in enumerate(senders)
        )
        seen[ref] = seen.get(ref, frozenset()) | described
    return seen
