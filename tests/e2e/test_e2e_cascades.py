"""Signal cascades end to end: a three-level chain through a Celery task signal, a loop, an
async receiver; the same edges serially, under xdist and from combined data files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from e2e_project import DjangoProject, signaltrace

django = pytest.importorskip("django")
pytest.importorskip("celery")

pytestmark = pytest.mark.skipif(django.VERSION < (5, 0), reason="asend needs Django 5.0")

SIGNALS = """
from django.dispatch import Signal

order_placed = Signal()
order_shipped = Signal()
parcel_packed = Signal()
order_paid = Signal()
order_confirmed = Signal()
order_refunded = Signal()
"""

TASKS = """
from celery_app import app


@app.task
def pack_order():
    return "packed"
"""

RECEIVERS = """
from celery.signals import task_success
from django.dispatch import receiver

from shop.signals import order_confirmed, order_paid, order_placed, order_shipped, parcel_packed
from shop.tasks import pack_order


@receiver(order_placed)
def reserve_stock(sender, **kwargs):
    announce_shipping(sender)


def announce_shipping(sender):
    order_shipped.send(sender=sender)


@receiver(order_shipped)
def book_courier(sender, **kwargs):
    pack_order.delay()


@task_success.connect
def after_pack(sender=None, **kwargs):
    parcel_packed.send(sender=None)


@receiver(parcel_packed)
def label_parcel(sender, **kwargs):
    pass


@receiver(order_paid)
def retry_payment(sender, attempt=0, **kwargs):
    if attempt < 2:
        order_paid.send(sender=sender, attempt=attempt + 1)


@receiver(order_confirmed)
async def confirm_async(sender, **kwargs):
    await order_paid.asend(sender=sender, attempt=1)
"""

TESTS_FLOW = """
from shop.signals import order_paid, order_placed


def test_place_order():
    order_placed.send(sender=None)


def test_payment_retries():
    order_paid.send(sender=None)
"""

TESTS_ASYNC = """
import asyncio

from shop.signals import order_confirmed


def test_async_confirmation():
    asyncio.run(order_confirmed.asend(sender=None))
"""

CHAIN = [
    "shop.signals.order_placed",
    "shop.receivers.reserve_stock",
    "shop.signals.order_shipped",
    "shop.receivers.book_courier",
    "celery.signals.task_success",
    "shop.receivers.after_pack",
    "shop.signals.parcel_packed",
]


@pytest.fixture
def project(celery_project: DjangoProject) -> DjangoProject:
    celery_project.write(
        **{
            "shop/signals": SIGNALS,
            "shop/tasks": TASKS,
            "shop/receivers": RECEIVERS,
            "shop/test_flow": TESTS_FLOW,
            "shop/test_async_flow": TESTS_ASYNC,
        }
    )
    return celery_project


def edges(report: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """The report's cascade edges by ``(handler, signal)``."""
    return {(row["handler"], row["signal"]): row for row in report["cascades"]}


def cascades_of(report: dict[str, Any]) -> dict[str, Any]:
    """What a report says of cascades."""
    return {key: report[key] for key in ("cascades", "loops", "chains")}


def test_the_chain_the_loop_and_the_async_receiver_are_reported(project: DjangoProject) -> None:
    result, report = project.run_json("--signal-report=term-missing")
    result.assert_outcomes(passed=3)
    found = edges(report.data)
    placed = found[("shop.receivers.reserve_stock", "shop.signals.order_shipped")]
    assert placed["evidence"] == "static+runtime"
    assert placed["via"] == "announce_shipping"
    assert placed["calls"] == 1
    assert placed["tests"] == ["shop/test_flow.py::test_place_order"]
    courier = found[("shop.receivers.book_courier", "celery.signals.task_success")]
    assert courier["evidence"] == "runtime"
    packed = found[("shop.receivers.after_pack", "shop.signals.parcel_packed")]
    assert packed["evidence"] == "static+runtime"
    retry = found[("shop.receivers.retry_payment", "shop.signals.order_paid")]
    # 2 retries from the sync test, 1 from the asend's (its first send is the async receiver's)
    assert (retry["evidence"], retry["calls"]) == ("static+runtime", 3)
    assert retry["tests"] == [
        "shop/test_async_flow.py::test_async_confirmation",
        "shop/test_flow.py::test_payment_retries",
    ]
    confirm = found[("shop.receivers.confirm_async", "shop.signals.order_paid")]
    assert (confirm["evidence"], confirm["calls"]) == ("static+runtime", 1)
    assert confirm["tests"] == ["shop/test_async_flow.py::test_async_confirmation"]
    assert report.data["loops"] == [
        {
            "chain": [
                "shop.signals.order_paid",
                "shop.receivers.retry_payment",
                "shop.signals.order_paid",
            ],
            "evidence": "static+runtime",
            "tests": [],
        }
    ]
    (deepest,) = report.data["chains"]["deepest"]
    assert deepest["chain"] == CHAIN
    assert deepest["tests"] == ["shop/test_flow.py::test_place_order"]
    assert report.data["chains"]["longest"][0]["chain"] == CHAIN
    result.stdout.fnmatch_lines(
        [
            "WARNING: 1 signal loop (a receiver's send leads back):",
            "  shop.signals.order_paid -> shop.receivers.retry_payment -> shop.signals.order_paid"
            "  [[]static+runtime[]]",
            "Deepest signal chain at run time (3 receivers deep):",
            "  " + " -> ".join(CHAIN),
            "  in shop/test_flow.py::test_place_order",
        ]
    )


def test_markdown_lists_the_loop_and_the_longest_chains(project: DjangoProject) -> None:
    result = project.run("--signal-report=markdown:report.md")
    result.assert_outcomes(passed=3)
    text = (project.pytester.path / "report.md").read_text("utf-8")
    assert "### Signal loops (1)" in text
    assert "### Longest signal chains" in text
    assert " -> ".join(f"`{part}`" for part in CHAIN) in text


def test_xdist_keeps_the_edges_exactly(project: DjangoProject) -> None:
    pytest.importorskip("xdist")
    _, serial = project.run_json()
    result, parallel = project.run_json("-n", "2")
    result.assert_outcomes(passed=3)
    assert cascades_of(parallel.data) == cascades_of(serial.data)


def test_combined_shards_keep_the_edges_exactly(project: DjangoProject, tmp_path: Path) -> None:
    root = project.pytester.path
    _, full = project.run_json("--signal-data-file=full.signaltrace")
    project.run("--signal-report=json:-", "--signal-data-file=one.signaltrace", "shop/test_flow.py")
    project.run(
        "--signal-report=json:-", "--signal-data-file=two.signaltrace", "shop/test_async_flow.py"
    )
    combined = root / "combined.signaltrace"
    done = signaltrace(
        "combine", "one.signaltrace", "two.signaltrace", "-o", str(combined), cwd=root
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(combined.read_text())["version"] == 3
    shown = signaltrace("report", str(combined), "--format", "json", "-o", "-", cwd=root)
    assert shown.returncode == 0, shown.stderr
    assert cascades_of(json.loads(shown.stdout)) == cascades_of(full.data)
