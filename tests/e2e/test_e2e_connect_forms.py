"""Every way of connecting a receiver, at run time: each is one row, and each is exercised."""

from __future__ import annotations

import pytest
from e2e_project import DjangoProject, line_of

APPS = """
from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "shop"

    def ready(self):
        from shop import receivers
        from shop.mailer import mailer
        from shop.signals import order_placed

        order_placed.connect(receivers.count_in_ready)
        order_placed.connect(mailer.on_placed)
"""

MAILER = """
class Mailer:
    def __init__(self):
        self.sent = []

    def on_placed(self, sender, **kwargs):
        self.sent.append(sender)


mailer = Mailer()
"""

RECEIVERS = """
from functools import partial

from django.dispatch import receiver

from shop.services import Checkout
from shop.signals import order_placed, order_shipped


@receiver(order_placed)
def notify_warehouse(sender, **kwargs):
    pass


@receiver([order_placed, order_shipped], sender=Checkout, dispatch_uid="notify-customer")
def notify_customer(sender, **kwargs):
    pass


def audit(sender, **kwargs):
    pass


def archive(sender, **kwargs):
    pass


def log_event(event, sender, **kwargs):
    pass


def count_in_ready(sender, **kwargs):
    pass


order_placed.connect(audit)
order_placed.connect(receiver=archive)
order_shipped.connect(partial(log_event, "shipped"), weak=False)
order_shipped.connect(lambda sender, **kwargs: None, weak=False)
"""

SERVICES = """
from shop.signals import order_placed, order_shipped


class Checkout:
    pass


def place_order():
    order_placed.send(sender=Checkout)


def ship_order():
    order_shipped.send(sender=Checkout)
"""

TESTS = """
from shop.mailer import mailer
from shop.services import Checkout, place_order, ship_order


def test_place_and_ship():
    place_order()
    ship_order()
    assert mailer.sent == [Checkout]
"""

#: form -> (handler id, signal, path, text of the line the row points at)
DJANGO_FORMS = {
    "@receiver(sig)": (
        "shop.receivers.notify_warehouse",
        "order_placed",
        "shop/receivers.py",
        "@receiver(order_placed)",
    ),
    "@receiver([a, b], sender=X, dispatch_uid=...), signal a": (
        "shop.receivers.notify_customer",
        "order_placed",
        "shop/receivers.py",
        "@receiver([order_placed",
    ),
    "@receiver([a, b], sender=X, dispatch_uid=...), signal b": (
        "shop.receivers.notify_customer",
        "order_shipped",
        "shop/receivers.py",
        "@receiver([order_placed",
    ),
    "sig.connect(func)": (
        "shop.receivers.audit",
        "order_placed",
        "shop/receivers.py",
        "order_placed.connect(audit)",
    ),
    "sig.connect(receiver=func)": (
        "shop.receivers.archive",
        "order_placed",
        "shop/receivers.py",
        "connect(receiver=archive)",
    ),
    "functools.partial": (
        "shop.receivers.log_event",
        "order_shipped",
        "shop/receivers.py",
        "partial(log_event",
    ),
    "lambda": ("shop.receivers.<lambda>", "order_shipped", "shop/receivers.py", "lambda sender"),
    "connect in AppConfig.ready()": (
        "shop.receivers.count_in_ready",
        "order_placed",
        "shop/apps.py",
        "connect(receivers.count_in_ready)",
    ),
    "bound method, matched by its connect call site": (
        "shop.mailer.Mailer.on_placed",
        "order_placed",
        "shop/apps.py",
        "connect(mailer.on_placed)",
    ),
}

_SOURCES = {"shop/receivers.py": RECEIVERS, "shop/apps.py": APPS}


def test_each_django_connect_form_is_one_exercised_declared_row(
    django_project: DjangoProject, subtests: pytest.Subtests
) -> None:
    django_project.write(
        **{
            "shop/apps": APPS,
            "shop/mailer": MAILER,
            "shop/receivers": RECEIVERS,
            "shop/services": SERVICES,
            "test_shop": TESTS,
        }
    )
    result, report = django_project.run_json()
    result.assert_outcomes(passed=1)
    for form, (handler, signal, path, code) in DJANGO_FORMS.items():
        with subtests.test(form):
            row = report.receiver(handler, f"shop.signals.{signal}")
            assert (row["path"], row["line"]) == (path, line_of(_SOURCES[path], code))
            assert (row["declared"], row["test_only"]) == (True, False)
            assert (row["status"], row["calls"]) == ("exercised", 1)
            assert row["tests"] == ["test_shop.py::test_place_and_ship"]
    with subtests.test("one row per receiver and signal, all counted"):
        assert len(report.receivers) == len(DJANGO_FORMS)
        assert report.summary["receivers"] == {"total": 9, "exercised": 9, "percent": 100.0}
    with subtests.test("the sender of @receiver(..., sender=X) as written"):
        row = report.receiver("shop.receivers.notify_customer", "shop.signals.order_placed")
        assert row["sender"] == "Checkout"


CELERY_RECEIVERS = """
from celery.signals import task_failure, task_prerun, task_success


@task_success.connect
def count_success(sender=None, **kwargs):
    pass


@task_prerun.connect(weak=False)
def start_timer(sender=None, **kwargs):
    pass


@task_failure.connect
def report_failure(sender=None, **kwargs):
    pass
"""

CELERY_TASKS = """
from celery_app import app


@app.task
def add(x, y):
    return x + y
"""

CELERY_TESTS = """
from shop.tasks import add


def test_an_eager_task_runs():
    assert add.delay(1, 2).get() == 3
"""


def test_celery_decorator_connects_are_traced_with_an_eager_task(
    celery_project: DjangoProject,
) -> None:
    celery_project.write(
        **{
            "shop/receivers": CELERY_RECEIVERS,
            "shop/tasks": CELERY_TASKS,
            "test_tasks": CELERY_TESTS,
        }
    )
    result, report = celery_project.run_json()
    result.assert_outcomes(passed=1)
    success = report.receiver("shop.receivers.count_success", "celery.signals.task_success")
    prerun = report.receiver("shop.receivers.start_timer", "celery.signals.task_prerun")
    failure = report.receiver("shop.receivers.report_failure", "celery.signals.task_failure")
    for row, code in ((success, "@task_success.connect"), (prerun, "@task_prerun.connect")):
        assert (row["path"], row["line"]) == ("shop/receivers.py", line_of(CELERY_RECEIVERS, code))
        assert (row["declared"], row["status"], row["calls"]) == (True, "exercised", 1)
        assert row["tests"] == ["test_tasks.py::test_an_eager_task_runs"]
    assert (failure["status"], failure["calls"]) == ("unexercised", 0)
    for signal in ("celery.signals.task_success", "celery.signals.task_prerun"):
        assert report.signal(signal)["framework"] == "celery"
        assert report.signal(signal)["sends"] == 1
    assert report.summary["receivers"] == {"total": 3, "exercised": 2, "percent": 66.67}
