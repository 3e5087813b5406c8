"""A gate that cannot measure fails the run, with one line saying why (like coverage's
``fail_under``); without a gate the same trouble is one warning or note and the outcome stands."""

from __future__ import annotations

import pytest
from e2e_project import DjangoProject
from fault_injection import BREAK_THE_MERGE, RECEIVERS, broken

TESTS = """
from shop.signals import order_placed


def test_place():
    order_placed.send(sender=None)
"""

#: The fault injection point of the scan: what a 3,000-term expression used to raise there. The
#: scan runs in a child process, which hands what it raised back to the run through this reader.
RECURSION_IN_THE_SCAN = broken(
    "pytest_signaltrace.scan.process.read_result", "the scan", error="RecursionError"
)


@pytest.fixture
def shop(django_project: DjangoProject) -> DjangoProject:
    """A project whose one receiver runs (100%)."""
    django_project.write(**{"shop/receivers": RECEIVERS, "test_shop": TESTS})
    return django_project


@pytest.mark.parametrize(
    ("conftest", "reason"),
    [
        (
            BREAK_THE_MERGE,
            "internal error in building the signal report "
            "(RuntimeError('simulated fault in the merge'))",
        ),
        (
            RECURSION_IN_THE_SCAN,
            "internal error in building the signal report "
            "(RecursionError('simulated fault in the scan'))",
        ),
    ],
    ids=["fault in the merge", "RecursionError in the scan"],
)
def test_a_report_that_cannot_be_computed_fails_the_gate_and_only_then(
    shop: DjangoProject, conftest: str, reason: str
) -> None:
    shop.write(conftest=conftest)
    gated = shop.run("--signal-fail-under=50")
    gated.assert_outcomes(passed=1, warnings=1)
    assert gated.ret == pytest.ExitCode.TESTS_FAILED
    gated.stdout.fnmatch_lines(
        [f"FAIL Required signal receiver coverage of 50% could not be checked: {reason}"]
    )
    ungated = shop.run("--signal-report=term")
    ungated.assert_outcomes(passed=1, warnings=1)
    assert ungated.ret == pytest.ExitCode.OK
    ungated.stdout.no_fnmatch_line("FAIL*")


def test_a_gate_over_no_receivers_fails_and_names_the_folder(shop: DjangoProject) -> None:
    (shop.pytester.path / "shop" / "templatetags").mkdir()
    gated = shop.run("--signal-fail-under=90", "--signal-source=shop/templatetags")
    gated.assert_outcomes(passed=1)
    assert gated.ret == pytest.ExitCode.TESTS_FAILED
    gated.stdout.fnmatch_lines(
        [
            "FAIL Required signal receiver coverage of 90% could not be checked: "
            "no receivers found under shop/templatetags"
        ]
    )
    gated.stdout.no_fnmatch_line("*reached*")
    ungated = shop.run("--signal-report=term", "--signal-source=shop/templatetags")
    assert ungated.ret == pytest.ExitCode.OK
    ungated.stdout.fnmatch_lines(["pytest-signaltrace: no receivers found under shop/templatetags"])


def test_a_report_that_cannot_be_written_fails_a_gate_that_is_met(shop: DjangoProject) -> None:
    (shop.pytester.path / "blocker").write_text("a file, not a folder\n", encoding="utf-8")
    destination = "--signal-report=json:blocker/report.json"
    gated = shop.run("--signal-report=term", destination, "--signal-fail-under=50")
    gated.assert_outcomes(passed=1)
    assert gated.ret == pytest.ExitCode.TESTS_FAILED
    gated.stdout.fnmatch_lines(
        [
            "FAIL pytest-signaltrace: cannot write the json report to *blocker*: *",
            "Required signal receiver coverage of 50% reached. Total coverage: 100.00%",
        ]
    )
    assert "Traceback" not in gated.stdout.str() + gated.stderr.str()
    ungated = shop.run("--signal-report=term", destination)
    ungated.assert_outcomes(passed=1)
    assert ungated.ret == pytest.ExitCode.OK
    ungated.stdout.fnmatch_lines(["pytest-signaltrace: cannot write the json report to *"])


def test_a_gate_that_is_not_met_fails_even_when_a_report_cannot_be_written(
    shop: DjangoProject,
) -> None:
    shop.write(test_shop="def test_nothing():\n    pass\n")
    (shop.pytester.path / "blocker").write_text("", encoding="utf-8")
    result = shop.run("--signal-report=json:blocker/r.json", "--signal-fail-under=50")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        ["FAIL Required signal receiver coverage of 50% not reached. Total coverage: 0.00%"]
    )


CELERY_FACTORY_SIGNALS = """
from celery.utils.dispatch import Signal


def make_signal(name):
    return Signal(name=name)


order_audited = make_signal("order_audited")


@order_audited.connect
def on_audit(sender=None, **kwargs):
    pass
"""

CELERY_FACTORY_TESTS = """
from shop.audit import order_audited


def test_audit():
    order_audited.send(sender="web")
"""


def test_a_celery_signal_built_by_a_factory_with_a_decorated_receiver_is_reported(
    celery_project: DjangoProject,
) -> None:
    celery_project.write(
        **{"shop/audit": CELERY_FACTORY_SIGNALS, "test_audit": CELERY_FACTORY_TESTS}
    )
    result, report = celery_project.run_json("--signal-fail-under=0", "-W", "error")
    result.assert_outcomes(passed=1)
    assert "internal error" not in result.stdout.str() + result.stderr.str()
    assert result.ret == pytest.ExitCode.OK
    ran = [row for row in report.receivers if row["handler"] == "shop.audit.on_audit"]
    assert any(row["status"] == "exercised" and row["calls"] == 1 for row in ran), ran
