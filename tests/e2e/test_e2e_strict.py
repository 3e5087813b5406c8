"""``--signal-strict`` (``strict = true``): a test in which a robust send swallowed a receiver's
exception fails, in its own report, naming the receiver and showing its traceback."""

from __future__ import annotations

import pytest
from e2e_project import DjangoProject, line_of
from fault_injection import broken
from test_e2e_raises import RECEIVERS, SERVICES, TESTS_MORE, TESTS_SHIP

RAISE_LINE = line_of(RECEIVERS, 'raise KeyError(kwargs.get("sku", "sku"))')

FIXTURE_TESTS = """
import pytest

from shop.services import ship


@pytest.fixture
def shipped_before():
    ship()
    yield


@pytest.fixture
def shipped_after():
    yield
    ship()


def test_setup_ships(shipped_before):
    pass


def test_teardown_ships(shipped_after):
    pass
"""

FAILING_TEST = """
from shop.services import ship


def test_fails_by_itself():
    ship()
    assert 1 == 2
"""


@pytest.fixture
def project(django_project: DjangoProject) -> DjangoProject:
    django_project.write(
        **{
            "shop/receivers": RECEIVERS,
            "shop/services": SERVICES,
            "test_ship": TESTS_SHIP,
            "test_more": TESTS_MORE,
        }
    )
    return django_project


@pytest.mark.parametrize("xdist", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_strict_fails_the_tests_whose_robust_sends_swallowed_an_exception(
    project: DjangoProject, xdist: tuple[str, ...]
) -> None:
    result = project.run("--signal-strict", "--signal-report=", *xdist)
    result.assert_outcomes(passed=1, failed=3)
    result.stdout.fnmatch_lines(
        [
            "*_ test_ship_twice _*",
            "shop.receivers.reserve_stock raised KeyError('sku') under send_robust of "
            "shop.signals.order_shipped, which caught it (--signal-strict)",
            "Traceback (most recent call last):",
            f'  File "*shop/receivers.py", line {RAISE_LINE}, in reserve_stock',
            "KeyError: 'sku'",
        ]
    )
    # Both receivers that raised in test_ship_late are named, each with its traceback.
    result.stdout.fnmatch_lines(
        [
            "*_ test_ship_late _*",
            "shop.receivers.reserve_stock raised KeyError('sku') under send_robust*",
            "*",
            "shop.receivers.notify_customer raised ValueError('too late to notify') under*",
            "*",
            "ValueError: too late to notify",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "FAILED test_more.py::test_ship_again - Failed: shop.receivers.reserve_*",
        ]
    )
    assert "KeyError('zz-9') under send_robust" in result.stdout.str()


def test_without_strict_the_outcomes_are_those_of_an_untraced_run(
    project: DjangoProject,
) -> None:
    untraced = project.run("-p", "no:signaltrace")
    untraced.assert_outcomes(passed=4)
    traced = project.run("--signal-report")
    traced.assert_outcomes(passed=4)
    assert "--signal-strict)" not in traced.stdout.str()
    # The same tests, strict: only the option makes the difference.
    project.run("--signal-report", "--signal-strict").assert_outcomes(passed=1, failed=3)


@pytest.mark.parametrize(
    ("ini", "pyproject", "strict"),
    [
        (None, "strict = true", True),
        ("signaltrace_strict = true", None, True),
        ("signaltrace_strict = false", "strict = true", False),
        (None, "strict = false", False),
    ],
)
def test_strict_from_configuration(
    project: DjangoProject, ini: str | None, pyproject: str | None, strict: bool
) -> None:
    if ini:
        project.ini(ini)
    if pyproject:
        (project.pytester.path / "pyproject.toml").write_text(f"[tool.signaltrace]\n{pyproject}\n")
    result = project.run("--signal-report=", "test_more.py")
    if strict:
        result.assert_outcomes(failed=1)
    else:
        result.assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("pyproject", "message"),
    [
        ('strict = "yes"', "[tool.signaltrace] strict = 'yes' is not true or false"),
        ("stric = true", "unknown key 'stric' in [tool.signaltrace]; did you mean 'strict'?"),
    ],
)
def test_a_bad_strict_setting_is_a_usage_error(
    project: DjangoProject, pyproject: str, message: str
) -> None:
    (project.pytester.path / "pyproject.toml").write_text(f"[tool.signaltrace]\n{pyproject}\n")
    result = project.run("--signal-report")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert message in result.stderr.str()


def test_a_swallowed_exception_in_a_fixture_errors_in_setup_or_teardown(
    project: DjangoProject,
) -> None:
    project.write(test_fixtures=FIXTURE_TESTS)
    result = project.run("--signal-strict", "--signal-report=", "test_fixtures.py")
    result.assert_outcomes(passed=1, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at setup of test_setup_ships*",
            "shop.receivers.reserve_stock raised KeyError('sku')*",
            "*ERROR at teardown of test_teardown_ships*",
            "shop.receivers.reserve_stock raised KeyError('sku')*",
        ]
    )


def test_a_test_that_fails_by_itself_keeps_its_failure_and_shows_what_was_swallowed(
    project: DjangoProject,
) -> None:
    project.write(test_failing=FAILING_TEST)
    result = project.run("--signal-strict", "--signal-report=", "test_failing.py")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E       assert 1 == 2",
            "*Captured signaltrace call*",
            "shop.receivers.reserve_stock raised KeyError('sku') under send_robust*",
        ]
    )


def test_a_fault_in_strict_mode_never_fails_a_test(project: DjangoProject) -> None:
    project.write(
        conftest=broken("pytest_signaltrace.plugin.strict.describe_swallowed", "the strict check")
    )
    result = project.run("--signal-strict", "--signal-report=", "test_more.py")
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(["*SignalTraceWarning*simulated fault in the strict check*"])
