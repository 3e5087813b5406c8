"""Diff gating on a real git repository holding a real Django project: ``signaltrace diff`` on
a traced run's data file, and the pytest run's ``--signal-diff-compare-branch`` /
``--signal-diff-fail-under`` (diff-cover's ``--compare-branch`` / ``--fail-under``)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import pytest
from e2e_project import DjangoProject, git
from fault_injection import BREAK_THE_MERGE

OLD_RECEIVERS = """
from django.dispatch import receiver

from shop.signals import order_placed, order_refunded


@receiver(order_refunded)
def old_dead(sender, **kwargs):
    pass
"""

NEW_RECEIVERS = (
    OLD_RECEIVERS
    + """

@receiver(order_placed)
def new_and_run(sender, **kwargs):
    pass


@receiver(order_refunded)
def new_and_never_run(sender, **kwargs):
    pass
"""
)

TESTS = """
from shop.signals import order_placed


def test_place():
    order_placed.send(sender=None)
"""


@pytest.fixture
def feature_branch(django_project: DjangoProject) -> DjangoProject:
    """A repository whose branch ``feature`` adds two receivers to ``main``: one that its test
    runs and one that never runs (the change is 50% covered)."""
    django_project.write(**{"shop/receivers": OLD_RECEIVERS, "test_shop": TESTS})
    git(django_project, "init", "-q", "-b", "main")
    git(django_project, "add", "-A")
    git(django_project, "commit", "-q", "-m", "base")
    git(django_project, "checkout", "-q", "-b", "feature")
    django_project.write(**{"shop/receivers": NEW_RECEIVERS})
    git(django_project, "commit", "-q", "-am", "two receivers")
    return django_project


@pytest.fixture
def repository(feature_branch: DjangoProject) -> DjangoProject:
    """The feature branch after a traced run (its data file written)."""
    feature_branch.run("--signal-report").assert_outcomes(passed=1)
    return feature_branch


def _diff(project: DjangoProject, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest_signaltrace", "diff", "--compare-branch=main", *args],
        cwd=project.pytester.path,
        capture_output=True,
        text=True,
        check=False,
    )


def test_diff_lists_the_changed_receivers_that_never_ran_and_not_the_old_ones(
    repository: DjangoProject,
) -> None:
    done = _diff(repository)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "Changed since main: 2 receivers and send sites, 1 ran (50.00%).",
        "Never ran:",
        "  receiver  shop/receivers.py:16  shop.receivers.new_and_never_run  "
        "(shop.signals.order_refunded)",
    ]


def test_diff_fails_with_status_1_below_fail_under_and_passes_at_it(
    repository: DjangoProject,
) -> None:
    below = _diff(repository, "--fail-under=51")
    assert below.returncode == 1
    assert "FAIL Required diff signal coverage of 51% not reached. Total coverage: 50.00%" in (
        below.stderr
    )
    assert _diff(repository, "--fail-under=50").returncode == 0


def test_diff_fail_under_fails_over_a_source_file_the_scan_skipped(
    feature_branch: DjangoProject,
) -> None:
    feature_branch.write(
        **{"shop/broken": "from django.dispatch import receiver\n\n@receiver(order_placed\n"}
    )
    feature_branch.run("--signal-report").assert_outcomes(passed=1)
    done = _diff(feature_branch, "--fail-under=50")
    assert done.returncode == 1
    assert (
        "FAIL Required diff signal coverage of 50% could not be checked: the scan skipped "
        "shop/broken.py (" in done.stderr
    )


def test_an_unstaged_change_counts_too(repository: DjangoProject) -> None:
    git(repository, "checkout", "-q", "main")
    git(repository, "branch", "-q", "-D", "feature")
    repository.write(**{"shop/receivers": NEW_RECEIVERS})  # not committed
    assert "2 receivers and send sites" in _diff(repository).stdout


def test_an_unknown_branch_is_one_line_and_status_2(repository: DjangoProject) -> None:
    done = _diff(repository, "--compare-branch=no-such-branch")
    assert done.returncode == 2
    assert done.stderr == (
        "signaltrace: error: unknown compare branch 'no-such-branch': no such branch or commit\n"
    )


def test_a_folder_that_is_not_a_repository_is_one_line_naming_it(
    repository: DjangoProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repository.pytester.path / ".git").rename(repository.pytester.path / "not-git")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(repository.pytester.path.parent))
    done = _diff(repository)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "signaltrace: error: git rev-parse: not a git repository (or any of the parent "
        "directories): .git"
    ]


def test_diff_shows_and_judges_its_percentages_with_the_precision(
    repository: DjangoProject,
) -> None:
    done = _diff(repository, "--precision=0", "--fail-under=50")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Changed since main: 2 receivers and send sites, 1 ran (50%).")
    assert done.stderr == "Required diff signal coverage of 50% reached. Total coverage: 50%\n"
    repository.pytester.makepyprojecttoml("[tool.signaltrace]\nprecision = 3\n")
    assert "1 ran (50.000%)" in _diff(repository).stdout
    assert "1 ran (50.0%)" in _diff(repository, "--precision=1").stdout  # the command line wins


def test_a_bad_precision_in_pyproject_is_one_line_naming_the_key(
    repository: DjangoProject,
) -> None:
    repository.pytester.makepyprojecttoml("[tool.signaltrace]\nprecision = 11\n")
    done = _diff(repository)
    assert done.returncode == 2
    pyproject = repository.pytester.path / "pyproject.toml"
    assert done.stderr == (
        f"signaltrace: error: precision in [tool.signaltrace] of {pyproject}: 11 is not "
        "between 0 and 10\n"
    )


# -- The pytest run's twin: --signal-diff-compare-branch, --signal-diff-fail-under ---------------

DIFF_FAILED = "FAIL Required diff signal coverage of 100% not reached. Total coverage: 50.00%"


def _fail_lines(result: pytest.RunResult) -> list[str]:
    return [line for line in result.stdout.lines if "FAIL" in line]


def test_the_diff_gate_fails_a_run_whose_every_test_passed(feature_branch: DjangoProject) -> None:
    result = feature_branch.run(
        "--signal-diff-compare-branch=main", "--signal-diff-fail-under=100"
    )
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*- signal receiver coverage -*",
            "TOTAL *",
            "*- diff signal coverage -*",
            "Changed since main: 2 receivers and send sites, 1 ran (50.00%).",
            "Never ran:",
            "  receiver  shop/receivers.py:16  shop.receivers.new_and_never_run  "
            "(shop.signals.order_refunded)",
            DIFF_FAILED,
        ]
    )
    assert _fail_lines(result) == [DIFF_FAILED]


def test_the_diff_gate_passes_a_run_that_reaches_it(feature_branch: DjangoProject) -> None:
    result = feature_branch.run("--signal-diff-compare-branch=main", "--signal-diff-fail-under=0")
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        ["Required diff signal coverage of 0% reached. Total coverage: 50.00%"]
    )
    assert _fail_lines(result) == []


def test_the_diff_gate_is_judged_once_by_the_xdist_controller(
    feature_branch: DjangoProject,
) -> None:
    result = feature_branch.run(
        "-n", "2", "--signal-diff-compare-branch=main", "--signal-diff-fail-under=100"
    )
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert _fail_lines(result) == [DIFF_FAILED]
    assert result.stdout.str().count("Changed since main:") == 1


def test_a_compare_branch_alone_traces_and_reports_the_diff_without_judging_it(
    feature_branch: DjangoProject,
) -> None:
    result = feature_branch.run("--signal-diff-compare-branch=main")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "*- signal receiver coverage -*",
            "*- diff signal coverage -*",
            "Changed since main: 2 receivers and send sites, 1 ran (50.00%).",
        ]
    )
    result.stdout.no_fnmatch_line("*Required diff signal coverage*")


def test_the_diff_percentages_and_gate_follow_the_precision(feature_branch: DjangoProject) -> None:
    feature_branch.pytester.makepyprojecttoml("[tool.signaltrace]\nprecision = 0\n")
    result = feature_branch.run("--signal-diff-compare-branch=main", "--signal-diff-fail-under=51")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "Changed since main: 2 receivers and send sites, 1 ran (50%).",
            "FAIL Required diff signal coverage of 51% not reached. Total coverage: 50%",
        ]
    )


@pytest.mark.parametrize(
    ("configuration", "where"),
    [
        (
            "ini",
            "signaltrace_diff_compare_branch = main\nsignaltrace_diff_fail_under = 100\n",
        ),
        (
            "pyproject",
            '[tool.signaltrace]\ndiff_compare_branch = "main"\ndiff_fail_under = 100\n',
        ),
    ],
    ids=["pytest.ini", "pyproject.toml"],
)
def test_the_diff_gate_can_be_configured(
    feature_branch: DjangoProject, configuration: str, where: str
) -> None:
    if configuration == "ini":
        feature_branch.ini(where)
    else:
        feature_branch.pytester.makepyprojecttoml(where)
    result = feature_branch.run()
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert _fail_lines(result) == [DIFF_FAILED]


def test_a_fail_under_alone_compares_with_origin_main(feature_branch: DjangoProject) -> None:
    result = feature_branch.run("--signal-diff-fail-under=100")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert _fail_lines(result) == [
        "FAIL Required diff signal coverage of 100% could not be checked: unknown compare "
        "branch 'origin/main': no such branch or commit"
    ]
    git(feature_branch, "update-ref", "refs/remotes/origin/main", "main")
    result = feature_branch.run("--signal-diff-fail-under=100")
    assert _fail_lines(result) == [DIFF_FAILED]
    result.stdout.fnmatch_lines(["Changed since origin/main: 2 receivers and send sites, *"])


def _not_a_repository(project: DjangoProject, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the project's folder no git repository (nor inside one)."""
    (project.pytester.path / ".git").rename(project.pytester.path / "not-git")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(project.pytester.path.parent))


