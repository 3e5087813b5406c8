"""The ``signals`` fixture in real Django and Celery projects, with and without tracing."""

from __future__ import annotations

import django
import pytest
from e2e_project import DjangoProject

MODELS = """
from django.db import models


class Order(models.Model):
    total = models.IntegerField(default=0)
"""

RECEIVERS = """
from django.db.models.signals import post_save
from django.dispatch import receiver

from shop.models import Order
from shop.signals import order_placed

SAVED = []


@receiver(order_placed)
def on_placed(sender, **kwargs):
    return "mailed"


@receiver(post_save, sender=Order)
def on_saved(sender, instance, **kwargs):
    SAVED.append(instance.pk)
"""

TESTS = """
import gc
import weakref

import pytest

from shop.models import Order
from shop.receivers import SAVED, on_placed
from shop.signals import order_placed, order_refunded, order_shipped

REFS = []


class Cart:
    total = 10


def test_assert_sent_and_the_call(signals):
    cart = Cart()
    REFS.append(weakref.ref(cart))
    order_placed.send(sender=Order, order=cart)
    signals.assert_sent(order_placed, sender=Order, times=1)
    signals.assert_sent(order_placed, order=cart)
    call = signals.sent(order_placed)[0]
    assert call.kwargs["order"].total == 10
    assert call.receivers == [on_placed]
    assert call.responses == [(on_placed, "mailed")]
    signals.assert_not_sent(order_refunded)


def test_the_fixture_keeps_no_instance_alive_after_a_test():
    gc.collect()
    assert REFS and REFS[0]() is None


def test_observing_adds_no_receiver(signals):
    assert not order_shipped.has_listeners()
    assert order_placed.has_listeners()


@pytest.mark.django_db
def test_muted_receivers_do_not_run_but_the_send_is_seen(signals):
    with signals.muted(order_placed):
        order_placed.send(sender=None)
    assert signals.sent(order_placed)[0].receivers == []
    from django.db.models.signals import post_save

    with signals.muted(post_save):
        Order.objects.create(total=3)
    assert SAVED == []
    signals.assert_sent(post_save, sender=Order, times=1)
    Order.objects.create(total=4)  # unmuted again
    assert len(SAVED) == 1


def test_no_wrapper_is_left_after_the_fixture():
    from django.dispatch import Signal

    for name in ("send", "send_robust"):
        code = getattr(getattr(Signal, name), "__code__", None)  # the trace's C patch has none
        assert code is None or not code.co_filename.endswith("fixture.py")


def test_a_failed_expectation_reads_like_a_diff(signals):
    order_placed.send(sender=Order, order=1)
    order_placed.send(sender=None)
    signals.assert_sent(order_placed, sender=Order, times=2)


def test_a_send_that_should_not_happen(signals):
    order_refunded.send(sender=None, amount=5)
    signals.assert_not_sent(order_refunded)
"""

FAILURES = [
    "*expected shop.signals.order_placed sent 2 times with sender=<class 'shop.models.Order'> "
    "(or an instance); it was sent once",
    "*all sends of shop.signals.order_placed:",
    "*  - send(sender=<class 'shop.models.Order'>, order=1); "
    "receivers that ran: shop.receivers.on_placed",
    "*  - send(sender=None); receivers that ran: shop.receivers.on_placed",
]


@pytest.fixture
def project(django_project: DjangoProject) -> DjangoProject:
    django_project.write(
        **{"shop/models": MODELS, "shop/receivers": RECEIVERS, "test_fixture": TESTS}
    )
    return django_project


@pytest.mark.parametrize("tracing", [(), ("--signal-report",)], ids=["alone", "traced"])
def test_the_signals_fixture_observes_asserts_and_mutes(
    project: DjangoProject, tracing: tuple[str, ...]
) -> None:
    result = project.run(*tracing)
    result.assert_outcomes(passed=5, failed=2)
    result.stdout.fnmatch_lines(FAILURES)
    result.stdout.fnmatch_lines(
        [
            "*expected shop.signals.order_refunded not sent; it was sent once:",
            "*  - send(sender=None, amount=5); receivers that ran: none",
        ]
    )
    assert "pytest_signaltrace/plugin/fixture.py" not in result.stdout.str()  # no traceback into it


def test_traced_muted_sends_still_count_in_the_report(project: DjangoProject) -> None:
    result, report = project.run_json("-k", "muted")
    result.assert_outcomes(passed=1, deselected=6)
    assert report.signal("shop.signals.order_placed")["sends"] == 1
    assert report.receiver("shop.receivers.on_placed")["calls"] == 0


CELERY = """
from celery.signals import task_prerun, task_success

from shop.tasks import add


@task_prerun.connect
def start(sender=None, **kwargs):
    pass


def test_celery_task_signals(signals):
    assert add.delay(1, 2).get() == 3
    signals.assert_sent(task_prerun, sender=add, times=1)
    signals.assert_not_sent(task_success)  # nothing listens: Celery does not send it
"""

TASKS = """
from celery_app import app


@app.task
def add(x, y):
    return x + y
"""


def test_celery_signals_sent_through_celery_app_trace_are_seen(
    celery_project: DjangoProject,
) -> None:
    celery_project.write(**{"shop/tasks": TASKS, "test_celery": CELERY})
    celery_project.run().assert_outcomes(passed=1)


ASYNC = """
import asyncio

from shop.signals import order_placed


async def on_placed(sender, **kwargs):
    return "async"


def test_asend_is_seen(signals):
    order_placed.connect(on_placed)
    try:
        asyncio.run(order_placed.asend(sender=None, n=1))
        asyncio.run(order_placed.asend_robust(sender=None, n=2))
    finally:
        order_placed.disconnect(on_placed)
    first, second = signals.sent(order_placed)
    assert (first.method, first.kwargs, first.receivers) == ("asend", {"n": 1}, [on_placed])
    assert (second.method, second.responses) == ("asend_robust", [(on_placed, "async")])
"""


@pytest.mark.skipif(django.VERSION < (5, 0), reason="Signal.asend needs Django 5.0+")
def test_asend_and_asend_robust_are_seen(django_project: DjangoProject) -> None:
    django_project.write(test_async=ASYNC)
    django_project.run().assert_outcomes(passed=1)
    django_project.run("--signal-report").assert_outcomes(passed=1)


SERVICES = """
from shop.signals import order_shipped


def ship():
    order_shipped.send(sender=None)
"""

SHIP_TESTS = """
from shop.services import ship
from shop.signals import order_shipped


def test_ship(signals):
    ship()
    signals.assert_sent(order_shipped, times=1)
"""


def test_a_send_observed_by_the_fixture_is_traced_at_its_own_call_site(
    django_project: DjangoProject,
) -> None:
    django_project.write(
        **{"shop/receivers": RECEIVERS, "shop/models": MODELS, "shop/services": SERVICES}
    )
    django_project.write(test_ship=SHIP_TESTS)
    result, report = django_project.run_json("test_ship.py")
    result.assert_outcomes(passed=1)
    rows = [(s["path"], s["line"], s["calls"]) for s in report.senders]
    assert ("shop/services.py", 5, 1) in rows, rows
    assert not any("fixture.py" in s["path"] for s in report.senders), rows
