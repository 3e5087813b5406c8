"""Receivers that raise under a robust send: counted per type, with a message and the tests."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from typing import Any

import django
import pytest
from django.dispatch import Signal

from pytest_signaltrace.trace import Installation, Recorder, Trace
from pytest_signaltrace.trace.model import Raised
from pytest_signaltrace.trace.raises import MESSAGE_LIMIT, RaiseLog, describe, exception_name

needs_async = pytest.mark.skipif(django.VERSION < (5, 0), reason="asend needs Django >= 5.0")


class OutOfStock(Exception):
    pass


def reserve(sender: object, **kwargs: Any) -> None:
    raise KeyError(kwargs.get("sku", "sku"))


def refuse(sender: object, **kwargs: Any) -> None:
    raise OutOfStock("none left")


def hand_back(sender: object, **kwargs: Any) -> Exception:
    return ValueError("returned, never raised")


def fine(sender: object, **kwargs: Any) -> str:
    return "ok"


@pytest.fixture(autouse=True)
def quiet_django_logger() -> Iterator[None]:
    """send_robust logs each exception it catches: keep the test output readable."""
    logger = logging.getLogger("django.dispatch")
    level, logger.level = logger.level, logging.CRITICAL
    yield
    logger.level = level


def raised(trace: Trace) -> dict[tuple[str, str], Raised]:
    """``(handler suffix, exception) -> Raised`` for the handlers of this file."""
    return {
        (key.handler.handler.rsplit(".", 1)[-1], key.exception): value
        for key, value in trace.raises.items()
    }


def test_send_robust_counts_each_raise_per_receiver_and_type(
    installation: Installation, recorder: Recorder
) -> None:
    signal = Signal()
    for handler in (reserve, refuse, hand_back, fine):
        signal.connect(handler)
    recorder.current_test = "tests/test_shop.py::test_ship"
    for _ in range(3):
        responses = signal.send_robust(sender=None)
    recorder.current_test = None
    assert [type(r) for _, r in responses] == [KeyError, OutOfStock, ValueError, str]

    found = raised(recorder.snapshot())

    assert set(found) == {("reserve", "KeyError"), ("refuse", f"{__name__}.OutOfStock")}
    assert found[("reserve", "KeyError")] == Raised(
        3, "KeyError('sku')", frozenset({"tests/test_shop.py::test_ship"})
    )
    assert found[("refuse", f"{__name__}.OutOfStock")].message == "OutOfStock('none left')"


def test_a_plain_send_is_not_counted_and_a_robust_send_without_raises_costs_no_row(
    installation: Installation, recorder: Recorder
) -> None:
    signal = Signal()
    signal.connect(fine)
    signal.connect(hand_back)
    signal.send(sender=None)
    signal.send_robust(sender=None)
    assert recorder.snapshot().raises == {}


def test_the_least_message_is_kept_whatever_the_order(
    installation: Installation, recorder: Recorder
) -> None:
    signal = Signal()
    signal.connect(reserve)
    for sku in ("zz-9", "aa-1", "mm-5"):
        signal.send_robust(sender=None, sku=sku)
    assert raised(recorder.snapshot())[("reserve", "KeyError")].message == "KeyError('aa-1')"


@needs_async
def test_asend_robust_counts_too(installation: Installation, recorder: Recorder) -> None:
    signal = Signal()
    signal.connect(reserve)

    async def main() -> list[tuple[Any, Any]]:
        return await signal.asend_robust(sender=None)

    responses = asyncio.run(main())
    assert isinstance(responses[0][1], KeyError)
    assert raised(recorder.snapshot())[("reserve", "KeyError")].count == 1


def test_celery_send_catches_as_send_robust_does(
    installation: Installation, recorder: Recorder
) -> None:
    celery_signal = pytest.importorskip("celery.utils.dispatch.signal")
    logging.getLogger("celery.utils.dispatch.signal").disabled = True
    try:
        signal = celery_signal.Signal(name="stock_checked")
        signal.connect(reserve, weak=False)
        signal.send(sender=None)
        signal.send_robust(sender=None)
    finally:
        logging.getLogger("celery.utils.dispatch.signal").disabled = False
    assert raised(recorder.snapshot())[("reserve", "KeyError")].count == 2


def test_raises_survive_json_and_merge_exactly(
    installation: Installation, recorder: Recorder
) -> None:
    signal = Signal()
    signal.connect(reserve)
    recorder.current_test = "t.py::a"
    signal.send_robust(sender=None, sku="b")
    recorder.current_test = None
    trace = recorder.snapshot()

    again = Trace.from_json(json.loads(json.dumps(trace.to_json())))
    assert again == trace

    other = Trace(
        raises={
            key: Raised(4, "KeyError('a')", frozenset({"t.py::b"}))
            for key in trace.raises
        }
    )
    merged = raised(trace.merge(other))[("reserve", "KeyError")]
    assert merged == Raised(5, "KeyError('a')", frozenset({"t.py::a", "t.py::b"}))
    assert trace.merge(other) == other.merge(trace)


def test_a_trace_without_raises_reads_as_none_raised() -> None:
    document = Trace().to_json()
    del document["raises"]
    assert Trace.from_json(document).raises == {}


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"count": -1}, "trace.raises[0].count is -1"),
        ({"message": 3}, "trace.raises[0].message is 3"),
        ({"exception": None}, "trace.raises[0].exception is None"),
        ({"handler": 7}, "trace.raises[0].handler is 7"),
        ({"test_indexes": "x"}, "trace.raises[0].test_indexes is"),
    ],
)
def test_a_damaged_raise_row_is_named(row: dict[str, Any], message: str) -> None:
    document = {
        "version": 2,
        "signals": [{"signal": "s", "file": None, "line": None}],
        "handlers": [{"handler": "h", "file": 0, "line": 1}],
        "paths": ["h.py"],
        "raises": [
            {
                "signal": 0,
                "handler": 0,
                "exception": "KeyError",
                "message": "KeyError('sku')",
                "count": 1,
                "test_indexes": [],
                **row,
            }
        ],
    }
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        Trace.from_json(document)


def test_strict_keeps_a_formatted_traceback_per_raise_of_the_test() -> None:
    log = RaiseLog()
    log.strict = True
    try:
        reserve(None)
    except KeyError as exc:
        error = exc
    log.note(1, "send_robust", [(reserve, error)] * 7, lambda receiver: 5, "t.py::a")
    kept, more = log.take_swallowed()
    assert len(kept) == 5
    assert more == 2
    assert kept[0].handler == 5
    assert kept[0].message == "KeyError('sku')"
    assert "in reserve" in kept[0].traceback
    assert "KeyError: 'sku'" in kept[0].traceback
    assert log.take_swallowed() == ([], 0)


def test_without_strict_or_outside_a_test_no_traceback_is_kept() -> None:
    log = RaiseLog()
    try:
        reserve(None)
    except KeyError as exc:
        error = exc
    log.note(1, "send_robust", [(reserve, error)], lambda receiver: 5, "t.py::a")
    log.strict = True
    log.note(1, "send_robust", [(reserve, error)], lambda receiver: 5, None)
    assert log.take_swallowed() == ([], 0)
    assert sum(int(repr(c)[6:-1]) for c in log.counts.values()) == 2


def test_exception_names_and_messages() -> None:
    assert exception_name(KeyError) == "KeyError"
    assert exception_name(OutOfStock) == f"{__name__}.OutOfStock"

    class Loud(Exception):
        def __repr__(self) -> str:
            raise RuntimeError("no repr")

    assert describe(Loud()) == "Loud(<unrepresentable>)"
    long = describe(ValueError("x" * 500))
    assert len(long) == MESSAGE_LIMIT
    assert long.endswith("...")