def _without_git(project: DjangoProject, monkeypatch: pytest.MonkeyPatch) -> None:
    """Leave git off the PATH (the inner pytest is started by its absolute path)."""
    empty = project.pytester.path.parent / "no-git-here"
    empty.mkdir(exist_ok=True)
    monkeypatch.setenv("PATH", str(empty))


@pytest.mark.parametrize(
    ("break_it", "args", "reason"),
    [
        (
            _not_a_repository,
            ("--signal-diff-compare-branch=main",),
            "git rev-parse: not a git repository (or any of the parent directories): .git",
        ),
        (
            None,
            ("--signal-diff-compare-branch=no-such-branch",),
            "unknown compare branch 'no-such-branch': no such branch or commit",
        ),
        (
            _without_git,
            ("--signal-diff-compare-branch=main",),
            "cannot run git: No such file or directory",
        ),
    ],
    ids=["not a repository", "unknown branch", "git not installed"],
)
def test_a_diff_that_cannot_be_computed_fails_the_gate_in_one_line_and_is_a_note_without_it(
    feature_branch: DjangoProject,
    monkeypatch: pytest.MonkeyPatch,
    break_it: Callable[[DjangoProject, pytest.MonkeyPatch], None] | None,
    args: tuple[str, ...],
    reason: str,
) -> None:
    if break_it is not None:
        break_it(feature_branch, monkeypatch)
    gated = feature_branch.run(*args, "--signal-diff-fail-under=100")
    gated.assert_outcomes(passed=1)
    assert gated.ret == pytest.ExitCode.TESTS_FAILED
    assert _fail_lines(gated) == [
        f"FAIL Required diff signal coverage of 100% could not be checked: {reason}"
    ]
    assert "Traceback" not in gated.stdout.str() + gated.stderr.str()
    ungated = feature_branch.run(*args)
    ungated.assert_outcomes(passed=1)
    assert ungated.ret == pytest.ExitCode.OK
    assert _fail_lines(ungated) == []
    ungated.stdout.fnmatch_lines([f"pytest-signaltrace: no diff signal coverage: {reason}"])


