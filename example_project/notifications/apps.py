"""App config of notifications: connects the receivers that decorators cannot."""

from __future__ import annotations

from functools import partial

import django
from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """E-mail, SMS and log receivers of shop events."""

    name = "notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from shop.models import Order
        from shop.signals import PaymentEvents, order_placed, order_shipped

        from . import celery_receivers, receivers  # noqa: F401  (decorators connect on import)
        from .channels import mailer

        order_placed.connect(mailer.on_placed)
        order_placed.connect(receiver=receivers.audit_order, sender=Order)
        order_shipped.connect(
            partial(receivers.log_event, "shipped"), weak=False, dispatch_uid="log-shipped"
        )
        PaymentEvents.captured.connect(
            lambda sender, order, **kwargs: receivers.logger.info("paid: order %s", order.pk),
            weak=False,
        )
        if django.VERSION >= (5, 0):  # async receivers need Django 5.0+
            order_placed.connect(receivers.push_to_dashboard)
