"""The receivers' cost (``--signal-durations=N``): the rows, slowest first, the terminal table of
the N slowest (after the signal report, as pytest's ``--durations``), and the JSON rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import astuple
from typing import Any

from pytest_signaltrace.record import Record
from pytest_signaltrace.trace.costs import Cost
from pytest_signaltrace.trace.model import Trace


class ReceiverCost(Record):
    """What one receiver of one signal cost over the run (see
    :class:`~pytest_signaltrace.trace.costs.Cost`)."""

    #: Handler id (``module.qualname``).
    receiver: str
    #: Signal id (``None``: a signal the trace could not name).
    signal: str | None
    #: Rootdir-relative path of the handler's code in the project, ``None`` outside it.
    path: str | None
    line: int
    calls: int
    total_ns: int
    own_ns: int
    max_ns: int
    #: The test of the longest call (``None``: outside any test).
    max_test: str | None
    #: Database queries it issued itself (Django).
    queries: int

    def to_json(self) -> dict[str, Any]:
        """The JSON report's row."""
        return {
            "receiver": self.receiver,
            "signal": self.signal,
            "path": self.path,
            "line": self.line if self.path is not None else None,
            "calls": self.calls,
            "total_ns": self.total_ns,
            "own_ns": self.own_ns,
            "max_ns": self.max_ns,
            "max_test": self.max_test,
            "queries": self.queries,
        }


def receiver_costs(
    trace: Trace, project_path: Callable[[str], str | None]
) -> tuple[ReceiverCost, ...]:
    """Every receiver's cost in ``trace``, slowest (total time) first, then by name;
    ``project_path`` gives the rootdir-relative path of a project file (``None`` otherwise)."""
    # One signal id may stand for several runtime signals (the folded dead ones): merged.
    merged: dict[tuple[str, str | None, str | None, int], Cost] = {}
    for key, cost in trace.durations.items():
        handler = key.handler
        path = project_path(handler.path) if handler.path else None
        row = (handler.handler, key.signal.signal, path, handler.line if path else 0)
        known = merged.get(row)
        merged[row] = cost if known is None else known.merge(cost)
    costs = [
        ReceiverCost(receiver, signal, path, line, *astuple(cost))
        for (receiver, signal, path, line), cost in merged.items()
    ]
    return tuple(sorted(costs, key=lambda r: (-r.total_ns, r.receiver, r.signal or "", r.line)))


def render_durations(
    costs: Sequence[ReceiverCost], count: int, option: str = "--signal-durations"
) -> list[str]:
    """The terminal table of the ``count`` slowest receivers (``0``: all), a title line first;
    ``option`` is the one the hint under a cut table names (``signaltrace report``'s own)."""
    shown = list(costs) if count == 0 else list(costs[:count])
    if count == 0:
        title = "signal receiver durations"
    else:
        title = f"slowest {count} signal receiver durations"
    if not shown:
        return [title, "no receiver ran"]
    queries = any(row.queries for row in costs)
    header = f"{'total':>10} {'own':>10} {'calls':>6} {'max':>10}"
    header += f" {'queries':>7}" if queries else ""
    lines = [title, f"{header}  receiver (signal)"]
    for row in shown:
        line = f"{_ms(row.total_ns):>10} {_ms(row.own_ns):>10} {row.calls:>6} {_ms(row.max_ns):>10}"
        line += f" {row.queries:>7}" if queries else ""
        lines.append(f"{line}  {row.receiver} ({row.signal or '?'})")
    hidden = len(costs) - len(shown)
    if hidden:
        lines.append(f"({hidden} more: {option}=0 shows every receiver)")
    return lines


def _ms(nanoseconds: int) -> str:
    return f"{nanoseconds / 1e6:.2f}ms"
