"""Order workflows: each one changes state, then announces it with a signal."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from asgiref.sync import sync_to_async
from django.db import transaction

from .models import Order
from .signals import PaymentEvents, order_placed, order_shipped
from .tasks import send_receipt


def place_order(order: Order) -> Order:
    """Place an order, tell everyone, and e-mail the receipt once the transaction commits."""
    order.place()
    order_placed.send(sender=Order, order=order)
    transaction.on_commit(lambda: send_receipt.delay(order.pk))
    return order


def ship_order(order: Order) -> Order:
    """Ship one order (the sender is passed positionally)."""
    order.ship()
    order_shipped.send(Order, order=order)
    return order


def ship_all(orders: Iterable[Order]) -> list[Exception]:
    """Ship several orders; a failing receiver must not stop the batch, so use send_robust."""
    errors: list[Exception] = []
    for order in orders:
        order.ship()
        responses = order_shipped.send_robust(
            sender=Order,
            order=order,
            batch=True,
        )
        errors += [result for _, result in responses if isinstance(result, Exception)]
    return errors


def capture_payment(order: Order, amount: Decimal) -> None:
    """Announce that the payment for an order went through."""
    PaymentEvents.captured.send(sender=PaymentEvents, order=order, amount=amount)


def decline_payment(order: Order, reason: str) -> None:
    """Announce that the payment provider declined an order's payment."""
    PaymentEvents.declined.send(sender=PaymentEvents, order=order, reason=reason)


async def place_order_async(order: Order) -> Order:
    """Async twin of place_order, for async views (``Signal.asend`` needs Django 5.0+)."""
    await sync_to_async(order.place)()
    await order_placed.asend(sender=Order, order=order)
    return order
