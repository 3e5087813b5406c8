"""End of run: hand the trace over (xdist worker), or scan, merge, write the data file, write and
print reports."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pytest_signaltrace.model import StaticMap
from pytest_signaltrace.output import write_text
from pytest_signaltrace.report import render_text
from pytest_signaltrace.report.terminal import render_terminal
from pytest_signaltrace.session import WORKER_OUTPUT_KEY, StaticScan, TraceSession
from pytest_signaltrace.settings import GITHUB_STEP_SUMMARY, ReportRequest

#: Report kinds written to a file, and the text format each one is.
_FILE_FORMATS = {
    "json": "json",
    "markdown": "markdown",
    "markdown-append": "markdown",
    "xml": "xml",
    "lcov": "lcov",
}


def finish_run(config: pytest.Config, session: TraceSession) -> bool:
    """Stop tracing and build the report; returns whether the gate failed the run.

    Never raises: a fault is reported once as a warning and the run's outcome is left alone.
    """
    try:
        if session.role == "worker":
            workeroutput = getattr(config, "workeroutput", None)
            if workeroutput is not None:
                workeroutput[WORKER_OUTPUT_KEY] = session.stop().to_json()
            return False
        session.stop()
        if config.option.collectonly:
            return False
        if session.static_scan is None:
            session.static_scan = StaticScan(session, cache_dir_of(config))
        static = session.static_scan.result()
        report = session.build(static)
        for request in session.settings.reports:
            text_format = _FILE_FORMATS.get(request.kind)
            if text_format is not None and request.destination is not None:
                _write_report(config, session, request, render_text(report, text_format))
            elif request.kind == "html" and request.destination is not None:
                from pytest_signaltrace.report.html import write_html

                index = write_html(report, config.invocation_params.dir / request.destination)
                session.written.append(str(index))
        _write_data_file(session, static)
    except Exception as exc:
        session.faults.report("building the signal report", exc)
        return False
    return session.gate is not None and not session.gate.passed


def _write_data_file(session: TraceSession, static: StaticMap) -> None:
    """Write the data file (static map + trace) for ``signaltrace report`` and ``combine``."""
    destination = session.settings.data_file
    if destination is None:
        return
    from pytest_signaltrace.data import RunData, write_data

    data = RunData.from_run(
        static,
        session.combined_trace(),
        rootdir=session.rootdir,
        sources=session.settings.sources,
        exclude=session.settings.exclude,
        missing_workers=session.missing_workers,
    )
    try:
        write_data(destination, data)
    except OSError as exc:
        session.notes.append(f"cannot write the data file {destination}: {exc.strerror or exc}")
    except Exception as exc:
        session.faults.report("writing the signal data file", exc)


def _write_report(
    config: pytest.Config, session: TraceSession, request: ReportRequest, text: str
) -> None:
    """Write one report file; ``-`` goes to the terminal summary, ``markdown-append`` appends."""
    destination = request.destination or ""
    if destination == "-":
        session.to_stdout.append(text)
        return
    if destination == GITHUB_STEP_SUMMARY:
        destination = os.environ.get("GITHUB_STEP_SUMMARY", "")
        if not destination:
            session.notes.append(
                "markdown-append: $GITHUB_STEP_SUMMARY is not set (not on GitHub Actions?); "
                "nothing written"
            )
            return
    path = config.invocation_params.dir / destination
    if request.kind == "markdown-append":
        with path.open("a", encoding="utf-8") as out:
            out.write(text)
    else:
        write_text(path, text)
    session.written.append(str(path))


def print_terminal_report(terminal: pytest.TerminalReporter, session: TraceSession) -> None:
    """Write the terminal report(s), the files written, and the gate's verdict."""
    report = session.report
    if report is None:
        return
    kinds = {request.kind for request in session.settings.reports}
    if kinds & {"term", "term-missing"}:
        terminal.write_sep("-", "signal receiver coverage")
        for line in render_terminal(report, show_missing="term-missing" in kinds):
            terminal.write_line(line)
    if "github" in kinds:
        terminal.write(render_text(report, "github"))
    for text in session.to_stdout:
        terminal.write(text)
    for destination in session.written:
        terminal.write_line(f"Signal report written to {destination}")
    for note in session.notes:
        terminal.write_line(f"pytest-signaltrace: {note}", yellow=True)
    if session.gate is not None:
        if session.gate.passed:
            terminal.write_line(session.gate.message, green=True)
        else:
            terminal.write_line(session.gate.message, red=True, bold=True)


def cache_dir_of(config: pytest.Config) -> Path | None:
    """The scan's cache folder in pytest's cache (``None`` with ``-p no:cacheprovider``)."""
    cache = getattr(config, "cache", None)
    if cache is None:
        return None
    try:
        return Path(cache.mkdir("signaltrace"))
    except OSError:
        return None
