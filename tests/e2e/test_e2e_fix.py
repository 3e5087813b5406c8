"""``signaltrace fix`` on a real project after a real run: the run's data file (used by
default) vetoes removing a receiver that ran, whatever folder ``fix`` is given and wherever the
project is checked out, and the fixed project's tests still pass."""

from __future__ import annotations

import shutil
import subprocess
import sys

from e2e_project import DjangoProject, signaltrace

RECEIVERS = """
from django.dispatch import receiver

from .signals import order_placed, order_refunded, order_shipped


@receiver(order_refunded)
def on_refunded(sender, **kwargs):
    pass


@receiver(order_shipped)
def on_shipped(sender, **kwargs):
    pass


# Both: it must keep working for order_placed.
@receiver(order_shipped)
@receiver(order_placed)
def on_both(sender, **kwargs):
    return "both"


def place():
    return order_placed.send(sender=None)
"""

# A send the scan cannot see (built at run time): only the run's data knows on_refunded ran.
VENDOR = """
from shop.signals import order_refunded


def refund():
    exec("order_refunded.send(sender=None)", {"order_refunded": order_refunded})
"""

TESTS = """
from shop.receivers import on_both, place
from vendor import refund


def test_refund():
    refund()


def test_place():
    assert place() == [(on_both, "both")]
"""


def test_the_run_vetoes_what_ran_and_the_fixed_project_still_passes(
    django_project: DjangoProject,
) -> None:
    django_project.write(**{"shop/receivers": RECEIVERS, "vendor": VENDOR, "test_shop": TESTS})
    django_project.run("--signal-report").assert_outcomes(passed=2)
    root = django_project.pytester.path

    static = signaltrace("fix", "shop", "--dead", "--no-cache", "--no-data", cwd=root)
    assert static.returncode == 0, static.stderr
    assert "-def on_refunded" in static.stdout  # statically dead: its send is invisible

    with_data = signaltrace("fix", "shop", "--dead", "--no-cache", cwd=root)
    assert with_data.returncode == 0, with_data.stderr
    assert "using the run's data in .signaltrace" in with_data.stderr
    assert "-def on_refunded" not in with_data.stdout  # it ran: the data vetoes it
    assert "-def on_shipped" in with_data.stdout

    # The data file of this run, in another checkout of the same project (a CI rootdir).
    elsewhere = root.parent / "elsewhere"
    shutil.copytree(root, elsewhere)
    written = signaltrace("fix", "shop", "--dead", "--no-cache", "--write", cwd=elsewhere)
    assert written.returncode == 0, written.stderr
    receivers = (elsewhere / "shop" / "receivers.py").read_text()
    assert "def on_refunded" in receivers
    assert "def on_shipped" not in receivers
    assert "# Both: it must keep working for order_placed.\n@receiver(order_placed)\n" in receivers
    rerun = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly", "-q"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=False,
    )
    assert rerun.returncode == 0, rerun.stdout
    assert "2 passed" in rerun.stdout
