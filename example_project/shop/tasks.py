"""Background jobs of the shop (run inline in this demo: CELERY_TASK_ALWAYS_EAGER)."""

from __future__ import annotations

from celery import shared_task
from django.core.mail import send_mail

from .models import Order, Product


@shared_task
def send_receipt(order_id: int) -> int:
    """E-mail the receipt of an order; returns the number of messages sent."""
    order = Order.objects.select_related("product").get(pk=order_id)
    body = f"{order.quantity} x {order.product.name}: {order.total}"
    return send_mail(f"Receipt for order #{order.pk}", body, None, [order.email])


@shared_task
def rebuild_search_index() -> int:
    """Pretend to re-index the catalogue; returns the number of products indexed."""
    return Product.objects.count()
