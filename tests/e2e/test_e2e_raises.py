"""Receivers that raise under ``send_robust``/``asend_robust``: counted in every report and in
the data file, exactly under xdist, summed by ``signaltrace combine``."""

from __future__ import annotations

import json
from typing import Any

import django
import pytest
from e2e_project import DjangoProject, line_of, signaltrace

RECEIVERS = """
from django.dispatch import receiver

from shop.signals import order_placed, order_shipped


@receiver(order_shipped)
def reserve_stock(sender, **kwargs):
    raise KeyError(kwargs.get("sku", "sku"))


@receiver(order_shipped)
def notify_customer(sender, **kwargs):
    if kwargs.get("late"):
        raise ValueError("too late to notify")


@receiver(order_placed)
def log_order(sender, **kwargs):
    pass
"""

SERVICES = """
from shop.signals import order_placed, order_shipped


def ship(**kwargs):
    return order_shipped.send_robust(sender="web", **kwargs)


async def aship(**kwargs):
    return await order_shipped.asend_robust(sender="web", **kwargs)


def place():
    order_placed.send_robust(sender="web")
"""

TESTS_SHIP = """
from shop.services import place, ship


def test_ship_twice():
    ship()
    ship()


def test_ship_late():
    responses = ship(late=True)
    assert [type(r).__name__ for _, r in responses] == ["KeyError", "ValueError"]


def test_place():
    place()
"""

TESTS_MORE = """
from shop.services import ship


def test_ship_again():
    ship(sku="zz-9")
"""

TESTS_ASYNC = """
import asyncio

from shop.services import aship


def test_ship_async():
    responses = asyncio.run(aship())
    assert isinstance(responses[0][1], KeyError)
"""


@pytest.fixture
def project(django_project: DjangoProject) -> DjangoProject:
    django_project.write(
        **{
            "shop/receivers": RECEIVERS,
            "shop/services": SERVICES,
            "test_ship": TESTS_SHIP,
            "test_more": TESTS_MORE,
        }
    )
    return django_project


def raised_of(rows: list[dict[str, Any]], handler: str) -> list[dict[str, Any]]:
    (row,) = [r for r in rows if r["handler"] == handler]
    raised: list[dict[str, Any]] = row["raised"]
    return raised


@pytest.mark.parametrize("xdist", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_raises_are_counted_per_receiver_in_the_reports_and_the_data_file(
    project: DjangoProject, xdist: tuple[str, ...]
) -> None:
    result, report = project.run_json("--signal-report=term", *xdist)
    result.assert_outcomes(passed=4)
    assert raised_of(report.receivers, "shop.receivers.reserve_stock") == [
        {
            "exception": "KeyError",
            "count": 4,
            "message": "KeyError('sku')",
            "tests": [
                "test_more.py::test_ship_again",
                "test_ship.py::test_ship_late",
                "test_ship.py::test_ship_twice",
            ],
        }
    ]
    assert raised_of(report.receivers, "shop.receivers.notify_customer") == [
        {
            "exception": "ValueError",
            "count": 1,
            "message": "ValueError('too late to notify')",
            "tests": ["test_ship.py::test_ship_late"],
        }
    ]
    assert raised_of(report.receivers, "shop.receivers.log_order") == []
    line = line_of(RECEIVERS, "@receiver(order_shipped)")
    result.stdout.fnmatch_lines(
        [
            "Receivers that raised under a robust send (the send caught the exception):",
            f"  shop/receivers.py:{line}  shop.receivers.reserve_stock"
            "  (shop.signals.order_shipped)  raised 4x: KeyError('sku')",
            "  shop/receivers.py:*  shop.receivers.notify_customer  (shop.signals.order_shipped)"
            "  raised 1x: ValueError('too late to notify')",
        ]
    )
    data = json.loads((project.pytester.path / ".signaltrace").read_text())
    rows = data["trace"]["raises"]
    handlers = data["trace"]["handlers"]
    counts = {(handlers[r["handler"]]["handler"], r["exception"]): r["count"] for r in rows}
    assert counts == {
        ("shop.receivers.reserve_stock", "KeyError"): 4,
        ("shop.receivers.notify_customer", "ValueError"): 1,
    }
    again = signaltrace("report", "--format", "json", cwd=project.pytester.path)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == report.data


def test_no_robust_raise_no_section(django_project: DjangoProject) -> None:
    django_project.write(
        **{"shop/receivers": RECEIVERS, "shop/services": SERVICES, "test_ok": TESTS_SHIP}
    )
    result = django_project.run("--signal-report=term-missing", "-k", "test_place")
    result.assert_outcomes(passed=1, deselected=2)
    assert "raised under a robust send" not in result.stdout.str()


@pytest.mark.skipif(django.VERSION < (5, 0), reason="asend_robust needs Django >= 5.0")
def test_asend_robust_raises_are_counted(project: DjangoProject) -> None:
    project.write(test_async=TESTS_ASYNC)
    result, report = project.run_json("test_async.py")
    result.assert_outcomes(passed=1)
    (raised,) = raised_of(report.receivers, "shop.receivers.reserve_stock")
    assert (raised["count"], raised["tests"]) == (1, ["test_async.py::test_ship_async"])


def test_combine_sums_the_raises_of_shards(project: DjangoProject) -> None:
    root = project.pytester.path
    for shard, path in (("one", "test_ship.py"), ("two", "test_more.py")):
        result = project.run("--signal-report=", f"--signal-data-file={shard}.signaltrace", path)
        assert result.ret == 0, result.stdout.str()
    combined = signaltrace("combine", "one.signaltrace", "two.signaltrace", cwd=root)
    assert combined.returncode == 0, combined.stderr
    report = signaltrace("report", "--format", "json", cwd=root)
    assert report.returncode == 0, report.stderr
    (raised,) = raised_of(json.loads(report.stdout)["receivers"], "shop.receivers.reserve_stock")
    assert raised["count"] == 4
    assert raised["message"] == "KeyError('sku')"
    markdown = signaltrace("report", "--format", "markdown", cwd=root).stdout
    assert "`raised 4x: KeyError('sku')`" in markdown
    github = signaltrace("report", "--format", "github", cwd=root).stdout
    assert "title=Signal receiver raised::shop.receivers.reserve_stock" in github
