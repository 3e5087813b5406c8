"""``signaltrace fix --data``: runtime evidence vetoes removing a receiver the scan calls dead."""

from __future__ import annotations

import subprocess
import sys

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

# Outside the scanned source (--signal-source=shop): the scan cannot see this send.
VENDOR = """
from shop.signals import order_refunded


def refund():
    order_refunded.send(sender=None)
"""

TESTS = """
from vendor import refund


def test_refund():
    refund()
"""


def test_a_receiver_that_ran_is_kept_and_a_truly_dead_one_goes(
    django_project: DjangoProject,
) -> None:
    django_project.write(**{"shop/receivers": RECEIVERS, "vendor": VENDOR, "test_shop": TESTS})
    django_project.run("--signal-report", "--signal-source=shop").assert_outcomes(passed=1)
    root = django_project.pytester.path
    fix = [sys.executable, "-m", "pytest_signaltrace", "fix", "shop", "--dead", "--no-cache"]
    without_data = subprocess.run(fix, cwd=root, capture_output=True, text=True, check=True)
    assert "-def on_refunded" in without_data.stdout  # statically dead
    with_data = subprocess.run(
        [*fix, "--data", ".signaltrace"], cwd=root, capture_output=True, text=True, check=True
    )
    assert "-def on_refunded" not in with_data.stdout  # it ran: the data vetoes it
    assert "-def on_shipped" in with_data.stdout
