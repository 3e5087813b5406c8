"""The terminal report: a compact table per signal, like coverage's, and what never ran."""

from __future__ import annotations

from collections.abc import Iterable

from pytest_signaltrace.model import ReceiverRow, ReceiverStatus, Report

_STATUS_WORDS = {
    "ok": "ok",
    "never_sent": "never sent",
    "no_receivers": "no receivers",
    "unused": "unused",
}


def render_terminal(report: Report, *, show_missing: bool = False) -> list[str]:
    """The lines of the terminal report; ``show_missing`` adds every receiver that never ran."""
    counted = [r for r in report.receivers if not r.test_only and not r.excluded]
    per_signal: dict[str, list[ReceiverRow]] = {}
    for row in counted:
        per_signal.setdefault(row.signal or "(unresolved signal)", []).append(row)
    sends = {s.signal: s.sends for s in report.signals}
    statuses = {s.signal: _STATUS_WORDS.get(s.status.value, s.status.value) for s in report.signals}
    name_width = max([len("Signal"), *(len(n) for n in per_signal)])
    header = f"{'Signal':<{name_width}}  {'Receivers':>9}  {'Ran':>5}  {'Sends':>7}  Status"
    rule = "-" * len(header)
    lines = [header, rule]
    for signal in sorted(per_signal):
        rows = per_signal[signal]
        ran = sum(1 for r in rows if r.calls)
        lines.append(
            f"{signal:<{name_width}}  {len(rows):>9}  {ran:>5}  "
            f"{sends.get(signal, 0):>7}  {statuses.get(signal, '')}"
        )
    totals = report.receiver_totals
    lines += [
        rule,
        f"{'TOTAL':<{name_width}}  {totals.total:>9}  {totals.exercised:>5}  "
        f"{'':>7}  {totals.percent:.2f}%",
        "",
        _summary_line(report),
    ]
    if report.missing_workers:
        lines.append(
            "WARNING: no signal data from worker(s) "
            + ", ".join(report.missing_workers)
            + ": the tests they ran are missing from this report."
        )
    if show_missing:
        lines += _missing_lines(report)
    elif any(not r.calls for r in counted):
        lines.append("(--signal-report=term-missing lists what never ran, with file:line)")
    return lines


def _summary_line(report: Report) -> str:
    senders = report.sender_totals
    dead = sum(1 for r in report.receivers if r.status is ReceiverStatus.DEAD and not r.test_only)
    test_only = sum(1 for r in report.receivers if r.test_only)
    excluded = sum(1 for r in report.receivers if r.excluded and not r.test_only)
    parts = [
        f"Send sites: {senders.exercised} of {senders.total} ran ({senders.percent:.2f}%)",
        f"dead receivers: {dead}",
        f"test-only receivers: {test_only} (not counted)",
    ]
    if excluded:
        parts.append(f"excluded: {excluded}")
    return ". ".join([parts[0], ", ".join(parts[1:])]) + "."


def _missing_lines(report: Report) -> list[str]:
    never_ran = [
        r for r in report.receivers if not r.calls and not r.test_only and not r.excluded
    ]
    lines = ["", "Receivers that never ran:"]
    lines += _rows(never_ran) or ["  (none)"]
    silent_sites = [s for s in report.senders if not s.calls and not s.test_only]
    if silent_sites:
        lines += ["", "Send sites that never ran:"]
        lines += [
            f"  {s.path}:{s.line}  {s.method}  {s.signal or '(unresolved)'}" for s in silent_sites
        ]
    quiet = [s for s in report.signals if s.status.value in {"never_sent", "unused"}]
    if quiet:
        lines += ["", "Signals that nothing sends (never sent, unused):"]
        lines += [
            f"  {_STATUS_WORDS[s.status.value]:<11}  "
            f"{s.definition_path}:{s.definition_line}  {s.signal}"
            if s.definition_path
            else f"  {_STATUS_WORDS[s.status.value]:<11}  {s.signal}"
            for s in quiet
        ]
    test_only = [r for r in report.receivers if r.test_only]
    if test_only:
        lines += ["", "Test-only receivers (not counted):"]
        lines += _rows(test_only)
    return lines


def _rows(rows: Iterable[ReceiverRow]) -> list[str]:
    return [
        f"  {r.status.value:<11}  {r.path}:{r.line}  {r.handler}"
        f"  ({r.signal or 'unresolved signal'})"
        + ("" if r.declared else "  [connected at run time]")
        for r in rows
    ]

