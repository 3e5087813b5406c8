"""The shop's custom signals. Receivers live in other apps; senders in shop.services."""

from __future__ import annotations

from django.dispatch import Signal

# Sent by shop.services.place_order (sync) and place_order_async (asend).
order_placed = Signal()

# Sent by shop.services.ship_order, ship_all (send_robust) and shop.views (through an alias).
order_shipped = Signal()

# Has a receiver (notifications.receivers.notify_refund) but nothing sends it: a dead receiver.
order_refunded = Signal()

# Defined for a future stock audit; no receiver and no sender: an unused signal.
inventory_audited = Signal()


class PaymentEvents:
    """Payment signals, namespaced on a class; sent from shop.services."""

    captured = Signal()
    declined = Signal()
