"""The trace model: JSON round trip, stable output, merging."""

from __future__ import annotations

import json

import pytest

from pytest_signaltrace.trace.model import (
    CodeRef,
    ConnectKey,
    HandlerRef,
    ReceiverKey,
    SendKey,
    SignalRef,
    Trace,
)

PLACED = SignalRef("shop.signals.order_placed", "/src/shop/signals.py", 3)
SAVED = SignalRef("django.db.models.signals.post_save", None, None)
LOCAL = SignalRef(None, "/src/tests/test_x.py", 10)
MAILER = HandlerRef("shop.receivers.Mailer.on_placed", "/src/shop/receivers.py", 12)
AUDIT = HandlerRef("shop.receivers.audit", "/src/shop/receivers.py", 30)


def make_trace(nodes: tuple[str, ...] = ("t.py::a",), count: int = 1) -> Trace:
    return Trace(
        sends={
            SendKey(PLACED, "send", CodeRef("/src/shop/views.py", 7), None): count,
            SendKey(
                SAVED,
                "send",
                CodeRef("/venv/django/db/models/base.py", 900),
                CodeRef("/src/shop/views.py", 9),
            ): 2 * count,
            SendKey(LOCAL, "asend_robust", None, None): count,
        },
        receiver_calls={ReceiverKey(PLACED, MAILER): count, ReceiverKey(SAVED, AUDIT): count},
        tests={ReceiverKey(PLACED, MAILER): frozenset(nodes)},
        connects={
            ConnectKey(PLACED, MAILER, CodeRef("/src/shop/apps.py", 5), None, None): 1,
            ConnectKey(SAVED, AUDIT, None, "shop.models.Order", "audit-uid"): 1,
        },
        disconnects={ConnectKey(SAVED, None, None, "shop.models.Order", "audit-uid"): count},
    )


def test_it_round_trips_through_json_text() -> None:
    trace = make_trace()

    text = json.dumps(trace.to_json())

    assert Trace.from_json(json.loads(text)) == trace


def test_it_writes_the_same_json_whatever_the_insertion_order() -> None:
    trace = make_trace()
    reversed_trace = Trace(
        sends=dict(reversed(list(trace.sends.items()))),
        receiver_calls=dict(reversed(list(trace.receiver_calls.items()))),
        tests=dict(trace.tests),
        connects=dict(reversed(list(trace.connects.items()))),
        disconnects=dict(trace.disconnects),
    )

    assert json.dumps(trace.to_json()) == json.dumps(reversed_trace.to_json())


def test_it_sorts_rows_with_unknown_fields() -> None:
    rows = make_trace().to_json()["sends"]

    assert [row["signal"]["signal"] for row in rows] == [
        None,
        "django.db.models.signals.post_save",
        "shop.signals.order_placed",
    ]


def test_merge_sums_counts_and_unites_tests() -> None:
    merged = make_trace(("t.py::a",), 1).merge(make_trace(("t.py::b",), 3))

    assert merged.sends[SendKey(PLACED, "send", CodeRef("/src/shop/views.py", 7), None)] == 4
    assert merged.receiver_calls[ReceiverKey(SAVED, AUDIT)] == 4
    assert merged.tests[ReceiverKey(PLACED, MAILER)] == {"t.py::a", "t.py::b"}
    assert sum(merged.connects.values()) == 4
    assert sum(merged.disconnects.values()) == 4


def test_merge_with_an_empty_trace_changes_nothing() -> None:
    trace = make_trace()

    assert trace.merge(Trace()) == trace
    assert Trace().merge(trace) == trace
    assert Trace().is_empty()
    assert not trace.is_empty()


def test_from_json_rejects_an_unknown_version() -> None:
    data = make_trace().to_json()
    data["version"] = 99

    with pytest.raises(ValueError, match="version"):
        Trace.from_json(data)
