"""The terminal summary of the run's end: the terminal reports asked for, the files written,
the notes and problems, and the gates' verdicts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_signaltrace.plugin.session import Outcome
from pytest_signaltrace.settings import Settings

if TYPE_CHECKING:
    from pytest_signaltrace.report.durations import ReceiverCost


def source_names(sources: Sequence[Path], rootdir: Path) -> list[str]:
    """The scanned folders, relative to the rootdir where inside it (POSIX), for messages."""
    names = []
    for source in sources:
        try:
            names.append(source.relative_to(rootdir).as_posix() or ".")
        except ValueError:
            names.append(str(source))
    return names


def print_report(
    terminal: pytest.TerminalReporter, outcome: Outcome, settings: Settings, rootdir: Path
) -> None:
    """The terminal and GitHub reports asked for, the reports sent to ``-``, the files
    written, and the diff's report."""
    report = outcome.report
    if report is None:
        return
    from pytest_signaltrace.report import render_text
    from pytest_signaltrace.report.text import printable

    kinds = {request.kind for request in settings.reports}
    if kinds & {"term", "term-missing"}:
        from pytest_signaltrace.report.terminal import render_terminal

        options = settings.report_options
        if any(r.skip_covered for r in settings.reports):  # term:skip-covered
            options = replace(options, skip_covered=True)
        terminal.write_sep("-", "signal receiver coverage")
        lines = render_terminal(report, show_missing="term-missing" in kinds, options=options)
        for line in lines:
            terminal.write_line(printable(line))
    if "github" in kinds:
        terminal.write(printable(render_text(report, "github")))
    for text in outcome.to_stdout:
        terminal.write(text)
    for destination in outcome.written:
        terminal.write_line(f"Signal report written to {destination}")
    if report.receiver_totals.total == 0 and settings.fail_under is None:
        where = ", ".join(source_names(settings.sources, rootdir))
        terminal.write_line(f"pytest-signaltrace: no receivers found under {where}", yellow=True)
    if outcome.diff is not None:
        from pytest_signaltrace.gates.diff.render import render_diff

        terminal.write_sep("-", "diff signal coverage")
        precision = settings.report_options.precision
        for line in render_diff(outcome.diff, "term", precision).splitlines():
            terminal.write_line(printable(line))


def print_durations(
    terminal: pytest.TerminalReporter, costs: Sequence[ReceiverCost], count: int
) -> None:
    """The ``count`` slowest receivers (``0``: all), after the signal report."""
    from pytest_signaltrace.report.durations import render_durations
    from pytest_signaltrace.report.text import printable

    title, *lines = render_durations(costs, count)
    terminal.write_sep("-", title)
    for line in lines:
        terminal.write_line(printable(line))


def print_verdict(terminal: pytest.TerminalReporter, outcome: Outcome, gated: bool) -> None:
    """The notes, the problems (failures with a gate: ``gated``) and the gates' lines."""
    for note in outcome.notes:
        terminal.write_line(f"pytest-signaltrace: {note}", yellow=True)
    for problem in outcome.problems:
        if gated:
            terminal.write_line(f"FAIL pytest-signaltrace: {problem}", red=True, bold=True)
        else:
            terminal.write_line(f"pytest-signaltrace: {problem}", yellow=True)
    for gate in (outcome.gate, outcome.diff_gate):
        if gate is not None and gate.passed:
            terminal.write_line(gate.message, green=True)
        elif gate is not None:
            terminal.write_line(gate.message, red=True, bold=True)
