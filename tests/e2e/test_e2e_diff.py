"""``signaltrace diff`` on a real git repository holding a real Django project's traced run."""

from __future__ import annotations

import subprocess
import sys

import pytest
from e2e_project import DjangoProject, git

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
    assert done.stderr == (
        "signaltrace: error: precision in [tool.signaltrace] of ./pyproject.toml: 11 is not "
        "between 0 and 10\n"
    )

