"""Python subprocesses that tests start are traced too, and attributed to the test."""

from __future__ import annotations

import pytest
from e2e_project import DjangoProject

RECEIVERS = """
from django.dispatch import receiver

from shop.signals import order_placed, order_shipped


@receiver(order_placed)
def on_placed(sender, **kwargs):
    pass


@receiver(order_shipped)
def on_shipped(sender, **kwargs):
    pass
"""

# A management-command-like script: its own Django, in its own process.
SCRIPT = """
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
django.setup()

from shop.signals import order_placed, order_shipped

(order_placed if sys.argv[1] == "place" else order_shipped).send(sender=None)
"""

TESTS = """
import subprocess
import sys


def test_place_in_a_subprocess():
    subprocess.run([sys.executable, "script.py", "place"], check=True)


def test_nothing_here():
    pass
"""


@pytest.mark.parametrize("xdist", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_receivers_that_ran_in_a_subprocess_count_for_the_test_that_started_it(
    django_project: DjangoProject, xdist: tuple[str, ...]
) -> None:
    django_project.write(**{"shop/receivers": RECEIVERS, "script": SCRIPT, "test_shop": TESTS})
    result, report = django_project.run_json(*xdist)
    result.assert_outcomes(passed=2)
    placed = report.receiver("shop.receivers.on_placed")
    assert (placed["status"], placed["calls"]) == ("exercised", 1)
    assert placed["tests"] == ["test_shop.py::test_place_in_a_subprocess"]
    assert report.receiver("shop.receivers.on_shipped")["calls"] == 0
    assert report.signal("shop.signals.order_placed")["sends"] == 1
    # The hook is not left in the environment of the run, nor its folder on disk.
    assert "signaltrace-children" not in result.stdout.str()


# ``python -c``: the send's code has no file (``<string>``), so it is no send site of the project.
TESTS_WITH_CODE_IN_A_STRING = """
import subprocess
import sys

CODE = (
    "import os, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'settings'); "
    "django.setup(); from shop.signals import order_shipped; order_shipped.send(sender=None)"
)


def test_ship_from_python_c():
    subprocess.run([sys.executable, "-c", CODE], check=True)
"""


def test_a_send_from_python_c_counts_but_is_no_send_site_of_the_project(
    django_project: DjangoProject,
) -> None:
    django_project.write(
        **{"shop/receivers": RECEIVERS, "test_shop": TESTS_WITH_CODE_IN_A_STRING}
    )
    result, report = django_project.run_json("--signal-report=xml:signals.xml")
    result.assert_outcomes(passed=1)
    assert report.receiver("shop.receivers.on_shipped")["calls"] == 1
    assert report.signal("shop.signals.order_shipped")["sends"] == 1
    assert [s["path"] for s in report.senders] == []
    assert report.summary["senders"]["total"] == 0
    assert "<string>" not in (django_project.pytester.path / "signals.xml").read_text()