def test_a_report_that_cannot_be_built_fails_the_diff_gate(feature_branch: DjangoProject) -> None:
    feature_branch.write(conftest=BREAK_THE_MERGE)
    result = feature_branch.run(
        "--signal-diff-compare-branch=main", "--signal-diff-fail-under=0"
    )
    result.assert_outcomes(passed=1, warnings=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert _fail_lines(result) == [
        "FAIL Required diff signal coverage of 0% could not be checked: internal error in "
        "building the signal report (RuntimeError('simulated fault in the merge'))"
    ]


@pytest.mark.parametrize(
    ("args", "pyproject", "error"),
    [
        (
            ("--signal-diff-fail-under=1O0",),
            "",
            "ERROR: --signal-diff-fail-under: '1O0' is not a number (a percent from 0 to 100)",
        ),
        (
            ("--signal-diff-compare-branch=--output=x",),
            "",
            "ERROR: --signal-diff-compare-branch: '--output=x' is not a branch name "
            "(it starts with -)",
        ),
        (
            (),
            "[tool.signaltrace]\ndiff_fail_under = 120\n",
            "ERROR: diff_fail_under in [[]tool.signaltrace] of */pyproject.toml: 120 is not "
            "between 0 and 100",
        ),
        (
            (),
            "[tool.signaltrace]\ndiff_compare_branch = 1\n",
            "ERROR: */pyproject.toml: [[]tool.signaltrace] diff_compare_branch = 1 is not a "
            "string (a branch name)",
        ),
    ],
    ids=["option", "branch option", "pyproject fail-under", "pyproject branch"],
)
def test_a_bad_diff_setting_is_a_usage_error_naming_it(
    feature_branch: DjangoProject, args: tuple[str, ...], pyproject: str, error: str
) -> None:
    if pyproject:
        feature_branch.pytester.makepyprojecttoml(pyproject)
    result = feature_branch.run(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([error])
    assert "Traceback" not in result.stderr.str()


def test_a_bad_diff_setting_in_the_ini_file_names_the_key_and_the_file(
    feature_branch: DjangoProject,
) -> None:
    feature_branch.ini("signaltrace_diff_fail_under = 80%\n")
    result = feature_branch.run()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: signaltrace_diff_fail_under in */pytest.ini: '80%' is not a number; write 80, "
         "without %"]
    )
