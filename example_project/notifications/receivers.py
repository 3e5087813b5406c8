"""Receivers of shop events: decorated here, or connected in NotificationsConfig.ready()."""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal
from typing import Any

from django.db.models.signals import post_save
from django.dispatch import Signal, receiver

from shop.events import placed
from shop.models import Order
from shop.signals import PaymentEvents, order_placed, order_refunded, order_shipped

from .channels import sms
from .models import Notification

logger = logging.getLogger(__name__)

# Order ids pushed to the (pretend) live dashboard by the async receiver.
dashboard_feed: list[int] = []


@receiver(placed)
def notify_warehouse(sender: type[Order], order: Order, **kwargs: Any) -> None:
    """Ask the warehouse to pick the goods (connected through the ``shop.events`` alias)."""
    message = f"Pick {order.quantity} x {order.product.name}"
    Notification.objects.create(order=order, kind="warehouse", message=message)


@receiver([order_placed, order_shipped], sender=Order, dispatch_uid="notify-order")
def notify_customer(sender: type[Order], order: Order, signal: Signal, **kwargs: Any) -> None:
    """Tell the customer about each step of the order: one function, two signals."""
    Notification.objects.create(order=order, kind="customer", message=f"Order is {order.status}")
    if signal is order_shipped:
        sms.send(f"Order #{order.pk} is on its way")


#: Courier rates per kind of shipment. There is no "bulk" rate yet: see book_courier.
COURIER_RATES = {"single": Decimal("4.90")}


@receiver(order_shipped, sender=Order)
def book_courier(sender: type[Order], order: Order, batch: bool = False, **kwargs: Any) -> None:
    """Book a courier for the parcel. A batch shipment looks up the "bulk" rate, which is
    missing: it raises KeyError('bulk'), and ship_all's send_robust catches it, so the tests
    pass and only the signal report (or --signal-strict) tells."""
    rate = COURIER_RATES["bulk" if batch else "single"]
    logger.info("courier booked for order %s at %s", order.pk, rate)


@receiver(post_save, sender=Order)
def track_order_change(sender: type[Order], instance: Order, created: bool, **kwargs: Any) -> None:
    """Log every saved order (a receiver of a framework signal)."""
    logger.info("order %s saved: status=%s created=%s", instance.pk, instance.status, created)


@receiver(PaymentEvents.captured)
def record_payment(sender: type, order: Order, amount: Decimal, **kwargs: Any) -> None:
    """Queue a payment confirmation."""
    Notification.objects.create(order=order, kind="payment", message=f"Paid {amount}")


@receiver(PaymentEvents.declined)
def warn_declined(sender: type, order: Order, reason: str, **kwargs: Any) -> None:
    """Ask the customer to pay again. No test declines a payment: unexercised."""
    Notification.objects.create(order=order, kind="payment", message=f"Declined: {reason}")


@receiver(order_refunded)
def notify_refund(sender: type[Order], order: Order, **kwargs: Any) -> None:
    """Confirm a refund. Nothing sends order_refunded, so this receiver is dead."""
    Notification.objects.create(order=order, kind="refund", message="Refund issued")


def log_event(event: str, sender: type, **kwargs: Any) -> None:
    """Log a shop event; connected as ``partial(log_event, "shipped")`` in ready()."""
    logger.info("shop event %s: order %s", event, kwargs["order"].pk)


def audit_order(sender: type[Order], order: Order, **kwargs: Any) -> None:
    """Write an audit line; connected with ``connect(receiver=..., sender=Order)``."""
    logging.getLogger("shop.audit").info("order %s placed by %s", order.pk, order.email)


async def push_to_dashboard(sender: type[Order], order: Order, **kwargs: Any) -> None:
    """Async receiver (Django 5.0+): push the new order to the live dashboard. No DB access."""
    await asyncio.sleep(0)
    dashboard_feed.append(order.pk)
