"""The terminal report: a compact table per signal, like coverage's, and what never ran."""

from __future__ import annotations

from collections.abc import Sequence

from pytest_signaltrace.model import ReceiverRow, ReceiverStatus, Report, SenderRow, SiteRef
from pytest_signaltrace.report.cascade_text import terminal_loop_lines
from pytest_signaltrace.report.options import ReportOptions, shown_percent, signal_rows
from pytest_signaltrace.report.words import (
    EVIDENCE_LEGEND,
    EVIDENCE_MARKS,
    QUIET_SIGNALS,
    RAISED_TITLE,
    count_status,
    raised_rows,
    raised_text,
    receiver_word,
    signal_word,
    sites_text,
)


def render_terminal(
    report: Report, *, show_missing: bool = False, options: ReportOptions | None = None
) -> list[str]:
    """The lines of the terminal report; ``show_missing`` adds every receiver that never ran.

    ``options`` sets the decimal places, the order of the signals and whether the signals
    whose receivers all ran are left out (coverage's ``precision``, ``sort``, ``skip_covered``).
    """
    options = options or ReportOptions()
    counted = [r for r in report.receivers if not r.test_only and not r.excluded]
    # Every signal has its row, as in the Markdown and HTML reports: one that nothing receives
    # (sent 20,000 times, or defined and unused) shows with 0 receivers, not hidden.
    per_signal: dict[str, list[ReceiverRow]] = {s.signal: [] for s in report.signals}
    for row in counted:
        per_signal.setdefault(row.signal or "(unresolved signal)", []).append(row)
    signals = {s.signal: s for s in report.signals}
    statuses = {s: signal_word(row.status.value) for s, row in signals.items()}
    name_width = max([len("Signal"), *(len(n) for n in per_signal)])
    status_width = max([len("Status"), *(len(statuses.get(n, "")) for n in per_signal)])
    header = (
        f"{'Signal':<{name_width}}  {'Receivers':>9}  {'Ran':>5}  {'Sends':>7}  "
        f"{'Status':<{status_width}}  Evidence"
    )
    rule = "-" * len(header)
    lines = [header, rule]
    shown, skipped = signal_rows(per_signal, signals, options)
    for signal in shown:
        rows = per_signal[signal]
        ran = sum(1 for r in rows if r.calls)
        info = signals.get(signal)
        mark = EVIDENCE_MARKS[info.evidence] if info else ""
        lines.append(
            f"{signal:<{name_width}}  {len(rows):>9}  {ran:>5}  "
            f"{info.sends if info else 0:>7}  {statuses.get(signal, ''):<{status_width}}  {mark}"
            .rstrip()
        )
    totals = report.receiver_totals
    lines += [
        rule,
        f"{'TOTAL':<{name_width}}  {totals.total:>9}  {totals.exercised:>5}  "
        f"{'':>7}  {shown_percent(totals, options.precision)}%",
    ]
    if skipped:
        plural = "" if skipped == 1 else "s"
        lines += ["", f"{skipped} signal{plural} skipped due to complete coverage."]
    lines += [
        "",
        _summary_line(report, options.precision),
        f"Evidence: {EVIDENCE_LEGEND}.",
    ]
    if report.missing_workers:
        lines.append(
            "WARNING: no signal data from worker(s) "
            + ", ".join(report.missing_workers)
            + ": the tests they ran are missing from this report."
        )
    lines += _skipped_lines(report)
    if show_missing:
        lines += _missing_lines(report)
    elif any(not r.calls for r in counted):
        lines.append("(--signal-report=term-missing lists what never ran, with file:line)")
    return lines + _raised_lines(report) + terminal_loop_lines(report, show_missing=show_missing)


def _skipped_lines(report: Report) -> list[str]:
    """The files the scan skipped, each with the reason: their receivers are not counted."""
    skipped = report.files_skipped
    if not skipped:
        return []
    files = "1 file" if len(skipped) == 1 else f"{len(skipped)} files"
    heading = (
        f"WARNING: the scan skipped {files}: "
        "their signals and receivers are missing from this report."
    )
    return [heading, *(f"  {f.path}: {f.reason}" for f in skipped)]


