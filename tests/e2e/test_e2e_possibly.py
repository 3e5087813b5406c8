"""Sends the scan cannot resolve, and files it skipped, make the pytest report's verdicts
"possibly" instead of a certain "dead" (issue 22, items 4 and 26)."""

from __future__ import annotations

from e2e_project import DjangoProject

RECEIVERS = """
from django.dispatch import receiver

from shop.signals import order_refunded, order_shipped


@receiver(order_refunded)
def on_refunded(sender, **kwargs):
    pass


@receiver(order_shipped)
def on_shipped(sender, **kwargs):
    pass
"""

#: The sender by position, on an object the scan cannot name: the only send of order_refunded.
VIEWS = """
from shop import signals


def refund(request, kind):
    getattr(signals, kind).send(request, amount=3)
"""

#: The only send of order_shipped, in a file libcst refuses (str and bytes joined: valid
#: Python until compiled) and so the scan skips.
LEGACY = """
from shop.signals import order_shipped


def ship():
    order_shipped.send(None, note="a" b"b")
"""

TESTS = """
def test_nothing_sends():
    pass
"""


def test_a_receiver_only_an_unresolved_send_or_a_skipped_file_might_reach_is_possibly_dead(
    django_project: DjangoProject,
) -> None:
    django_project.write(
        **{"shop/receivers": RECEIVERS, "shop/views": VIEWS, "test_shop": TESTS}
    )
    (django_project.pytester.path / "shop" / "legacy.py").write_text(LEGACY.lstrip())
    result, report = django_project.run_json()
    result.assert_outcomes(passed=1)
    refunded = report.receiver("shop.receivers.on_refunded")
    assert refunded["status"] == "possibly_dead"
    assert {(s["path"], s["expression"]) for s in refunded["possible_senders"]} == {
        ("shop/views.py", "getattr(signals, kind)"),
        ("shop/legacy.py", ""),
    }
    shipped = report.receiver("shop.receivers.on_shipped")
    assert shipped["status"] == "possibly_dead"
    assert {(s["path"], s["line"]) for s in shipped["possible_senders"]} >= {("shop/legacy.py", 0)}
    assert report.signal("shop.signals.order_shipped")["status"] == "possibly_never_sent"
    assert [f["path"] for f in report.data["files_skipped"]] == ["shop/legacy.py"]
