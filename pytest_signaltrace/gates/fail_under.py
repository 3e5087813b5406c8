"""The coverage gate: fail the run when too few receivers ran (like ``--cov-fail-under``).

It fails closed: a gate that cannot measure fails, with one line saying why. No receivers at
all (a ``--signal-source`` that points at the wrong folder) is not "100% reached" but
``FAIL ... could not be checked: no receivers found under PATH``; a report that could not be
computed or written fails the same way (as pytest-cov's total is 0 when its report fails), and
so does a source file the scan skipped (too large, too deeply nested, unparsable) that the
``exclude`` globs do not leave out: its receivers would be missing from the count.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence

from pytest_signaltrace.model import SkippedFile, Totals
from pytest_signaltrace.record import Record
from pytest_signaltrace.report.options import DEFAULT_PRECISION, below, shown_percent


class GateResult(Record):
    """The verdict of the gate and the line that explains it."""

    passed: bool
    message: str


def check_fail_under(
    totals: Totals,
    fail_under: float,
    subject: str = "signal receiver coverage",
    *,
    sources: Sequence[str] | None = None,
    precision: int = DEFAULT_PRECISION,
) -> GateResult:
    """Compare coverage (of receivers, by default) with the required minimum (percent, 0-100).

    The comparison uses the figure shown, with ``precision`` decimals (coverage's
    ``precision``), so the message never contradicts itself ("70.00% is below 70%"), and 100
    means every receiver: 99.999% shows as 99.99% and fails it. Given ``sources`` (the scanned
    folders, as the user wrote them), no receiver at all fails the gate and names them;
    without, nothing to count passes (a diff that touches no receiver, as diff-cover has it).
    """
    required = _format_required(fail_under)
    if totals.total == 0 and sources is not None:
        where = f" under {', '.join(sources)}" if sources else ""
        return not_checked(fail_under, f"no receivers found{where}")
    shown = shown_percent(totals, precision)
    if below(totals, fail_under, precision):
        return GateResult(
            False, f"FAIL Required {subject} of {required}% not reached. Total coverage: {shown}%"
        )
    return GateResult(True, f"Required {subject} of {required}% reached. Total coverage: {shown}%")


def not_checked(
    fail_under: float, reason: str, subject: str = "signal receiver coverage"
) -> GateResult:
    """The failed verdict of a gate that could not measure, and why."""
    return GateResult(
        False,
        f"FAIL Required {subject} of {_format_required(fail_under)}% could not "
        f"be checked: {reason}",
    )


#: How many skipped files the gate's line names (the reports list them all).
_SKIPPED_NAMED = 3


def skipped_files_reason(files: Sequence[SkippedFile], exclude: Sequence[str]) -> str | None:
    """Why a gate cannot measure when the scan skipped source files (paths relative to the
    rootdir) that no ``exclude`` glob matches: their receivers are not counted. ``None`` when
    there are none. One line naming the files, their reasons and how to leave them out."""
    counted = [f for f in files if not any(fnmatch.fnmatchcase(f.path, p) for p in exclude)]
    if not counted:
        return None
    named = "; ".join(f"{f.path} ({f.reason})" for f in counted[:_SKIPPED_NAMED])
    if len(counted) > _SKIPPED_NAMED:
        named += f"; and {len(counted) - _SKIPPED_NAMED} more"
    if len(counted) == 1:
        return (
            f"the scan skipped {named}, so its receivers are not counted; to leave it out, "
            f'add "{counted[0].path}" to exclude ([tool.signaltrace]) or signaltrace_exclude'
        )
    return (
        f"the scan skipped {len(counted)} files: {named}, so their receivers are not counted; "
        "to leave them out, add their paths to exclude ([tool.signaltrace]) or "
        "signaltrace_exclude"
    )


def _format_required(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.2f}".rstrip("0")
