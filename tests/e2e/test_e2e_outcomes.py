"""The plugin never changes what a test suite does: the same outcomes, and weak receivers die."""

from __future__ import annotations

import pytest
from e2e_project import DjangoProject

RECEIVERS = """
from django.dispatch import receiver

from shop.signals import order_placed, order_shipped


@receiver(order_placed)
def notify_warehouse(sender, **kwargs):
    pass


@receiver(order_shipped)
def book_courier(sender, **kwargs):
    raise ConnectionError("courier API is down")
"""

TESTS = """
import pytest

from shop.signals import order_placed, order_shipped


@pytest.fixture
def broken_fixture():
    raise RuntimeError("fixture could not start")


def test_passes():
    order_placed.send(sender="web")


def test_fails():
    order_placed.send(sender="web")
    assert 1 == 2


def test_fails_in_a_receiver():
    order_shipped.send(sender="web")


def test_passes_with_robust_send():
    assert order_shipped.send_robust(sender="web")


def test_errors_in_a_fixture(broken_fixture):
    pass


@pytest.mark.skip(reason="not today")
def test_skipped():
    pass


@pytest.mark.xfail(reason="known bug", strict=True)
def test_expected_to_fail():
    order_shipped.send(sender="web")


@pytest.mark.xfail(reason="fixed already")
def test_unexpectedly_passes():
    pass


def test_errors_in_teardown(request):
    request.addfinalizer(lambda: order_shipped.send(sender="web"))
"""


def test_outcomes_and_exit_status_are_the_same_with_and_without_the_plugin(
    django_project: DjangoProject,
) -> None:
    django_project.write(**{"shop/receivers": RECEIVERS, "test_mixed": TESTS})
    plain = django_project.run()
    traced = django_project.run("--signal-report=term-missing")
    expected = {"passed": 3, "failed": 2, "errors": 2, "skipped": 1, "xfailed": 1, "xpassed": 1}
    plain.assert_outcomes(**expected)
    traced.assert_outcomes(**expected)
    assert traced.ret == plain.ret == pytest.ExitCode.TESTS_FAILED
    traced.stdout.fnmatch_lines(["*- signal receiver coverage -*", "TOTAL * 2 * 2 * 100.00%"])
    traced.stdout.no_fnmatch_line("*SignalTraceWarning*")


def test_a_run_stopped_by_maxfail_still_reports_the_tests_that_ran(
    django_project: DjangoProject,
) -> None:
    django_project.write(**{"shop/receivers": RECEIVERS, "test_mixed": TESTS})
    plain = django_project.run("-x")
    traced = django_project.run("-x", "--signal-report")
    plain.assert_outcomes(passed=1, failed=1)
    traced.assert_outcomes(passed=1, failed=1)
    assert traced.ret == plain.ret == pytest.ExitCode.TESTS_FAILED
    traced.stdout.fnmatch_lines(
        [
            "*- signal receiver coverage -*",
            "shop.signals.order_placed * 1 * 1 * 2 * ok *",
            "TOTAL * 2 * 1 * 50.00%",
        ]
    )


WEAK_TESTS = """
import gc

from django.dispatch import Signal

from shop.signals import order_placed


def test_a_weak_function_receiver_is_collected():
    signal = Signal()

    def handler(sender, **kwargs):
        pass

    signal.connect(handler)
    signal.send(sender="web")
    assert signal.has_listeners()
    del handler
    gc.collect()
    assert not signal.has_listeners()


def test_a_weak_bound_method_receiver_is_collected():
    class Mailer:
        def on_placed(self, sender, **kwargs):
            pass

    mailer = Mailer()
    order_placed.connect(mailer.on_placed)
    order_placed.send(sender="web")
    assert order_placed.has_listeners()
    del mailer
    gc.collect()
    assert not order_placed.has_listeners()
"""


def test_weakly_connected_receivers_are_still_garbage_collected_while_tracing(
    django_project: DjangoProject,
) -> None:
    django_project.write(test_weak=WEAK_TESTS)
    result, report = django_project.run_json()
    result.assert_outcomes(passed=2)
    row = report.receiver(
        "test_weak.test_a_weak_bound_method_receiver_is_collected.<locals>.Mailer.on_placed"
    )
    assert (row["test_only"], row["calls"]) == (True, 1)