def _raised_lines(report: Report) -> list[str]:
    rows = raised_rows(report)
    if not rows:
        return []
    lines = ["", RAISED_TITLE + ":"]
    for r in rows:
        test = "  [test-only]" if r.test_only else ""
        lines.append(
            f"  {r.path}:{r.line}  {r.handler}  ({r.signal or 'unresolved signal'})"
            f"  {raised_text(r.raised)}{test}"
        )
    return lines


def _summary_line(report: Report, precision: int) -> str:
    senders = report.sender_totals
    test_only = sum(1 for r in report.receivers if r.test_only)
    excluded = sum(1 for r in report.receivers if r.excluded and not r.test_only)
    possibly_dead = count_status(report, ReceiverStatus.POSSIBLY_DEAD)
    parts = [
        f"Send sites: {senders.exercised} of {senders.total} ran "
        f"({shown_percent(senders, precision)}%)",
        f"dead receivers: {count_status(report, ReceiverStatus.DEAD)}",
    ]
    if possibly_dead:
        parts.append(f"possibly dead: {possibly_dead}")
    parts.append(f"test-only receivers: {test_only} (not counted)")
    if excluded:
        parts.append(f"excluded: {excluded}")
    return ". ".join([parts[0], ", ".join(parts[1:])]) + "."


def _missing_lines(report: Report) -> list[str]:
    never_ran = [r for r in report.receivers if not r.calls and not r.test_only and not r.excluded]
    lines = ["", "Receivers that never ran:"]
    lines += _rows(never_ran) or ["  (none)"]
    silent_sites = [s for s in report.senders if not s.calls and not s.test_only]
    if silent_sites:
        lines += ["", "Send sites that never ran:"]
        lines += [f"  {s.path}:{s.line}  {s.method}  {_sender_signal(s)}" for s in silent_sites]
    named = [s for s in report.senders if s.declared and s.signal and s.evidence == "runtime"]
    if named:
        lines += ["", "Send sites the scan could not resolve, named by the trace:"]
        lines += [f"  {s.path}:{s.line}  {s.method}  {s.signal}  (ran {s.calls}x)" for s in named]
    quiet = [s for s in report.signals if s.status.value in QUIET_SIGNALS]
    if quiet:
        title = "Signals that nothing sends (never sent, unused)"
        if any(s.possible_senders for s in quiet):
            title += " or only unresolved send sites might (possibly)"
        lines += ["", title + ":"]
        width = max(len(signal_word(s.status.value)) for s in quiet)
        for s in quiet:
            where = f"{s.definition_path}:{s.definition_line}  " if s.definition_path else ""
            lines.append(f"  {signal_word(s.status.value):<{width}}  {where}{s.signal}")
            lines += _might_send(s.possible_senders, width)
    test_only = [r for r in report.receivers if r.test_only]
    if test_only:
        lines += ["", "Test-only receivers (not counted):"]
        lines += _rows(test_only)
    return lines


def _sender_signal(row: SenderRow) -> str:
    if row.signal:
        return row.signal
    return f"(unresolved: {row.expression})" if row.expression else "(unresolved)"


def _might_send(sites: Sequence[SiteRef], indent: int) -> list[str]:
    if not sites:
        return []
    return [f"  {'':<{indent}}  might be sent by {sites_text(sites)}"]


def _rows(rows: Sequence[ReceiverRow]) -> list[str]:
    # As wide as the longest status shown: "unexercised", or "possibly dead" when there is one.
    width = max([len("unexercised"), *(len(receiver_word(r.status.value)) for r in rows)])
    lines = []
    for r in rows:
        lines.append(
            f"  {receiver_word(r.status.value):<{width}}  {EVIDENCE_MARKS[r.evidence]:<3}"
            f"  {r.path}:{r.line}  {r.handler}  ({r.signal or 'unresolved signal'})"
            + ("" if r.declared else "  [connected at run time]")
        )
        lines += _might_send(r.possible_senders, width)
        if r.senders_seen:
            lines.append(
                f"  {'':<{width}}  never sent for its sender; sent for "
                + ", ".join(r.senders_seen)
            )
    return lines
