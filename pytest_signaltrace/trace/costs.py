"""What receivers cost (``--signal-durations``): one :class:`Cost` per receiver (signal and
handler), and its JSON rows in a trace document.

Times are integer nanoseconds (``time.perf_counter_ns``), so that the costs of xdist workers,
of appended runs and of ``signaltrace combine`` add up exactly, in any order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from pytest_signaltrace.record import Record

_K = TypeVar("_K")


class Cost(Record):
    """The time and queries of one receiver over a run (or several, merged)."""

    #: How many times it ran (it raised included).
    calls: int
    #: Nanoseconds inside it, the sends it made included.
    total_ns: int
    #: ``total_ns`` without the sends made while it ran (their receivers' time and dispatch).
    own_ns: int
    #: The longest single call, in nanoseconds.
    max_ns: int
    #: Node id of the test that made the longest call (``None``: outside any test).
    max_test: str | None = None
    #: Database queries it issued itself (not in the sends it made), where a framework counts
    #: them (Django).
    queries: int = 0

    def merge(self, other: Cost) -> Cost:
        """Both summed; the longest call of the two (on a tie: a test over none, then the
        test id that sorts first, so that the order of merging never shows)."""
        longest = _longest(self, other)
        return Cost(
            calls=self.calls + other.calls,
            total_ns=self.total_ns + other.total_ns,
            own_ns=self.own_ns + other.own_ns,
            max_ns=longest.max_ns,
            max_test=longest.max_test,
            queries=self.queries + other.queries,
        )


def _longest(left: Cost, right: Cost) -> Cost:
    if left.max_ns != right.max_ns:
        return left if left.max_ns > right.max_ns else right
    if left.max_test is None or right.max_test is None:
        return right if left.max_test is None else left
    return left if left.max_test <= right.max_test else right


def merge_costs(pairs: Iterable[tuple[_K, Cost]]) -> dict[_K, Cost]:
    """The costs of equal keys merged."""
    merged: dict[_K, Cost] = {}
    for key, cost in pairs:
        known = merged.get(key)
        merged[key] = cost if known is None else known.merge(cost)
    return merged


def cost_row(cost: Cost, test_index: Mapping[str, int]) -> dict[str, Any]:
    """The JSON fields of a cost in a trace document (``max_test`` an index into ``test_ids``)."""
    return {
        "calls": cost.calls,
        "total_ns": cost.total_ns,
        "own_ns": cost.own_ns,
        "max_ns": cost.max_ns,
        "max_test": None if cost.max_test is None else test_index[cost.max_test],
        "queries": cost.queries,
    }


def read_cost(
    row: Mapping[str, Any],
    test_ids: list[str],
    where: str,
    natural: Callable[[object, str, str], int],
) -> Cost:
    """The inverse of :func:`cost_row`; ``natural(value, where, what)`` checks a count."""
    index = row.get("max_test")
    if index is not None and not (type(index) is int and 0 <= index < len(test_ids)):
        raise ValueError(f"{where}.max_test is {index!r}: not an index into test_ids")
    cost = Cost(
        calls=natural(row.get("calls"), f"{where}.calls", "a count"),
        total_ns=natural(row.get("total_ns"), f"{where}.total_ns", "nanoseconds"),
        own_ns=natural(row.get("own_ns"), f"{where}.own_ns", "nanoseconds"),
        max_ns=natural(row.get("max_ns"), f"{where}.max_ns", "nanoseconds"),
        max_test=None if index is None else test_ids[index],
        queries=natural(row.get("queries", 0), f"{where}.queries", "a count"),
    )
    if cost.own_ns > cost.total_ns or cost.max_ns > cost.total_ns:
        raise ValueError(f"{where}: own_ns and max_ns cannot exceed total_ns")
    return cost


#: A row of a :class:`CostTable`: ``[calls, total_ns, own_ns, max_ns, max_test, queries]``,
#: the fields of :class:`Cost` in order.
CostRow = list[Any]


class CostTable:
    """What the receiver timing records: ``(signal token, handler token)`` -> :data:`CostRow`,
    one dict per thread, so that timing a call takes no lock (a lock would also hang a
    finaliser that sends while this thread holds it); :meth:`costs` adds the threads' rows up.
    """

    def __init__(self) -> None:
        import threading  # here: a process that only merges traces (signaltrace run's) needs none

        self._local = threading.local()
        self._tables: list[dict[tuple[int, int], CostRow]] = []
        # Reentrant: a finaliser run inside the locked block (any allocation) may send.
        self._lock = threading.RLock()

    def thread_rows(self) -> dict[tuple[int, int], CostRow]:
        """The calling thread's rows (the timing patches update them in place)."""
        rows: dict[tuple[int, int], CostRow] | None = getattr(self._local, "rows", None)
        if rows is None:
            rows = self._local.rows = {}
            with self._lock:
                self._tables.append(rows)
        return rows

    @staticmethod
    def add_to(
        rows: dict[tuple[int, int], CostRow],
        key: tuple[int, int],
        elapsed: int,
        own: int,
        queries: int,
        test: Any,
    ) -> None:
        """One call of ``key``'s receiver into ``rows``: ``elapsed`` ns, ``own`` of them its
        own, during ``test`` (a node id, or ``None``)."""
        row = rows.get(key)
        if row is None:
            rows[key] = [1, elapsed, own, elapsed, test, queries]
        else:
            row[0] += 1
            row[1] += elapsed
            row[2] += own
            if elapsed > row[3]:
                row[3], row[4] = elapsed, test
            row[5] += queries

    def add(self, key: tuple[int, int], elapsed: int, own: int, queries: int, test: Any) -> None:
        """One call of ``key``'s receiver, into this thread's rows."""
        self.add_to(self.thread_rows(), key, elapsed, own, queries, test)

    def costs(self) -> dict[tuple[int, int], Cost]:
        """Every thread's rows as they are now, added up."""
        with self._lock:
            tables = [rows.copy() for rows in self._tables]
        return merge_costs((key, Cost(*row)) for rows in tables for key, row in rows.items())

    def fold(self, moved: Mapping[int, int]) -> None:
        """Re-key the rows of the signal tokens in ``moved`` (old -> new; see
        :mod:`.folding`), merging rows that become equal. Dead signals' rows are never timed
        again (a send holds its signal)."""
        with self._lock:
            for rows in self._tables:
                for (signal, handler), row in list(rows.items()):
                    folded = moved.get(signal)
                    if folded is None:
                        continue
                    del rows[(signal, handler)]
                    known = rows.get((folded, handler))
                    if known is not None:
                        row = list(_fields(Cost(*known).merge(Cost(*row))))
                    rows[(folded, handler)] = row


def _fields(cost: Cost) -> tuple[Any, ...]:
    """A cost's fields in order (a :data:`CostRow`'s)."""
    return (cost.calls, cost.total_ns, cost.own_ns, cost.max_ns, cost.max_test, cost.queries)
