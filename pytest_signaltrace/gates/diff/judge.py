"""A report's diff coverage and the diff gate: what ``signaltrace diff`` and the pytest run's
``--signal-diff-compare-branch`` / ``--signal-diff-fail-under`` share."""

from __future__ import annotations

from pathlib import Path

from pytest_signaltrace.gates.diff.git import changed_lines, repository_prefix
from pytest_signaltrace.gates.diff.select import DiffResult, select_changed
from pytest_signaltrace.gates.fail_under import GateResult, check_fail_under, not_checked
from pytest_signaltrace.model import Report
from pytest_signaltrace.report.options import DEFAULT_PRECISION

#: What the diff gate's lines call what it measures (diff-cover's "diff coverage").
DIFF_SUBJECT = "diff signal coverage"


def diff_of(report: Report, root: Path, compare_branch: str) -> DiffResult:
    """The rows of ``report`` (paths relative to ``root``) that the changes since
    ``compare_branch`` touched; raises :class:`~.git.GitError` when git cannot tell."""
    changed = changed_lines(compare_branch, root)
    return select_changed(report, changed, repository_prefix(root), compare_branch)


def judge_diff(
    result: DiffResult, fail_under: float, precision: int = DEFAULT_PRECISION
) -> GateResult:
    """The diff gate: whether the share of changed receivers and send sites that ran reaches
    ``fail_under``, compared at ``precision`` decimals; a change that touched none passes."""
    return check_fail_under(result.totals, fail_under, DIFF_SUBJECT, precision=precision)


def diff_not_checked(fail_under: float, reason: str) -> GateResult:
    """The failed verdict of a diff gate that could not be computed, and why."""
    return not_checked(fail_under, reason, subject=DIFF_SUBJECT)
