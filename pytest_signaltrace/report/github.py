"""GitHub Actions annotations (``--signal-report=github``): receivers that raised under a robust
send, dead, possibly dead and unexercised receivers appear inline in a pull request's diff.

Format: https://docs.github.com/actions/reference/workflow-commands-for-github-actions

GitHub shows only about ten annotations of a kind per step, so at most :data:`MAX_ANNOTATIONS`
are written, the most important first (raised, dead, possibly dead, never ran; by location),
and one ``::notice`` line says how many more there are and where to see them all.
"""

from __future__ import annotations

from pytest_signaltrace.model import ReceiverRow, ReceiverStatus, Report
from pytest_signaltrace.report.words import raised_rows, raised_text, sites_text

#: How many ``::warning`` lines at most (GitHub displays about ten per step).
MAX_ANNOTATIONS = 10

_IMPORTANCE = {ReceiverStatus.DEAD: 0, ReceiverStatus.POSSIBLY_DEAD: 1}


def render_github_annotations(report: Report, limit: int = MAX_ANNOTATIONS) -> str:
    """A ``::warning`` line per receiver that raised under a robust send, then per receiver that
    never ran (non-test, non-excluded): the ``limit`` most important ones, then a ``::notice``
    line for the rest."""
    raised = raised_rows(report)
    rows = [r for r in report.receivers if not (r.calls or r.test_only or r.excluded)]
    rows.sort(key=lambda r: (_IMPORTANCE.get(r.status, 2), r.path, r.line, r.handler))
    lines = [_raised_annotation(row) for row in raised[:limit]]
    lines += [_annotation(row) for row in rows[: max(0, limit - len(raised))]]
    raised_left_out = raised[limit:]
    left_out = rows[max(0, limit - len(raised)) :]
    if raised_left_out or left_out:
        dead = sum(1 for r in left_out if r.status is ReceiverStatus.DEAD)
        detail = f" ({dead} of them dead)" if dead else ""
        parts = [f"{_receivers(len(raised_left_out))} raised"] if raised_left_out else []
        if left_out:
            parts.append(f"{_receivers(len(left_out))} never ran{detail}")
        lines.append(
            f"::notice title=Signal receivers::{' and '.join(parts)}; "
            "the signal report (--signal-report=term-missing, markdown or html) lists them all."
        )
    return "".join(f"{line}\n" for line in lines)


def _receivers(count: int) -> str:
    return f"{count} more receiver{'' if count == 1 else 's'}"


def _raised_annotation(row: ReceiverRow) -> str:
    signal = row.signal or "an unresolved signal"
    message = (
        f"{row.handler} ({signal}) {raised_text(row.raised)} under a robust send, which caught "
        "the exception: the tests went on (--signal-strict fails them)."
    )
    return _warning(row, "Signal receiver raised", message)


def _annotation(row: ReceiverRow) -> str:
    signal = row.signal or "an unresolved signal"
    if row.status is ReceiverStatus.DEAD:
        title = "Dead signal receiver"
        message = f"{row.handler} can never run: nothing sends {signal}."
    elif row.status is ReceiverStatus.POSSIBLY_DEAD:
        title = "Possibly dead signal receiver"
        message = (
            f"{row.handler} did not run, and no send site the scan could resolve sends "
            f"{signal}; only these unresolved ones might: {sites_text(row.possible_senders)}."
        )
    else:
        title = "Signal receiver never ran"
        message = f"{row.handler} ({signal}) did not run during the tests."
    return _warning(row, title, message)


def _warning(row: ReceiverRow, title: str, message: str) -> str:
    properties = f"file={_property(row.path)},line={row.line},title={_property(title)}"
    return f"::warning {properties}::{_data(message)}"


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
