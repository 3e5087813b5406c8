"""The fail-under gate: it fails a green run when too few receivers ran, like pytest-cov."""

from __future__ import annotations

import pytest
from e2e_project import DjangoProject

RECEIVERS = """
from django.dispatch import receiver

from shop.signals import order_placed, order_shipped


@receiver(order_placed)
def notify_warehouse(sender, **kwargs):
    pass


@receiver(order_placed)
def notify_customer(sender, **kwargs):
    pass


@receiver(order_shipped)
def track_parcel(sender, **kwargs):
    pass
"""

SERVICES = """
from shop.signals import order_placed, order_shipped


def place_order():
    order_placed.send(sender="web")


def ship_order():
    order_shipped.send(sender="web")
"""

TESTS = """
from shop.services import place_order


def test_place_order():
    place_order()
"""


@pytest.fixture
def two_of_three(django_project: DjangoProject) -> DjangoProject:
    """A project whose passing test runs two of its three receivers (66.67%)."""
    django_project.write(
        **{"shop/receivers": RECEIVERS, "shop/services": SERVICES, "test_shop": TESTS}
    )
    return django_project


def test_the_gate_fails_a_passing_run_below_the_threshold(two_of_three: DjangoProject) -> None:
    result = two_of_three.run("--signal-fail-under=100")
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "TOTAL * 3 * 2 * 66.67%",
            "FAIL Required signal receiver coverage of 100% not reached. Total coverage: 66.67%",
        ]
    )


def test_the_gate_passes_a_run_that_reaches_the_threshold(two_of_three: DjangoProject) -> None:
    result = two_of_three.run("--signal-fail-under=60")
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        ["Required signal receiver coverage of 60% reached. Total coverage: 66.67%"]
    )
    result.stdout.no_fnmatch_line("FAIL Required*")


def test_the_gate_is_not_evaluated_with_collect_only(two_of_three: DjangoProject) -> None:
    result = two_of_three.run("--signal-fail-under=100", "--collect-only", "-q")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["test_shop.py::test_place_order"])
    result.stdout.no_fnmatch_line("*Required signal receiver coverage*")
    result.stdout.no_fnmatch_line("*signal receiver coverage*")


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("--signal-fail-under=abc", "*--signal-fail-under: 'abc' is not a number*"),
        ("--signal-fail-under=101", "*--signal-fail-under: '101' is not between 0 and 100*"),
        ("--signal-report=yaml", "*--signal-report: unknown report type 'yaml'*"),
        ("--signal-report=term:out.txt", "*'term' prints to the terminal; it takes no DEST*"),
    ],
)
def test_a_bad_option_value_is_a_usage_error(
    django_project: DjangoProject, option: str, message: str
) -> None:
    result = django_project.run(option)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
