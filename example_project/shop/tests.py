"""Order workflows: placing, shipping and paying fire the shop's signals."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any
from unittest import mock

import django
import pytest
from asgiref.sync import async_to_sync
from django.dispatch import receiver

from notifications.channels import sms
from notifications.models import Notification
from notifications.receivers import dashboard_feed
from shop import services
from shop.models import Order, Product
from shop.signals import order_placed, order_shipped

pytestmark = pytest.mark.django_db

placed_in_tests: list[int] = []


@receiver(order_placed)
def remember_placed(sender: type[Order], order: Order, **kwargs: Any) -> None:
    """Test-only receiver: connected when pytest imports this module."""
    placed_in_tests.append(order.pk)


def kinds(order: Order) -> list[str]:
    return sorted(order.notifications.values_list("kind", flat=True))


def test_place_order_runs_receivers(order: Order, mailoutbox: list, caplog: Any) -> None:
    caplog.set_level(logging.INFO)
    announced = len(placed_in_tests)
    services.place_order(order)
    assert order.status == Order.Status.PLACED
    assert kinds(order) == ["customer", "warehouse"]
    assert [mail.subject for mail in mailoutbox] == [f"Order #{order.pk} confirmed"]
    assert placed_in_tests[announced:] == [order.pk]
    assert f"order {order.pk} placed by ann@example.com" in caplog.text


def test_out_of_stock_order_is_not_announced(product: Product) -> None:
    order = Order.objects.create(product=product, quantity=99, email="bob@example.com")
    announced = len(placed_in_tests)
    with pytest.raises(ValueError, match="out of stock"):
        services.place_order(order)
    assert len(placed_in_tests) == announced


def test_receipt_is_mailed_after_commit(
    order: Order, mailoutbox: list, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.place_order(order)
    assert mailoutbox[-1].subject == f"Receipt for order #{order.pk}"


def test_place_order_with_mocked_send(order: Order) -> None:
    with mock.patch("shop.services.order_placed.send") as send:
        services.place_order(order)
    send.assert_called_once_with(sender=Order, order=order)
    assert kinds(order) == []


def test_ship_order_notifies_customer(order: Order, caplog: Any) -> None:
    caplog.set_level(logging.INFO)
    services.place_order(order)
    seen: list[int] = []

    def spy(sender: type[Order], order: Order, **kwargs: Any) -> None:
        seen.append(order.pk)

    order_shipped.connect(spy)  # test-only receiver, connected in a test body
    try:
        services.ship_order(order)
    finally:
        order_shipped.disconnect(spy)
    assert seen == [order.pk]
    assert sms.outbox[-1] == f"Order #{order.pk} is on its way"
    assert f"shop event shipped: order {order.pk}" in caplog.text


def test_ship_all_sends_robustly(product: Product) -> None:
    orders = [
        services.place_order(Order.objects.create(product=product, email=f"c{i}@example.com"))
        for i in range(2)
    ]
    services.ship_all(orders)
    shipped = Notification.objects.filter(kind="customer", message="Order is shipped")
    assert shipped.count() == 2


def test_ship_all_goes_on_when_a_receiver_raises(product: Product) -> None:
    """book_courier raises for every order of the batch; send_robust hands the exception back
    and the batch goes on. The test passes: the signal report counts the raises, and
    --signal-strict fails this test, naming book_courier and showing its traceback."""
    orders = [
        services.place_order(Order.objects.create(product=product, email=f"b{i}@example.com"))
        for i in range(2)
    ]
    errors = services.ship_all(orders)
    assert [repr(error) for error in errors] == ["KeyError('bulk')", "KeyError('bulk')"]
    assert all(order.status == Order.Status.SHIPPED for order in orders)


def test_carrier_pickup_webhook(client: Any, order: Order) -> None:
    services.place_order(order)
    response = client.post(f"/orders/{order.pk}/pickup/")
    assert response.json() == {"id": order.pk, "status": "shipped"}
    assert order.notifications.filter(message="Order is shipped").exists()


def test_capture_payment_queues_confirmation(order: Order) -> None:
    services.capture_payment(order, Decimal("50.00"))
    assert order.notifications.get(kind="payment").message == "Paid 50.00"


@pytest.mark.skipif(django.VERSION < (5, 0), reason="Signal.asend needs Django 5.0")
def test_place_order_async(order: Order) -> None:
    pushed = len(dashboard_feed)
    async_to_sync(services.place_order_async)(order)
    assert dashboard_feed[pushed:] == [order.pk]
    assert kinds(order) == ["customer", "warehouse"]


def test_place_order_announces_it_once(order: Order, signals: Any) -> None:
    """The ``signals`` fixture of pytest-signaltrace: assert on what a test sent."""
    services.place_order(order)
    signals.assert_sent(order_placed, sender=Order, times=1)
    assert signals.sent(order_placed)[0].kwargs["order"] == order
    signals.assert_not_sent(order_shipped)
