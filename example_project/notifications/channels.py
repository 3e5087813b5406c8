"""Delivery channels. Note: ``SmsNotifier.send`` and ``send_mail`` are not signals."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.mail import send_mail

from shop.models import Order
from shop.signals import order_placed


class Mailer:
    """Customer e-mails; ``on_placed`` is connected as a bound method in ``ready()``."""

    from_address = "orders@example.com"

    def on_placed(self, sender: type[Order], order: Order, **kwargs: Any) -> None:
        send_mail(
            f"Order #{order.pk} confirmed",
            "Thank you for shopping with us.",
            self.from_address,
            [order.email],
        )


class SmsNotifier:
    """A tiny SMS gateway client that keeps an outbox instead of calling a provider."""

    def __init__(self) -> None:
        self.outbox: list[str] = []

    def send(self, message: str) -> None:
        self.outbox.append(message)


mailer = Mailer()
sms = SmsNotifier()


@contextmanager
def mail_muted() -> Iterator[None]:
    """Stop order e-mails for a while, e.g. while importing old orders."""
    order_placed.disconnect(mailer.on_placed)
    try:
        yield
    finally:
        order_placed.connect(mailer.on_placed)
