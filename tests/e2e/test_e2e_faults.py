"""A fault inside the plugin never fails or alters a test: all of a run's faults become one
warning, reported at the end of the run (never from inside a test, so neither ``-W error`` nor a
test's ``recwarn`` sees it). With a gate, a fault that leaves the report uncomputed fails the
run instead (see ``test_e2e_fail_closed``)."""

from __future__ import annotations

import pytest
from e2e_project import DjangoProject
from fault_injection import (
    BREAK_THE_MERGE,
    BREAK_THE_RECORDER,
    BREAK_THE_SNAPSHOT,
    BREAK_THE_TERMINAL_REPORT,
    RECEIVERS,
)

TESTS = """
from shop.signals import order_placed


def test_place():
    order_placed.send(sender=None)


def test_fails():
    assert False
"""

PASSING_TESTS = TESTS.split("def test_fails")[0]

#: Sends inside a test that asserts it saw no warning at all.
RECWARN_TESTS = """
from shop.signals import order_placed


def test_sends_and_sees_no_warning(recwarn):
    assert order_placed.send(sender=None) == []
    order_placed.send(sender=None)
    assert len(recwarn) == 0, [str(w.message) for w in recwarn]
"""


def _output(result: pytest.RunResult) -> str:
    return result.stdout.str() + result.stderr.str()


def _assert_one_warning(result: pytest.RunResult, *parts: str) -> None:
    output = _output(result)
    assert output.count("SignalTraceWarning") == 1, output
    for part in parts:
        assert part in output, output
    assert "INTERNALERROR" not in output
    assert "Traceback" not in output


def test_a_fault_while_reporting_leaves_the_outcome_alone_and_warns_once(
    django_project: DjangoProject,
) -> None:
    django_project.write(conftest=BREAK_THE_MERGE, test_shop=TESTS)
    result = django_project.run("--signal-report=term")
    result.assert_outcomes(passed=1, failed=1, warnings=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    _assert_one_warning(
        result, "internal error in building the signal report", "simulated fault in the merge"
    )
    assert "signal receiver coverage" not in result.stdout.str()


def test_without_a_gate_a_fault_does_not_fail_a_passing_run(
    django_project: DjangoProject,
) -> None:
    django_project.write(conftest=BREAK_THE_MERGE, test_shop=PASSING_TESTS)
    result = django_project.run("--signal-report=term")
    result.assert_outcomes(passed=1, warnings=1)
    assert result.ret == pytest.ExitCode.OK


@pytest.mark.parametrize(
    "warning_filter",
    [("-W", "error"), ("-o", "filterwarnings=error")],
    ids=["-W error", "filterwarnings = error"],
)
def test_under_warnings_as_errors_a_fault_is_still_one_warning_and_no_failure(
    django_project: DjangoProject, warning_filter: tuple[str, str]
) -> None:
    django_project.write(conftest=BREAK_THE_RECORDER, test_shop=PASSING_TESTS)
    result = django_project.run("--signal-report=term", *warning_filter)
    result.assert_outcomes(passed=1, warnings=1)
    assert result.ret == pytest.ExitCode.OK
    _assert_one_warning(result, "internal error in Signal.send", "simulated fault in the recorder")
    result.stdout.fnmatch_lines(["TOTAL*"])  # the report is still there


def test_an_ignore_filter_silences_the_warning(django_project: DjangoProject) -> None:
    django_project.write(conftest=BREAK_THE_RECORDER, test_shop=PASSING_TESTS)
    result = django_project.run(
        "--signal-report=term", "-W", "ignore::pytest_signaltrace.trace.faults.SignalTraceWarning"
    )
    result.assert_outcomes(passed=1)
    assert "SignalTraceWarning" not in _output(result)


def test_a_fault_during_a_test_is_not_seen_by_its_recwarn(django_project: DjangoProject) -> None:
    django_project.write(conftest=BREAK_THE_RECORDER, test_shop=RECWARN_TESTS)
    result = django_project.run("--signal-report=term")
    result.assert_outcomes(passed=1, warnings=1)
    _assert_one_warning(result, "simulated fault in the recorder")


def test_a_fault_in_the_terminal_report_is_one_warning_not_an_internal_error(
    django_project: DjangoProject,
) -> None:
    django_project.write(
        conftest=BREAK_THE_TERMINAL_REPORT,
        test_shop=PASSING_TESTS,
        **{"shop/receivers": RECEIVERS},
    )
    result = django_project.run("--signal-report=term", "--signal-fail-under=100", "-W", "error")
    result.assert_outcomes(passed=1, warnings=1)
    assert result.ret == pytest.ExitCode.OK
    _assert_one_warning(
        result, "internal error in printing the signal report", "simulated fault in the terminal"
    )
    # The gate's verdict was reached before the terminal summary, and is still printed.
    result.stdout.fnmatch_lines(["Required signal receiver coverage of 100% reached.*"])


def test_a_fault_in_the_snapshot_is_reported_once_and_not_again_at_unconfigure(
    django_project: DjangoProject,
) -> None:
    django_project.write(conftest=BREAK_THE_SNAPSHOT, test_shop=PASSING_TESTS)
    result = django_project.run("--signal-report=term")
    result.assert_outcomes(passed=1, warnings=1)
    assert result.ret == pytest.ExitCode.OK
    _assert_one_warning(result, "internal error in taking the signal trace", "snapshot")


def test_two_faults_give_one_warning_that_names_both(django_project: DjangoProject) -> None:
    django_project.write(
        conftest=BREAK_THE_RECORDER + BREAK_THE_TERMINAL_REPORT, test_shop=PASSING_TESTS
    )
    result = django_project.run("--signal-report=term")
    result.assert_outcomes(passed=1, warnings=1)
    _assert_one_warning(
        result,
        "internal errors: ",
        "Signal.send: RuntimeError('simulated fault in the recorder')",
        "printing the signal report: RuntimeError('simulated fault in the terminal report')",
    )


def test_the_faults_of_xdist_workers_are_one_warning_of_the_controller(
    django_project: DjangoProject,
) -> None:
    tests = PASSING_TESTS + "\n\ndef test_place_again():\n    order_placed.send(sender=None)\n"
    django_project.write(conftest=BREAK_THE_RECORDER, test_shop=tests)
    result = django_project.run("--signal-report=term", "-n", "2", "-W", "error")
    result.assert_outcomes(passed=2, warnings=1)
    assert result.ret == pytest.ExitCode.OK
    _assert_one_warning(result, "worker gw", "simulated fault in the recorder")


def test_without_a_terminal_summary_the_faults_are_one_line_on_stderr(
    django_project: DjangoProject,
) -> None:
    django_project.write(conftest=BREAK_THE_RECORDER, test_shop=PASSING_TESTS)
    result = django_project.run("--signal-report=term", "-p", "no:terminal", "-W", "error")
    assert result.ret == pytest.ExitCode.OK
    lines = [line for line in result.stderr.lines if "pytest-signaltrace" in line]
    assert len(lines) == 1, result.stderr.str()
    assert "internal error in Signal.send" in lines[0]
    assert "Traceback" not in result.stderr.str()
