"""Notification channels and Celery task signals."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from notifications.celery_receivers import task_stats
from notifications.channels import mail_muted, sms
from shop import services
from shop.models import Order, Product
from shop.tasks import rebuild_search_index

pytestmark = pytest.mark.django_db


def test_mail_muted_skips_confirmation_until_exit(product: Product, mailoutbox: list) -> None:
    first = Order.objects.create(product=product, email="ann@example.com")
    second = Order.objects.create(product=product, email="bob@example.com")
    with mail_muted():
        services.place_order(first)
    assert mailoutbox == []
    services.place_order(second)
    assert [mail.to for mail in mailoutbox] == [["bob@example.com"]]


def test_eager_task_fires_celery_signals(product: Product) -> None:
    before = task_stats.copy()
    assert rebuild_search_index.delay().get() == 1
    assert task_stats["started"] == before["started"] + 1
    assert task_stats["finished"] == before["finished"] + 1
    success = "success:shop.tasks.rebuild_search_index"
    assert task_stats[success] == before[success] + 1


def test_drain_notifications_delivers_by_sms(order: Order) -> None:
    services.place_order(order)
    call_command("drain_notifications", "--once")
    assert sms.outbox[-1] == "Order is placed"
    assert not order.notifications.filter(kind="customer", delivered=False).exists()
