"""``signaltrace diff`` on a real git repository holding a real Django project's traced run."""

from __future__ import annotations

import subprocess
import sys

import pytest
from e2e_project import DjangoProject

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


def _git(project: DjangoProject, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=project.pytester.path,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repository(django_project: DjangoProject) -> DjangoProject:
    django_project.write(**{"shop/receivers": OLD_RECEIVERS, "test_shop": TESTS})
    _git(django_project, "init", "-q", "-b", "main")
    _git(django_project, "add", "-A")
    _git(django_project, "commit", "-q", "-m", "base")
    _git(django_project, "checkout", "-q", "-b", "feature")
    django_project.write(**{"shop/receivers": NEW_RECEIVERS})
    _git(django_project, "commit", "-q", "-am", "two receivers")
    django_project.run("--signal-report").assert_outcomes(passed=1)
    return django_project


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
    _git(repository, "checkout", "-q", "main")
    _git(repository, "branch", "-q", "-D", "feature")
    repository.write(**{"shop/receivers": NEW_RECEIVERS})  # not committed
    assert "2 receivers and send sites" in _diff(repository).stdout


def test_an_unknown_branch_is_one_line_and_status_2(repository: DjangoProject) -> None:
    done = _diff(repository, "--compare-branch=no-such-branch")
    assert done.returncode == 2
    assert done.stderr.startswith("signaltrace: error: git diff")
    assert len(done.stderr.splitlines()) == 1
