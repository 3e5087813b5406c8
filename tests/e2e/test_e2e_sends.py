"""Sends of every kind: async, robust, raising, muted, and a framework signal sent by the ORM."""

from __future__ import annotations

import re

import django
import pytest
from e2e_project import DjangoProject

ASYNC_RECEIVERS = """
import asyncio

from django.dispatch import receiver

from shop.signals import order_placed

dashboard = []


@receiver(order_placed)
async def push_to_dashboard(sender, **kwargs):
    await asyncio.sleep(0)
    dashboard.append(sender)


@receiver(order_placed)
def notify_warehouse(sender, **kwargs):
    pass
"""

ASYNC_SERVICES = """
from shop.signals import order_placed


async def place_order_async():
    return await order_placed.asend(sender="web")
"""

ASYNC_TESTS = """
import asyncio

from shop.receivers import dashboard
from shop.services import place_order_async


def test_asend_runs_sync_and_async_receivers():
    responses = asyncio.run(place_order_async())
    assert len(responses) == 2
    assert dashboard == ["web"]
"""


@pytest.mark.skipif(
    django.VERSION < (5, 0), reason="Signal.asend and async receivers need Django 5.0+"
)
def test_asend_counts_async_and_sync_receivers_and_its_send_site(
    django_project: DjangoProject,
) -> None:
    django_project.write(
        **{
            "shop/receivers": ASYNC_RECEIVERS,
            "shop/services": ASYNC_SERVICES,
            "test_async": ASYNC_TESTS,
        }
    )
    result, report = django_project.run_json()
    result.assert_outcomes(passed=1)
    for handler in ("shop.receivers.push_to_dashboard", "shop.receivers.notify_warehouse"):
        row = report.receiver(handler)
        assert (row["status"], row["calls"]) == ("exercised", 1)
        assert row["tests"] == ["test_async.py::test_asend_runs_sync_and_async_receivers"]
    (sender,) = report.senders
    assert (sender["path"], sender["method"], sender["calls"]) == ("shop/services.py", "asend", 1)
    assert report.signal("shop.signals.order_placed")["sends"] == 1


ROBUST_RECEIVERS = """
from django.dispatch import receiver

from shop.signals import order_shipped


@receiver(order_shipped)
def notify_customer(sender, **kwargs):
    pass


@receiver(order_shipped)
def book_courier(sender, **kwargs):
    raise ConnectionError("courier API is down")


@receiver(order_shipped)
def update_stock(sender, **kwargs):
    pass
"""

ROBUST_SERVICES = """
from shop.signals import order_shipped


def ship_order():
    return order_shipped.send_robust(sender="web")
"""

ROBUST_TESTS = """
from shop.services import ship_order


def test_a_failing_receiver_does_not_stop_the_others():
    responses = ship_order()
    assert [type(response).__name__ for _, response in responses] == [
        "NoneType", "ConnectionError", "NoneType"
    ]
"""


def test_send_robust_counts_every_receiver_including_the_one_that_failed(
    django_project: DjangoProject,
) -> None:
    django_project.write(
        **{
            "shop/receivers": ROBUST_RECEIVERS,
            "shop/services": ROBUST_SERVICES,
            "test_robust": ROBUST_TESTS,
        }
    )
    result, report = django_project.run_json()
    result.assert_outcomes(passed=1)
    for handler in ("notify_customer", "book_courier", "update_stock"):
        row = report.receiver(f"shop.receivers.{handler}")
        assert (row["status"], row["calls"]) == ("exercised", 1), handler
    (sender,) = report.senders
    assert (sender["method"], sender["calls"]) == ("send_robust", 1)


RAISING_RECEIVERS = """
from django.dispatch import receiver

from shop.signals import order_placed

after_calls = []


@receiver(order_placed)
def reserve_stock(sender, **kwargs):
    pass


@receiver(order_placed)
def charge_card(sender, **kwargs):
    raise RuntimeError("card declined")


@receiver(order_placed)
def send_receipt(sender, **kwargs):
    after_calls.append(sender)
"""

RAISING_SERVICES = """
from shop.signals import order_placed


def place_order():
    order_placed.send(sender="web")
"""

