"""Configuration: pytest ini keys, ``[tool.signaltrace]``, switching off, sources, exclusion."""

from __future__ import annotations

import re

import pytest
from e2e_project import DjangoProject

RECEIVERS = """
from django.dispatch import receiver

import billing.receivers  # noqa: F401  (a package outside shop, connected on import)
from shop.signals import order_placed, order_shipped


@receiver(order_placed)
def notify_warehouse(sender, **kwargs):
    pass


@receiver(order_shipped)
def legacy_fax_warehouse(sender, **kwargs):
    pass
"""

BILLING_RECEIVERS = """
from django.dispatch import receiver

from shop.signals import order_placed


@receiver(order_placed)
def open_invoice(sender, **kwargs):
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
from django.dispatch import Signal

from shop.services import place_order


def test_place_order():
    place_order()


def test_report_whether_signals_are_patched():
    print("SEND PATCHED:", hasattr(Signal.__dict__["send"], "__wrapped__"))
"""


@pytest.fixture
def shop(django_project: DjangoProject) -> DjangoProject:
    """A project with an exercised receiver, a ``legacy_*`` one that never runs, and a receiver
    in ``billing``, a package outside ``shop``."""
    django_project.write(
        **{
            "shop/receivers": RECEIVERS,
            "shop/services": SERVICES,
            "billing/__init__": "",
            "billing/receivers": BILLING_RECEIVERS,
            "test_shop": TESTS,
        }
    )
    return django_project


def _assert_legacy_is_excluded(shop: DjangoProject) -> None:
    report = shop.report()
    legacy = report.receiver("shop.receivers.legacy_fax_warehouse")
    assert (legacy["excluded"], legacy["status"]) == (True, "unexercised")
    assert report.summary["receivers"] == {"total": 2, "exercised": 2, "percent": 100.0}


def test_the_options_can_come_from_pytest_ini(shop: DjangoProject) -> None:
    shop.ini(
        """
        signaltrace_report =
            term
            json:report.json
        signaltrace_fail_under = 100
        signaltrace_exclude = shop.receivers.legacy_*
        """
    )
    result = shop.run()
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "TOTAL * 2 * 2 * 100.00%",
            "*dead receivers: 0, test-only receivers: 0 (not counted), excluded: 1.",
            "Signal report written to *report.json",
            "Required signal receiver coverage of 100% reached. Total coverage: 100.00%",
        ]
    )
    _assert_legacy_is_excluded(shop)


def test_the_options_can_come_from_tool_signaltrace_in_pyproject(shop: DjangoProject) -> None:
    shop.pytester.makepyprojecttoml(
        """
        [tool.signaltrace]
        report = ["term", "json:report.json"]
        fail_under = 100
        exclude = ["shop.receivers.legacy_*"]
        """
    )
    result = shop.run()
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        ["Required signal receiver coverage of 100% reached. Total coverage: 100.00%"]
    )
    _assert_legacy_is_excluded(shop)


def test_the_command_line_wins_over_the_configuration(shop: DjangoProject) -> None:
    shop.ini("signaltrace_fail_under = 10\n")
    result = shop.run("--signal-fail-under=90")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        ["FAIL Required signal receiver coverage of 90% not reached. Total coverage: 66.67%"]
    )


def test_no_signal_report_switches_everything_off(shop: DjangoProject) -> None:
    shop.ini("signaltrace_report = json:report.json\nsignaltrace_fail_under = 100\n")
    result = shop.run("--no-signal-report", "-s")
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*SEND PATCHED: False*"])
    result.stdout.no_fnmatch_line("*signal*coverage*")
    assert not (shop.pytester.path / "report.json").exists()


def _comparable(result: pytest.RunResult) -> list[str]:
    """Output lines without the plugin list and the run time."""
    return [
        re.sub(r" in [0-9.]+s ", " in ...s ", line)
        for line in result.outlines
        if not line.startswith("plugins:")
    ]


def test_without_any_option_the_plugin_prints_nothing_and_patches_nothing(
    shop: DjangoProject,
) -> None:
    result = shop.run("-s")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*SEND PATCHED: False*"])
    without_plugin = shop.run("-s", "-p", "no:signaltrace")
    assert _comparable(result) == _comparable(without_plugin)
    traced = shop.run("-s", "--signal-report")
    traced.stdout.fnmatch_lines(["*SEND PATCHED: True*"])


def test_signal_source_limits_the_report_to_the_given_folder(shop: DjangoProject) -> None:
    _, everything = shop.run_json()
    assert {"billing.receivers.open_invoice"} <= everything.handlers()
    _, only_shop = shop.run_json("--signal-source=shop")
    assert only_shop.handlers() == {
        "shop.receivers.notify_warehouse",
        "shop.receivers.legacy_fax_warehouse",
    }
    assert {row["path"] for row in only_shop.receivers} == {"shop/receivers.py"}


def test_a_path_glob_and_a_pragma_leave_receivers_out_of_the_numbers(
    shop: DjangoProject,
) -> None:
    shop.write(
        **{
            "shop/receivers": RECEIVERS.replace(
                "@receiver(order_shipped)", "@receiver(order_shipped)  # pragma: no signal cover"
            )
        }
    )
    shop.ini("signaltrace_exclude = billing/*\n")
    _, report = shop.run_json()
    invoice = report.receiver("billing.receivers.open_invoice")
    legacy = report.receiver("shop.receivers.legacy_fax_warehouse")
    assert (invoice["excluded"], invoice["status"]) == (True, "exercised")
    assert (legacy["excluded"], legacy["status"]) == (True, "unexercised")
    assert report.receiver("shop.receivers.notify_warehouse")["excluded"] is False
    assert report.summary["receivers"] == {"total": 1, "exercised": 1, "percent": 100.0}


def test_a_second_run_whose_scan_comes_from_the_cache_gives_the_same_report(
    shop: DjangoProject,
) -> None:
    _, first = shop.run_json(cache=True)
    assert (shop.pytester.path / ".pytest_cache" / "d" / "signaltrace").is_dir()
    _, second = shop.run_json(cache=True)
    assert second.data == first.data
