"""Signals received only by test code (issue 22, items 25 and 27): their own status in the scan
and the pytest reports, whether the receiver is declared in a test or is a ``Mock`` a project
helper connects at run time."""

from __future__ import annotations

import json

import pytest
from e2e_project import DjangoProject, line_of, signaltrace

SERVICES = """
from shop.signals import order_placed, order_refunded, order_shipped


def place_order():
    order_placed.send(sender=None, total=3)


def ship_order():
    order_shipped.send(sender=None)


def refund_order():
    order_refunded.send(sender=None)
"""

RECEIVERS = """
from django.dispatch import receiver

from shop.signals import order_refunded


@receiver(order_refunded)
def on_refunded(sender, **kwargs):
    pass
"""

#: A project's test helper, outside the tests folder (django-oscar's ``mock_signal_receiver``).
TESTING = """
from contextlib import contextmanager
from unittest import mock


@contextmanager
def mock_signal_receiver(signal, wraps=None, **kwargs):
    receiver = mock.Mock(wraps=wraps)
    signal.connect(receiver, **kwargs)
    try:
        yield receiver
    finally:
        signal.disconnect(receiver)
"""

TESTS = """
from django.dispatch import receiver

from shop.services import place_order, refund_order, ship_order
from shop.signals import order_placed, order_shipped
from shop.testing import mock_signal_receiver

shipped = []


@receiver(order_shipped)
def remember_shipped(sender, **kwargs):
    shipped.append(sender)


def test_place_order_sends_order_placed():
    with mock_signal_receiver(order_placed) as receiver:
        place_order()
    assert receiver.call_count == 1


def test_ship_and_refund():
    ship_order()
    refund_order()
    assert shipped == [None]
"""


@pytest.fixture
def shop(django_project: DjangoProject) -> DjangoProject:
    django_project.write(
        **{
            "shop/services": SERVICES,
            "shop/receivers": RECEIVERS,
            "shop/testing": TESTING,
            "test_shop": TESTS,
        }
    )
    return django_project


def test_a_mock_connected_through_a_project_helper_is_a_test_only_receiver(
    shop: DjangoProject,
) -> None:
    result, report = shop.run_json()
    result.assert_outcomes(passed=2)
    # A Mock runs ``CallableMixin.__call__``: its code is unittest's, not the project's.
    row = report.receiver("unittest.mock.CallableMixin.__call__", "shop.signals.order_placed")
    assert (row["path"], row["line"]) == ("shop/testing.py", line_of(TESTING, ".connect("))
    assert (row["declared"], row["test_only"], row["calls"]) == (False, True, 1)
    assert row["tests"] == ["test_shop.py::test_place_order_sends_order_placed"]
    assert report.signal("shop.signals.order_placed")["status"] == "test_receivers_only"
    # Not counted: only the project's receiver is.
    assert report.summary["receivers"] == {"total": 1, "exercised": 1, "percent": 100.0}


def test_a_signal_received_only_in_tests_has_its_own_status_in_every_report(
    shop: DjangoProject,
) -> None:
    result, report = shop.run_json("--signal-report=markdown:report.md", "--signal-report=term")
    assert report.signal("shop.signals.order_shipped")["status"] == "test_receivers_only"
    assert report.signal("shop.signals.order_refunded")["status"] == "ok"
    result.stdout.fnmatch_lines(
        [
            "shop.signals.order_placed * 0 * 0 * 1  receivers only in tests  S+R",
            "shop.signals.order_refunded * 1 * 1 * 1  ok * S+R",
            "shop.signals.order_shipped * 0 * 0 * 1  receivers only in tests  S+R",
        ]
    )
    markdown = (shop.pytester.path / "report.md").read_text("utf-8")
    assert "`shop.signals.order_shipped` — receivers only in tests" in markdown
    scan = signaltrace("scan", "--no-cache", "--format", "json", cwd=shop.pytester.path)
    statuses = {s["signal"]: s["status"] for s in json.loads(scan.stdout)["signals"]}
    assert statuses["shop.signals.order_shipped"] == "test_receivers_only"
    assert statuses["shop.signals.order_refunded"] == "ok"
    scan_markdown = signaltrace("scan", "--no-cache", cwd=shop.pytester.path).stdout
    assert "| Signals received only in tests | 1 |" in scan_markdown
