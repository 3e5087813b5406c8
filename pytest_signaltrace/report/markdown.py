"""The merged report as Markdown: a summary and one table per signal, sized for a PR comment.

Used by ``--signal-report=markdown[:FILE]`` and ``markdown-append`` (for
``$GITHUB_STEP_SUMMARY``), and by ``signaltrace report --format markdown``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence, Set

from pytest_signaltrace.model import ReceiverRow, ReceiverStatus, Report, SignalRow
from pytest_signaltrace.report.cascade_text import markdown_cascade_sections
from pytest_signaltrace.report.options import ReportOptions, shown_percent, signal_rows
from pytest_signaltrace.report.text import code_span
from pytest_signaltrace.report.words import (
    EVIDENCE_HINTS,
    count_status,
    raised_rows,
    raised_text,
    signal_word,
    sites_text,
)

_STATUS_ICONS = {
    ReceiverStatus.EXERCISED: "✅ exercised",
    ReceiverStatus.UNEXERCISED: "⚠️ unexercised",
    ReceiverStatus.DEAD: "💀 dead",
    ReceiverStatus.POSSIBLY_DEAD: "❓ possibly dead",
}


#: Characters that could start inline Markdown in plain text.
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]<>&~#])")

_IMPORTANCE = {ReceiverStatus.DEAD: 0, ReceiverStatus.POSSIBLY_DEAD: 1}

#: GitHub's limit on a comment's length (characters); a step summary takes more, but a report
#: that fits a comment reads well in both.
GITHUB_COMMENT_LIMIT = 65_536
_CUT_NOTE = (
    "> **Note:** {left_out} left out to fit GitHub's {limit:,}-character limit; "
    "the whole report: `--signal-report=html` or `json`."
)


def render_markdown(
    report: Report,
    *,
    title: str = "Signal receiver coverage",
    limit: int = GITHUB_COMMENT_LIMIT,
    options: ReportOptions | None = None,
) -> str:
    """The report as GitHub-flavoured Markdown, ending with one newline, at most ``limit``
    characters long: problems first, then the overview, then the tables per signal; whatever
    does not fit is left out, and a note says what. ``options``: the decimal places, and the
    order and skipping of the signals in the overview (as in the terminal table)."""
    options = options or ReportOptions()
    head = [f"## {title}", "", _headline(report, options.precision), ""]
    if report.missing_workers:
        head += [
            f"> **Warning:** no data from xdist worker(s) {', '.join(report.missing_workers)}; "
            "their tests are missing from this report.",
            "",
        ]
    if report.files_skipped:
        count = len(report.files_skipped)
        files = "1 file" if count == 1 else f"{count} files"
        head += [
            f"> **Warning:** the scan skipped {files} (listed below): "
            "their signals and receivers are missing from this report.",
            "",
        ]
    never_ran = [
        r for r in report.receivers if not r.calls and not r.test_only and not r.excluded
    ]
    never_ran.sort(key=lambda r: (_IMPORTANCE.get(r.status, 2), r.path, r.line, r.handler))
    sections: list[tuple[str, list[str], list[str]]] = []
    if report.files_skipped:
        table = _table(
            ["File", "Reason"],
            ([_code(f.path), _plain(f.reason)] for f in report.files_skipped),
        )
        title_line = f"### Files the scan skipped ({len(report.files_skipped)})"
        sections.append(("skipped files", [title_line, "", *table[:2]], table[2:]))
    raised = raised_rows(report)
    if raised:
        table = _raised_table(raised)
        title_line = f"### Receivers that raised under a robust send ({len(raised)})"
        note = "The sends caught these and the tests went on (`--signal-strict` fails them)."
        header = [title_line, "", note, "", *table[:2]]
        sections.append(("receivers that raised", header, table[2:]))
    if never_ran:
        title_line = f"### Receivers that never ran ({len(never_ran)})"
        table = _never_ran_table(never_ran)
        sections.append(("receivers that never ran", [title_line, "", *table[:2]], table[2:]))
    named = _named_by_trace(report)
    if named:
        sections.append(("send sites named by the trace", named[:4], named[4:]))
    sections += markdown_cascade_sections(report, _table, _code)
    overview, skipped = _overview(report.signals, report.receivers, options)
    sections.append(("signals", ["### Signals", "", *overview[:2]], overview[2:]))
    budget = _Budget(limit - len(_CUT_NOTE) - 400)  # room for the note and what it names
    lines = budget.take(head)
    for what, header, rows in sections:
        lines += budget.table(what, header, rows)
        lines += budget.take([""])
    if skipped:  # coverage's words, as the terminal report says it
        plural = "" if len(skipped) == 1 else "s"
        note = f"{len(skipped)} signal{plural} skipped due to complete coverage."
        lines += budget.take([note, ""])
    lines += budget.take([_legend(), ""])
    details = _per_signal(report, skipped)
    opening, closing = ["<details><summary>Receivers per signal</summary>", ""], ["</details>", ""]
    kept: list[str] = []
    count = 0
    if details and budget.fits([*opening, *closing]):
        budget.take([*opening, *closing])
        for block in details:
            if not budget.fits(block):
                break
            kept += budget.take(block)
            count += 1
    if count:
        lines += [*opening, *kept, *closing]
    if count < len(details):
        budget.left_out.append(f"{len(details) - count} of {len(details)} tables per signal")
    if budget.left_out:
        lines += [_CUT_NOTE.format(left_out=" and ".join(budget.left_out), limit=limit), ""]
    return "\n".join(lines)


class _Budget:
    """Lines taken while they fit in a number of characters (each line costs its newline)."""

    def __init__(self, chars: int) -> None:
        self.chars = chars
        self.left_out: list[str] = []

    def fits(self, lines: Sequence[str]) -> bool:
        """Whether ``lines`` fit in what is left, without taking them."""
        return sum(len(line) + 1 for line in lines) <= self.chars

    def take(self, lines: list[str]) -> list[str]:
        """``lines``, all of them (the caller has made sure they matter more than the rest)."""
        self.chars -= sum(len(line) + 1 for line in lines)
        return lines

    def table(self, what: str, header: list[str], rows: list[str]) -> list[str]:
        """The header and as many rows as fit; notes the rows left out."""
        if not self.fits(header):
            self.left_out.append(f"the table of {what}")
            return []
        taken = self.take(header)
        for index, row in enumerate(rows):
            if not self.fits([row]):
                self.left_out.append(f"{len(rows) - index} of {len(rows)} {what}")
                break
            taken += self.take([row])
        return taken


def _per_signal(report: Report, skipped: Set[str] = frozenset()) -> list[list[str]]:
    """One block per signal but those in ``skipped``: its heading and the table of its
    receivers."""
    by_signal: dict[str, list[ReceiverRow]] = defaultdict(list)
    for row in report.receivers:
        if row.signal not in skipped:
            by_signal[row.signal or "(unresolved signal)"].append(row)
    signals = {s.signal: s for s in report.signals}
    blocks = []
    for signal in sorted(by_signal):
        info = signals.get(signal)
        heading = f"#### {_code(signal)}"
        if info is not None:
            status = signal_word(info.status.value)
            heading += f" — {status} ({info.evidence}), sent {_times(info.sends)}"
        table = _table(
            ["Status", "Evidence", "Receiver", "Location", "Calls", "Tests"],
            (
                [
                    _status(r) + _marks(r),
                    r.evidence,
                    _code(r.handler),
                    _location(r),
                    str(r.calls),
                    str(len(r.tests)),
                ]
                for r in by_signal[signal]
            ),
        )
        blocks.append([heading, "", *table, ""])
    return blocks


def _headline(report: Report, precision: int) -> str:
    receivers, senders = report.receiver_totals, report.sender_totals
    possibly_dead = count_status(report, ReceiverStatus.POSSIBLY_DEAD)
    return (
        f"**{shown_percent(receivers, precision)}%** of receivers ran "
        f"({receivers.exercised} of {receivers.total})"
        f" · send sites {shown_percent(senders, precision)}% "
        f"({senders.exercised} of {senders.total})"
        f" · {count_status(report, ReceiverStatus.DEAD)} dead"
        + (f" · {possibly_dead} possibly dead" if possibly_dead else "")
    )


def _legend() -> str:
    return "Evidence: " + "; ".join(f"*{k}*: {v}" for k, v in EVIDENCE_HINTS.items()) + "."


def _never_ran_table(rows: Sequence[ReceiverRow]) -> list[str]:
    header = ["Status", "Evidence", "Receiver", "Signal", "Location"]
    possible = any(r.possible_senders for r in rows)
    if possible:
        header.append("Might be sent by")
    return _table(
        header,
        (
            [_status(r), r.evidence, _code(r.handler), _code(r.signal or "?"), _location(r)]
            + ([_code(sites_text(r.possible_senders)) if r.possible_senders else ""] * possible)
            for r in rows
        ),
    )


def _raised_table(rows: Sequence[ReceiverRow]) -> list[str]:
    return _table(
        ["Receiver", "Signal", "Location", "Raised", "Tests"],
        (
            [
                _code(r.handler) + _marks(r),
                _code(r.signal or "?"),
                _location(r),
                _code(raised_text(r.raised)),
                str(len({t for raised in r.raised for t in raised.tests})),
            ]
            for r in rows
        ),
    )


def _named_by_trace(report: Report) -> list[str]:
    """Send sites whose signal only the trace could name."""
    named = [s for s in report.senders if s.declared and s.signal and s.evidence == "runtime"]
    if not named:
        return []
    title = f"### Send sites the scan could not resolve, named by the trace ({len(named)})"
    return [title, "", *_table(
        ["Location", "Call", "Signal", "Calls"],
        (
            [
                _code(f"{s.path}:{s.line}"),
                _code(f"{s.expression}.{s.method}" if s.expression else s.method),
                _code(s.signal or "?"),
                str(s.calls),
            ]
            for s in named
        ),
        align=["", "", "", "r"],
    )]


def _overview(
    signals: Sequence[SignalRow], receivers: Sequence[ReceiverRow], options: ReportOptions
) -> tuple[list[str], set[str]]:
    """The table of signals, and the signals ``skip_covered`` left out of it."""
    counted: dict[str, list[ReceiverRow]] = {s.signal: [] for s in signals}
    for row in receivers:
        if row.signal in counted and not row.test_only and not row.excluded:
            counted[row.signal].append(row)
    by_id = {s.signal: s for s in signals}
    shown, _count = signal_rows(counted, by_id, options)
    table = _table(
        ["Signal", "Status", "Evidence", "Receivers", "Ran", "Sends"],
        (
            [
                _code(s.signal),
                signal_word(s.status.value),
                s.evidence,
                str(len(counted[s.signal])),
                str(sum(1 for r in counted[s.signal] if r.calls)),
                str(s.sends),
            ]
            for s in (by_id[name] for name in shown)
        ),
        align=["", "", "", "r", "r", "r"],
    )
    return table, set(counted) - set(shown)


def _table(
    header: list[str], rows: Iterable[list[str]], align: list[str] | None = None
) -> list[str]:
    rules = ["---:" if a == "r" else "---" for a in (align or [""] * len(header))]
    lines = [_row(header), _row(rules)]
    lines += [_row(row) for row in rows]
    return lines


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |"


def _code(text: str) -> str:
    return code_span(text)


def _plain(text: str) -> str:
    """Plain text with the characters that could start inline Markdown escaped."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text)


def _status(row: ReceiverRow) -> str:
    return _STATUS_ICONS[row.status]


def _marks(row: ReceiverRow) -> str:
    return (" (test)" if row.test_only else "") + (" (excluded)" if row.excluded else "")


def _location(row: ReceiverRow) -> str:
    return _code(f"{row.path}:{row.line}") + ("" if row.declared else " (run time)")


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"
