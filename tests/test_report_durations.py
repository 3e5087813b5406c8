"""The receivers' cost as reported: rows from a trace (slowest first, paths rootdir-relative),
the terminal table of the N slowest, the JSON rows."""

from __future__ import annotations

from pytest_signaltrace.report.durations import receiver_costs, render_durations
from pytest_signaltrace.trace.costs import Cost
from pytest_signaltrace.trace.model import HandlerRef, ReceiverKey, SignalRef, Trace

PLACED = SignalRef("shop.signals.order_placed", "/p/shop/signals.py", 3)
PLACED_AGAIN = SignalRef("shop.signals.order_placed", "/p/shop/signals.py", 9)
SAVED = SignalRef("django.db.models.signals.post_save", None, None)


def _key(signal: SignalRef, name: str, path: str = "/p/shop/receivers.py") -> ReceiverKey:
    return ReceiverKey(signal, HandlerRef(f"shop.receivers.{name}", path, 10))


def _project(path: str) -> str | None:
    return path.removeprefix("/p/") if path.startswith("/p/") else None


TRACE = Trace(
    durations={
        _key(PLACED, "reserve"): Cost(2, 9_000_000, 4_000_000, 6_000_000, "t.py::a", 0),
        # the same receiver and signal id from a second (folded) signal object: one row
        _key(PLACED_AGAIN, "reserve"): Cost(1, 1_000_000, 1_000_000, 1_000_000, "t.py::b", 0),
        _key(SAVED, "ledger"): Cost(3, 4_500_000, 4_500_000, 2_000_000, None, 9),
        _key(SAVED, "third_party", "/venv/lib/site.py"): Cost(1, 500, 500, 500, None, 0),
    }
)


def test_rows_are_merged_per_receiver_and_signal_slowest_first() -> None:
    costs = receiver_costs(TRACE, _project)
    assert [(c.receiver, c.total_ns) for c in costs] == [
        ("shop.receivers.reserve", 10_000_000),
        ("shop.receivers.ledger", 4_500_000),
        ("shop.receivers.third_party", 500),
    ]
    reserve = costs[0]
    assert (reserve.calls, reserve.own_ns, reserve.max_ns, reserve.max_test) == (
        3,
        5_000_000,
        6_000_000,
        "t.py::a",
    )
    assert reserve.to_json()["path"] == "shop/receivers.py"
    outside = costs[2].to_json()
    assert (outside["path"], outside["line"]) == (None, None)


def test_the_terminal_table_shows_the_n_slowest_and_says_how_many_more() -> None:
    lines = render_durations(receiver_costs(TRACE, _project), 1)
    assert lines == [
        "slowest 1 signal receiver durations",
        "     total        own  calls        max queries  receiver (signal)",
        "   10.00ms     5.00ms      3     6.00ms       0  shop.receivers.reserve "
        "(shop.signals.order_placed)",
        "(2 more: --signal-durations=0 shows every receiver)",
    ]


def test_zero_shows_every_receiver_and_no_queries_column_without_queries() -> None:
    no_queries = Trace(durations={k: v for k, v in TRACE.durations.items() if not v.queries})
    lines = render_durations(receiver_costs(no_queries, _project), 0)
    assert lines[0] == "signal receiver durations"
    assert "queries" not in lines[1]
    assert len(lines) == 4
    assert render_durations((), 3) == ["slowest 3 signal receiver durations", "no receiver ran"]