RAISING_TESTS = """
import pytest

from shop.receivers import after_calls
from shop.services import place_order


def test_the_error_of_a_receiver_reaches_the_caller():
    with pytest.raises(RuntimeError, match="card declined") as info:
        place_order()
    assert type(info.value) is RuntimeError
    assert info.value.__cause__ is None and info.value.__context__ is None
    assert info.traceback[-1].name == "charge_card"
    assert after_calls == []


def test_an_unhandled_receiver_error_fails_the_test():
    place_order()
"""


def _failures_section(result: pytest.RunResult) -> list[str]:
    """The FAILURES section of a run's output, object addresses scrubbed."""
    lines = result.outlines
    start = next(i for i, line in enumerate(lines) if "= FAILURES =" in line)
    end = next(
        i
        for i, line in enumerate(lines)
        if i > start and ("signal receiver coverage" in line or "short test summary" in line)
    )
    return [re.sub(r"0x[0-9a-f]+", "0x...", line) for line in lines[start:end]]


def test_a_send_that_raises_counts_the_receivers_up_to_the_raising_one(
    django_project: DjangoProject,
) -> None:
    django_project.write(
        **{
            "shop/receivers": RAISING_RECEIVERS,
            "shop/services": RAISING_SERVICES,
            "test_raising": RAISING_TESTS,
        }
    )
    result, report = django_project.run_json()
    result.assert_outcomes(passed=1, failed=1)
    assert report.receiver("shop.receivers.reserve_stock")["calls"] == 2
    assert report.receiver("shop.receivers.charge_card")["calls"] == 2
    after = report.receiver("shop.receivers.send_receipt")
    assert (after["status"], after["calls"]) == ("unexercised", 0)
    assert report.signal("shop.signals.order_placed")["sends"] == 2
    assert report.senders[0]["calls"] == 2


def test_a_send_that_raises_shows_the_same_failure_as_without_the_plugin(
    django_project: DjangoProject,
) -> None:
    django_project.write(
        **{
            "shop/receivers": RAISING_RECEIVERS,
            "shop/services": RAISING_SERVICES,
            "test_raising": RAISING_TESTS,
        }
    )
    plain = django_project.run("--tb=long")
    traced = django_project.run("--tb=long", "--signal-report")
    plain.assert_outcomes(passed=1, failed=1)
    traced.assert_outcomes(passed=1, failed=1)
    traced.stdout.fnmatch_lines(["E       RuntimeError: card declined"])
    assert _failures_section(traced) == _failures_section(plain)


MODELS = """
from django.db import models


class Order(models.Model):
    email = models.CharField(max_length=100)
"""

ORM_RECEIVERS = """
from django.db.models.signals import post_save
from django.dispatch import receiver

from shop.models import Order


@receiver(post_save, sender=Order)
def track_order_change(sender, instance, created, **kwargs):
    pass
"""

ORM_TESTS = """
import factory
import pytest
from django.db.models.signals import post_save

from shop.models import Order


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    email = "ann@example.com"


@pytest.mark.django_db
def test_saving_an_order():
    Order.objects.create(email="bob@example.com")


@pytest.mark.django_db
def test_a_muted_factory():
    with factory.django.mute_signals(post_save):
        OrderFactory()
"""


def test_post_save_from_the_orm_and_a_muted_send_are_both_counted_as_sends(
    django_project: DjangoProject,
) -> None:
    django_project.write(
        **{"shop/models": MODELS, "shop/receivers": ORM_RECEIVERS, "test_orm": ORM_TESTS}
    )
    result, report = django_project.run_json()
    result.assert_outcomes(passed=2)
    row = report.receiver("shop.receivers.track_order_change")
    assert (row["signal"], row["sender"]) == ("django.db.models.signals.post_save", "Order")
    assert (row["status"], row["calls"]) == ("exercised", 1)
    assert row["tests"] == ["test_orm.py::test_saving_an_order"]
    post_save = report.signal("django.db.models.signals.post_save")
    assert (post_save["sends"], post_save["status"]) == (2, "ok")
