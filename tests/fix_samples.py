"""The small Django project the ``signaltrace fix`` tests share: two signals, a receiver
of each (nothing sends either, so both receivers are statically dead)."""

SIGNALS = """\
from django.dispatch import Signal

order_refunded = Signal()
order_audited = Signal()
"""

RECEIVERS = """\
from django.dispatch import receiver

from shop.signals import order_audited, order_refunded


@receiver(order_refunded)
def on_refunded(sender, **kwargs):
    pass


@receiver(order_audited)
def on_audited(sender, **kwargs):
    pass
"""
