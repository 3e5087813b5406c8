"""The senders noted for a Django signal with a receiver connected for one sender: by keyword or
by position, through the C send patch and the Python one; nothing noted for other signals."""

from __future__ import annotations

from django.dispatch import Signal

from pytest_signaltrace.trace import Installation, Recorder


class Order:
    pass


class Refund:
    pass


def on_order(sender: object, **kwargs: object) -> None:
    pass


def test_a_signal_is_watched_from_its_first_connect_for_one_sender(
    installation: Installation, recorder: Recorder
) -> None:
    for_orders, for_anyone = Signal(), Signal()
    for_orders.send(sender=Refund)  # before the connect: not noted
    for_orders.connect(on_order, sender=Order)
    for_anyone.connect(on_order)
    for_orders.send(sender=Refund)
    for_orders.send(Refund)
    for_orders.send(sender="cron", extra=1)
    for_orders.send(sender=Refund())
    for_anyone.send(sender=Refund)
    trace = recorder.snapshot()
    assert list(trace.senders_seen.values()) == [
        frozenset({f"{Refund.__module__}.Refund", "cron", f"<{Refund.__module__}.Refund object>"})
    ]
    assert sum(n for key, n in trace.receiver_calls.items()) == 1  # for_anyone's
