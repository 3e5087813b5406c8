"""GitHub Actions annotations (``--signal-report=github``): dead, possibly dead and unexercised
receivers appear inline in a pull request's diff.

Format: https://docs.github.com/actions/reference/workflow-commands-for-github-actions
"""

from __future__ import annotations

from pytest_signaltrace.model import ReceiverRow, ReceiverStatus, Report
from pytest_signaltrace.report.words import sites_text


def render_github_annotations(report: Report) -> str:
    """One ``::warning`` line per receiver that never ran (non-test, non-excluded)."""
    lines = []
    for row in report.receivers:
        if row.calls or row.test_only or row.excluded:
            continue
        lines.append(_annotation(row))
    return "".join(f"{line}\n" for line in lines)


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
    properties = f"file={_property(row.path)},line={row.line},title={_property(title)}"
    return f"::warning {properties}::{_data(message)}"


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
