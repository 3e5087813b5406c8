"""The trace model: JSON round trip, stable output, merging."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

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
    document = make_trace().to_json()

    assert [document["signals"][row["signal"]]["signal"] for row in document["sends"]] == [
        None,
        "django.db.models.signals.post_save",
        "shop.signals.order_placed",
    ]


def test_format_2_refers_to_one_table_of_each_kind() -> None:
    trace = make_trace(("t.py::a", "t.py::b"))
    document = trace.to_json()

    assert document["version"] == 2
    assert document["test_ids"] == ["t.py::a", "t.py::b"]
    assert {index for row in document["tests"] for index in row["test_indexes"]} == {0, 1}
    assert document["paths"] == sorted(set(document["paths"]))
    assert all(type(row["signal"]) is int for row in document["receivers"])
    assert Trace.from_json(json.loads(json.dumps(document))) == trace


def test_format_1_is_still_read() -> None:
    document = {
        "version": 1,
        "sends": [
            {
                "signal": {"signal": "shop.signals.order_placed", "path": None, "line": None},
                "method": "send",
                "site": {"path": "/src/shop/views.py", "line": 7},
                "project_site": None,
                "count": 2,
            }
        ],
        "receivers": [
            {
                "signal": {"signal": "shop.signals.order_placed", "path": None, "line": None},
                "handler": {"handler": "shop.mail.send", "path": "/src/shop/mail.py", "line": 3},
                "count": 2,
            }
        ],
        "tests": [],
        "connects": [],
        "disconnects": [],
    }

    trace = Trace.from_json(document)

    assert list(trace.sends.values()) == [2]
    (key,) = trace.receiver_calls
    assert key.handler.handler == "shop.mail.send"


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: d["receivers"][0].update(count=-100), "trace.receivers[0].count is -100"),
        (lambda d: d["receivers"][0].update(count=1.5), "trace.receivers[0].count is 1.5"),
        (lambda d: d["sends"][0].update(count=True), "trace.sends[0].count is True"),
        (
            lambda d: d["tests"][0].update(test_indexes="abc"),
            'trace.tests[0].test_indexes is "abc"',
        ),
        (
            lambda d: d["tests"][0].update(test_indexes=[99]),
            "trace.tests[0].test_indexes[0] is 99",
        ),
        (lambda d: d["handlers"][0].update(file=42), "trace.handlers[0].file is 42"),
        (lambda d: d["paths"].__setitem__(0, 7), "trace.paths[0] is 7"),
        (lambda d: d["sends"][0].update(site=[0]), "trace.sends[0].site is [0]"),
    ],
)
def test_damaged_values_are_refused_with_where_they_are(
    damage: Callable[[dict[str, Any]], None], message: str
) -> None:
    document = json.loads(json.dumps(make_trace(("t.py::a",)).to_json()))
    damage(document)

    with pytest.raises(ValueError, match=re.escape(message)):
        Trace.from_json(document)


def test_map_paths_converts_every_path_and_merges_rows_that_become_equal() -> None:
    trace = make_trace(("t.py::a",))

    mapped = trace.map_paths(lambda path: "same.py")

    assert {k.site.path for k in mapped.sends if k.site} == {"same.py"}
    assert sum(mapped.sends.values()) == sum(trace.sends.values())
    assert {k.handler.path for k in mapped.receiver_calls} == {"same.py"}


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


def test_connect_rows_sort_unknown_handler_sender_and_uid_first() -> None:
    site = CodeRef("/src/shop/apps.py", 5)
    counts = {
        ConnectKey(PLACED, MAILER, site, "shop.models.Order", "b"): 1,
        ConnectKey(PLACED, MAILER, site, "shop.models.Order", None): 2,
        ConnectKey(PLACED, MAILER, site, None, "a"): 3,
        ConnectKey(PLACED, MAILER, None, None, None): 4,
        ConnectKey(PLACED, None, site, None, "a"): 5,
    }
    trace = Trace(disconnects=dict(reversed(list(counts.items()))))

    rows = trace.to_json()["disconnects"]

    assert [row["count"] for row in rows] == [5, 4, 3, 2, 1]
    assert rows[0]["handler"] is None
    assert rows[1]["site"] is None
    assert Trace.from_json(json.loads(json.dumps(trace.to_json()))) == trace


def test_trace_keys_are_plain_tuples_hashed_in_c() -> None:
    # The end of a run hashes tens of thousands of keys: a frozen dataclass's Python-level
    # __hash__ (nested three deep) was most of taking the snapshot and writing the data file.
    key = SendKey(PLACED, "send", CodeRef("/src/shop/views.py", 7), None)

    assert isinstance(key, tuple)
    assert isinstance(key.signal, tuple)
    assert type(key).__hash__ is tuple.__hash__
    assert key._replace(method="send_robust").method == "send_robust"
