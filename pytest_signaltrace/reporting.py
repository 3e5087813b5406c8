"""End of run: hand the trace over (xdist worker), or scan, merge, write and print reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_signaltrace.output import write_text
from pytest_signaltrace.report.json_report import render_json
from pytest_signaltrace.report.terminal import render_terminal
from pytest_signaltrace.session import WORKER_OUTPUT_KEY, TraceSession, scan_sources

_FILE_RENDERERS = {"json": render_json}


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
        static = scan_sources(
            session.settings.sources,
            session.rootdir,
            cache_dir=_cache_dir(config),
            package_roots=session.settings.package_roots,
        )
        report = session.build(static)
        for request in session.settings.reports:
            renderer = _FILE_RENDERERS.get(request.kind)
            if renderer is not None and request.destination is not None:
                destination = config.invocation_params.dir / request.destination
                write_text(destination, renderer(report))
                session.written.append(str(destination))
    except Exception as exc:
        session.faults.report("building the signal report", exc)
        return False
    return session.gate is not None and not session.gate.passed


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
    for destination in session.written:
        terminal.write_line(f"Signal report written to {destination}")
    if session.gate is not None:
        if session.gate.passed:
            terminal.write_line(session.gate.message, green=True)
        else:
            terminal.write_line(session.gate.message, red=True, bold=True)


def _cache_dir(config: pytest.Config) -> Path | None:
    cache = getattr(config, "cache", None)
    if cache is None:
        return None
    try:
        return Path(cache.mkdir("signaltrace"))
    except OSError:
        return None
