"""The merged report as Markdown: a summary and one table per signal, sized for a PR comment.

Used by ``--signal-report=markdown[:FILE]`` and ``markdown-append`` (for
``$GITHUB_STEP_SUMMARY``), and by ``signaltrace report --format markdown``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from pytest_signaltrace.model import ReceiverRow, ReceiverStatus, Report, SignalRow
from pytest_signaltrace.report.text import code_span

_STATUS_ICONS = {
    ReceiverStatus.EXERCISED: "✅ exercised",
    ReceiverStatus.UNEXERCISED: "⚠️ unexercised",
    ReceiverStatus.DEAD: "💀 dead",
}
_SIGNAL_WORDS = {
    "ok": "ok",
    "never_sent": "never sent",
    "no_receivers": "no receivers",
    "unused": "unused",
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
    never_ran = [
        r for r in report.receivers if not r.calls and not r.test_only and not r.excluded
    ]
    if never_ran:
        lines += ["", f"### Receivers that never ran ({len(never_ran)})", ""]
        lines += _table(
            ["Status", "Receiver", "Signal", "Location"],
            (
                [_status(r), _code(r.handler), _code(r.signal or "?"), _location(r)]
                for r in never_ran
            ),
        )
    by_signal: dict[str, list[ReceiverRow]] = defaultdict(list)
    for row in report.receivers:
        by_signal[row.signal or "(unresolved signal)"].append(row)
    lines += ["", "<details><summary>Receivers per signal</summary>", ""]
    signals = {s.signal: s for s in report.signals}
    for signal in sorted(by_signal):
        info = signals.get(signal)
        heading = f"#### {_code(signal)}"
        if info is not None:
            status = _SIGNAL_WORDS.get(info.status.value, info.status.value)
            heading += f" — {status}, sent {_times(info.sends)}"
        lines += [heading, ""]
        lines += _table(
            ["Status", "Receiver", "Location", "Calls", "Tests"],
            (
                [
                    _status(r) + _marks(r),
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
    dead = sum(1 for r in report.receivers if r.status is ReceiverStatus.DEAD and not r.test_only)
    return (
        f"**{receivers.percent:.2f}%** of receivers ran "
        f"({receivers.exercised} of {receivers.total})"
        f" · send sites {senders.percent:.2f}% ({senders.exercised} of {senders.total})"
        f" · {dead} dead"
    )


def _overview(signals: Sequence[SignalRow], receivers: Sequence[ReceiverRow]) -> list[str]:
    counted: dict[str, list[ReceiverRow]] = defaultdict(list)
    for row in receivers:
        if row.signal and not row.test_only and not row.excluded:
            counted[row.signal].append(row)
    return _table(
        ["Signal", "Status", "Receivers", "Ran", "Sends"],
        (
            [
                _code(s.signal),
                _SIGNAL_WORDS.get(s.status.value, s.status.value),
                str(len(counted[s.signal])),
                str(sum(1 for r in counted[s.signal] if r.calls)),
                str(s.sends),
            ]
            for s in signals
        ),
        align=["", "", "r", "r", "r"],
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
