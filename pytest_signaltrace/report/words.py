"""The words (and counts) every report uses for statuses and evidence: all formats say the same."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: the signaltrace command imports this before any report
    from collections.abc import Sequence

    from pytest_signaltrace.model import RaisedRow, ReceiverRow, ReceiverStatus, Report, SiteRef

#: Signal statuses, as read.
SIGNAL_WORDS = {
    "ok": "ok",
    "test_receivers_only": "receivers only in tests",
    "never_sent": "never sent",
    "no_receivers": "no receivers",
    "unused": "unused",
    "possibly_never_sent": "possibly never sent",
    "possibly_unused": "possibly unused",
}
#: Receiver statuses, as read.
RECEIVER_WORDS = {
    "exercised": "exercised",
    "unexercised": "unexercised",
    "dead": "dead",
    "possibly_dead": "possibly dead",
}
#: Signal statuses that mean nothing (certain) sends the signal.
QUIET_SIGNALS = ("never_sent", "unused", "possibly_never_sent", "possibly_unused")
#: The short marks of the terminal report.
EVIDENCE_MARKS = {"static": "S", "runtime": "R", "static+runtime": "S+R"}
EVIDENCE_LEGEND = "S = the static scan, R = the runtime trace, S+R = both"
#: The same in full words (Markdown, HTML).
EVIDENCE_HINTS = {
    "static": "the static scan of the source",
    "runtime": "the runtime trace of the tests",
    "static+runtime": "both the scan and the trace",
}
#: How many unresolved send sites a line names before "and N more".
SITES_SHOWN = 3


def counted(number: int, noun: str) -> str:
    """``1 finding``, ``3 findings``: a count with its noun, plural when it is not one."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def signal_word(status: str) -> str:
    """A signal status as read (``possibly never sent``)."""
    return SIGNAL_WORDS.get(status, status.replace("_", " "))


def receiver_word(status: str) -> str:
    """A receiver status as read (``possibly dead``)."""
    return RECEIVER_WORDS.get(status, status.replace("_", " "))


def site_text(site: SiteRef) -> str:
    """``shop/views.py:14 self.add_signal.send``: where a send site is and what it calls; a
    skipped file that may send (line 0) is ``shop/big.py (skipped)``."""
    if site.line == 0:
        return f"{site.path} (skipped)"
    call = f"{site.expression}.{site.method}" if site.expression else site.method
    return f"{site.path}:{site.line} {call}"


def sites_text(sites: Sequence[SiteRef], limit: int = SITES_SHOWN) -> str:
    """Up to ``limit`` sites, comma-separated, then ``and N more``."""
    shown = [site_text(s) for s in sites[:limit]]
    if len(sites) > limit:
        shown.append(f"and {len(sites) - limit} more")
    return ", ".join(shown)


def count_status(report: Report, status: ReceiverStatus) -> int:
    """Receivers with ``status`` among the counted ones: not test-only, not excluded."""
    return sum(
        1 for r in report.receivers if r.status is status and not r.test_only and not r.excluded
    )


#: The title of the receivers that raised under a robust send, in every format.
RAISED_TITLE = "Receivers that raised under a robust send (the send caught the exception)"


def raised_text(raised: Sequence[RaisedRow]) -> str:
    """``raised 3x: KeyError('sku')``; with several exception types, the most frequent (as
    ``raised`` is sorted) and the rest counted: ``raised 5x: KeyError('sku') (3x) and 1 other
    type (2x)``. Empty when nothing raised."""
    if not raised:
        return ""
    total = sum(r.count for r in raised)
    text = f"raised {total}x: {raised[0].message}"
    rest = raised[1:]
    if rest:
        types = "type" if len(rest) == 1 else "types"
        text += (
            f" ({raised[0].count}x) and {len(rest)} other {types} ({sum(r.count for r in rest)}x)"
        )
    return text


def raised_rows(report: Report) -> list[ReceiverRow]:
    """The receivers that raised under a robust send (test-only and excluded ones too: the
    exception matters whatever the numbers count), the most raises first, then by location."""
    rows = [r for r in report.receivers if r.raised]
    return sorted(rows, key=lambda r: (-r.raised_count, r.path, r.line, r.handler))
