"""The merged report as Markdown: a summary and one table per signal, sized for a PR comment.

Used by ``--signal-report=markdown[:FILE]`` and ``markdown-append`` (for
``$GITHUB_STEP_SUMMARY``), and by ``signaltrace report --format markdown``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from pytest_signaltrace.model import ReceiverRow, ReceiverStatus, Report, SignalRow
from pytest_signaltrace.report.text import code_span
from pytest_signaltrace.report.words import EVIDENCE_HINTS, count_status, signal_word, sites_text

_STATUS_ICONS = {
    ReceiverStatus.EXERCISED: "✅ exercised",
    ReceiverStatus.UNEXERCISED: "⚠️ unexercised",
    ReceiverStatus.DEAD: "💀 dead",
    ReceiverStatus.POSSIBLY_DEAD: "❓ possibly dead",
}


def render_markdown(report: Report, *, title: str = "Signal receiver coverage") -> str:
    """The report as GitHub-flavoured Markdown, ending with one newline."""
    lines = [f"## {title}", "", _headline(report), ""]
    if report.missing_workers:
        lines += [
            f"> **Warning:** no data from xdist worker(s) {', '.join(report.missing_workers)}; "
            "their tests are missing from this report.",
            "",
        ]
    lines += _overview(report.signals, report.receivers)
    lines += ["", _legend()]
    never_ran = [
        r for r in report.receivers if not r.calls and not r.test_only and not r.excluded
    ]
    if never_ran:
        lines += ["", f"### Receivers that never ran ({len(never_ran)})", ""]
        lines += _never_ran_table(never_ran)
    lines += _named_by_trace(report)
    by_signal: dict[str, list[ReceiverRow]] = defaultdict(list)
    for row in report.receivers:
        by_signal[row.signal or "(unresolved signal)"].append(row)
    lines += ["", "<details><summary>Receivers per signal</summary>", ""]
    signals = {s.signal: s for s in report.signals}
    for signal in sorted(by_signal):
        info = signals.get(signal)
        heading = f"#### {_code(signal)}"
        if info is not None:
            status = signal_word(info.status.value)
            heading += f" — {status} ({info.evidence}), sent {_times(info.sends)}"
        lines += [heading, ""]
        lines += _table(
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
        lines.append("")
    lines += ["</details>", ""]
    return "\n".join(lines)


def _headline(report: Report) -> str:
    receivers, senders = report.receiver_totals, report.sender_totals
    possibly_dead = count_status(report, ReceiverStatus.POSSIBLY_DEAD)
    return (
        f"**{receivers.percent:.2f}%** of receivers ran "
        f"({receivers.exercised} of {receivers.total})"
        f" · send sites {senders.percent:.2f}% ({senders.exercised} of {senders.total})"
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


def _named_by_trace(report: Report) -> list[str]:
    """Send sites whose signal only the trace could name."""
    named = [s for s in report.senders if s.declared and s.signal and s.evidence == "runtime"]
    if not named:
        return []
    title = f"### Send sites the scan could not resolve, named by the trace ({len(named)})"
    return ["", title, "", *_table(
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


def _overview(signals: Sequence[SignalRow], receivers: Sequence[ReceiverRow]) -> list[str]:
    counted: dict[str, list[ReceiverRow]] = defaultdict(list)
    for row in receivers:
        if row.signal and not row.test_only and not row.excluded:
            counted[row.signal].append(row)
    return _table(
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
            for s in signals
        ),
        align=["", "", "", "r", "r", "r"],
    )


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


def _status(row: ReceiverRow) -> str:
    return _STATUS_ICONS[row.status]


def _marks(row: ReceiverRow) -> str:
    return (" (test)" if row.test_only else "") + (" (excluded)" if row.excluded else "")


def _location(row: ReceiverRow) -> str:
    return _code(f"{row.path}:{row.line}") + ("" if row.declared else " (run time)")


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"
