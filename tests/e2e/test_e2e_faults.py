"""A fault inside the plugin never fails or alters a test: it becomes one warning."""

from __future__ import annotations

from e2e_project import DjangoProject

BREAK_THE_MERGE = """
import pytest_signaltrace.session


def _broken(*args, **kwargs):
    raise RuntimeError("simulated fault in the merge")


pytest_signaltrace.session.build_report = _broken
"""

TESTS = """
from shop.signals import order_placed


def test_place():
    order_placed.send(sender=None)


def test_fails():
    assert False
"""


def test_a_fault_while_reporting_leaves_the_outcome_alone_and_warns_once(
    django_project: DjangoProject,
) -> None:
    django_project.write(conftest=BREAK_THE_MERGE, test_shop=TESTS)
    result = django_project.run("--signal-report=term", "--signal-fail-under=100")
    result.assert_outcomes(passed=1, failed=1)
    assert result.ret == 1  # the failing test, not the gate: no report means no gate
    output = result.stdout.str() + result.stderr.str()
    assert output.count("internal error in building the signal report") == 1
    assert "simulated fault in the merge" in output
    assert "signal receiver coverage" not in result.stdout.str()


def test_a_fault_while_reporting_does_not_fail_a_passing_run(
    django_project: DjangoProject,
) -> None:
    django_project.write(conftest=BREAK_THE_MERGE, test_shop=TESTS.split("def test_fails")[0])
    result = django_project.run("--signal-report=term", "--signal-fail-under=100")
    result.assert_outcomes(passed=1)
    assert result.ret == 0
