"""Moving the rows of dead signals to the token that stands for them now.

:meth:`~pytest_signaltrace.trace.signals.SignalRegistry.fold_dead` gives each dead signal's
token the token of its ``(definition, creation site)``; :func:`fold_rows` re-keys every table
of the recorder by it, summing counters and uniting test sets of rows that become equal. A dead
signal's rows are never bumped again (a send holds its signal), so moving them needs no lock
against the send patches; each dict is copied before it is walked (atomic under the GIL).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from pytest_signaltrace.trace.counters import Counter, count_of
from pytest_signaltrace.trace.quiet import QuietSends
from pytest_signaltrace.trace.raises import RaiseLog

_V = TypeVar("_V")


def fold_rows(
    moved: dict[int, int],
    *,
    counters: Iterable[dict[Any, Counter]],
    tests: dict[Any, set[str]],
    raises: RaiseLog,
    quiet: QuietSends,
) -> None:
    """Re-key every row whose signal token is in ``moved`` (old token -> new token)."""
    for table in counters:
        _fold(table, moved, _add_counters)
    _fold(raises.counts, moved, _add_counters)
    _fold(tests, moved, _union)
    _fold(raises.tests, moved, _union)
    _fold(raises.messages, moved, min)
    swallowed = raises.swallowed
    for index, kept in enumerate(list(swallowed)):
        if kept.signal in moved:
            swallowed[index] = dataclasses.replace(kept, signal=moved[kept.signal])
    quiet.fold(moved)


def _fold(rows: dict[Any, _V], moved: dict[int, int], merge: Callable[[_V, _V], _V]) -> None:
    """Re-key the rows whose first item is a token of ``moved``, merging rows that become
    equal with ``merge``."""
    for row, value in rows.copy().items():
        folded = moved.get(row[0])
        if folded is None:
            continue
        del rows[row]
        new_row = (folded, *row[1:])
        known = rows.get(new_row)
        rows[new_row] = value if known is None else merge(known, value)


def _add_counters(first: Counter, second: Counter) -> Counter:
    return itertools.count(count_of(first) + count_of(second))


def _union(first: set[str], second: set[str]) -> set[str]:
    return first | second
