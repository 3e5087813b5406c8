"""End of run: hand the trace over (xdist worker), or scan, merge, write the data file, write and
print reports."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_signaltrace.plugin.fault_warning import deliver_warning, write_stderr
from pytest_signaltrace.plugin.session import (
    WORKER_FAULTS_KEY,
    WORKER_OUTPUT_KEY,
    StaticScan,
    TraceSession,
)
from pytest_signaltrace.settings import GITHUB_STEP_SUMMARY, ReportRequest

if TYPE_CHECKING:  # the report modules are imported only for the formats asked for
    from pytest_signaltrace.model import Report, StaticMap

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

    Never raises. A fault is recorded (reported once at the end of the run) and, when a gate
    was asked for, fails the gate with one line saying why: a gate that cannot measure fails.
    Without a gate, the run's outcome is left alone.
    """
    if session.role == "worker":
        _hand_over(config, session)
        return False
    try:
        session.stop()
    except Exception as exc:
        return _fault(session, "taking the signal trace", exc)
    if config.option.collectonly:
        return False
    try:
        if session.static_scan is None:
            session.static_scan = static_scan_of(config, session)
        static = session.static_scan.result()
        _add_appended(session, static)
        report = session.build(static)
    except Exception as exc:
        return _fault(session, "building the signal report", exc)
    for request in session.settings.reports:
        _write_request(config, session, report, request)
    if session.settings.diff_compare_branch is not None:
        _judge_diff(session, report, session.settings.diff_compare_branch)
    try:
        _write_data_file(session, static)
    except Exception as exc:
        session.faults.report("writing the signal data file", exc)
    return session.gate_failed


def _fault(session: TraceSession, where: str, exc: Exception) -> bool:
    session.faults.report(where, exc)
    session.fail_closed(f"internal error in {where} ({exc!r})")
    return session.gate_failed


def _judge_diff(session: TraceSession, report: Report, compare_branch: str) -> None:
    """The diff report (what the change since ``compare_branch`` touched) and the diff gate.

    Fails closed: with ``diff_fail_under``, git's problem (no repository, an unknown branch, no
    git) or a fault fails the diff gate with one line naming it; without, it is one note.
    """
    from pytest_signaltrace.gates.diff.git import GitError
    from pytest_signaltrace.gates.diff.judge import diff_not_checked, diff_of, judge_diff

    settings = session.settings
    try:
        session.diff = diff_of(report, session.rootdir, compare_branch)
    except GitError as exc:
        reason = str(exc)
    except Exception as exc:
        session.faults.report("computing the diff signal coverage", exc)
        reason = f"internal error in computing the diff signal coverage ({exc!r})"
    else:
        if settings.diff_fail_under is not None:
            precision = settings.report_options.precision
            session.diff_gate = judge_diff(session.diff, settings.diff_fail_under, precision)
        return
    if settings.diff_fail_under is not None:
        session.diff_gate = diff_not_checked(settings.diff_fail_under, reason)
    else:
        session.notes.append(f"no diff signal coverage: {reason}")


def _hand_over(config: pytest.Config, session: TraceSession) -> None:
    """An xdist worker: its trace and its faults go to the controller."""
    workeroutput = getattr(config, "workeroutput", None)
    if workeroutput is None:
        return
    try:
        # One compact JSON text, not the nested dict: execnet's serializer is pure Python and
        # built a chunk per item (a 15 MB peak in a worker of 1,000 tests); json is C.
        document = session.stop().to_json()
        workeroutput[WORKER_OUTPUT_KEY] = json.dumps(document, separators=(",", ":"))
        del document
    except Exception as exc:  # the controller then names this worker as missing
        session.faults.report("taking the signal trace", exc)
    workeroutput[WORKER_FAULTS_KEY] = session.worker_faults()
    session.faults_reported = True


def _write_request(
    config: pytest.Config, session: TraceSession, report: Report, request: ReportRequest
) -> None:
    """Write one report file, if it goes to one; a failure is a problem (fatal with a gate)."""
    text_format = _FILE_FORMATS.get(request.kind)
    if request.destination is None or (text_format is None and request.kind != "html"):
        return
    from pytest_signaltrace.report import render_text
    from pytest_signaltrace.report.text import for_people

    try:
        if text_format is not None:
            options = session.settings.report_options
            text = for_people(text_format, render_text(report, text_format, options))
            _write_report(config, session, request, text)
        else:
            from pytest_signaltrace.report.html import write_html

            index = write_html(
                report,
                config.invocation_params.dir / request.destination,
                options=session.settings.report_options,
                rootdir=session.rootdir,
            )
            session.written.append(str(index))
    except OSError as exc:
        where = exc.filename or request.destination
        session.problems.append(
            f"cannot write the {request.kind} report to {where}: {exc.strerror or exc}"
        )
    except Exception as exc:
        session.faults.report(f"writing the {request.kind} report", exc)
        session.problems.append(
            f"the {request.kind} report was not written (internal error: {exc!r})"
        )


def _add_appended(session: TraceSession, static: StaticMap) -> None:
    """``--signal-append``: the data file's data joins this run's, in the report and the data
    file (not with ``parallel``, whose every run writes a file of its own)."""
    settings = session.settings
    if not settings.append or settings.parallel or settings.data_file is None:
        return
    from pytest_signaltrace.datafile.paths import load_appended

    appended = load_appended(
        settings.data_file,
        static,
        rootdir=session.rootdir,
        sources=settings.sources,
        exclude=settings.exclude,
    )
    if appended.note:
        session.notes.append(appended.note)
    session.appended = appended.trace
    session.appended_runs = appended.runs
    session.missing_workers.extend(
        w for w in appended.missing_workers if w not in session.missing_workers
    )


def _write_data_file(session: TraceSession, static: StaticMap) -> None:
    """Write the data file (static map + trace) for ``signaltrace report`` and ``combine``."""
    destination = session.settings.data_file
    if destination is None:
        return
    from pytest_signaltrace.datafile.data import RunData, append_data, write_data

    if session.settings.parallel:
        from pytest_signaltrace.datafile.paths import parallel_name

        destination = parallel_name(destination)
    data = RunData.from_run(
        static,
        session.run_trace(),
        rootdir=session.rootdir,
        sources=session.settings.sources,
        exclude=session.settings.exclude,
        missing_workers=session.missing_workers,
    )
    created = not destination.exists()
    try:
        if session.settings.append and not session.settings.parallel:
            # Added to the file as it is now, under its lock: another run may have added to it
            # since it was read for the report.
            append_data(destination, data)
        else:
            write_data(destination, data)
    except OSError as exc:
        # Only a note, even with a gate: the data file is written by default, for later
        # reports; the gate does not need it (the reports asked for are another matter).
        session.notes.append(f"cannot write the data file {destination}: {exc.strerror or exc}")
        return
    from pytest_signaltrace.datafile.ignore_hint import gitignore_hint

    hint = gitignore_hint(
        destination,
        configured=session.settings.data_file or destination,
        rootdir=session.rootdir,
        created=created,
    )
    if hint:
        session.notes.append(hint)


def _write_report(
    config: pytest.Config, session: TraceSession, request: ReportRequest, text: str
) -> None:
    """Write one report file; ``-`` goes to the terminal summary, ``markdown-append`` appends."""
    from pytest_signaltrace.output import write_text

    destination = request.destination or ""
    if destination == "-":
        session.to_stdout.append(text)
        return
    if destination == GITHUB_STEP_SUMMARY:
        destination = os.environ.get("GITHUB_STEP_SUMMARY", "")
        if not destination:
            missing = (
                "markdown-append: $GITHUB_STEP_SUMMARY is not set (not on GitHub Actions?); "
                "nothing written"
            )
            # With a gate, a report asked for and not written fails the run, as any other
            # report that cannot be written does: a CI job whose summary vanished must not pass.
            gated = session.settings.fail_under is not None
            (session.problems if gated else session.notes).append(missing)
            return
    path = config.invocation_params.dir / destination
    if request.kind == "markdown-append":
        with path.open("a", encoding="utf-8") as out:
            out.write(text)
    else:
        write_text(path, text)
    session.written.append(str(path))


def print_terminal_report(terminal: pytest.TerminalReporter, session: TraceSession) -> None:
    """Write the terminal report(s), the files written, and the gate's verdict; then the run's
    one fault warning. Never raises: a fault here is one more fault, the gate line still shows."""
    try:
        _print_report(terminal, session)
    except Exception as exc:
        session.faults.report("printing the signal report", exc)
    try:
        _print_verdict(terminal, session)
    except Exception as exc:
        session.faults.report("printing the signal gate", exc)
    report_faults(terminal.config, session)


def _print_report(terminal: pytest.TerminalReporter, session: TraceSession) -> None:
    report = session.report
    if report is None:
        return
    from pytest_signaltrace.report import render_text
    from pytest_signaltrace.report.text import printable

    kinds = {request.kind for request in session.settings.reports}
    if kinds & {"term", "term-missing"}:
        from pytest_signaltrace.report.terminal import render_terminal

        options = session.settings.report_options
        if any(r.skip_covered for r in session.settings.reports):  # term:skip-covered
            options = replace(options, skip_covered=True)
        terminal.write_sep("-", "signal receiver coverage")
        lines = render_terminal(report, show_missing="term-missing" in kinds, options=options)
        for line in lines:
            terminal.write_line(printable(line))
    if "github" in kinds:
        terminal.write(printable(render_text(report, "github")))
    for text in session.to_stdout:
        terminal.write(text)
    for destination in session.written:
        terminal.write_line(f"Signal report written to {destination}")
    if report.receiver_totals.total == 0 and session.settings.fail_under is None:
        where = ", ".join(session.source_names())
        terminal.write_line(f"pytest-signaltrace: no receivers found under {where}", yellow=True)
    if session.diff is not None:
        from pytest_signaltrace.gates.diff.render import render_diff

        terminal.write_sep("-", "diff signal coverage")
        precision = session.settings.report_options.precision
        for line in render_diff(session.diff, "term", precision).splitlines():
            terminal.write_line(printable(line))


def _print_verdict(terminal: pytest.TerminalReporter, session: TraceSession) -> None:
    for note in session.notes:
        terminal.write_line(f"pytest-signaltrace: {note}", yellow=True)
    gated = session.settings.fail_under is not None
    for problem in session.problems:
        if gated:
            terminal.write_line(f"FAIL pytest-signaltrace: {problem}", red=True, bold=True)
        else:
            terminal.write_line(f"pytest-signaltrace: {problem}", yellow=True)
    for gate in (session.gate, session.diff_gate):
        if gate is not None and gate.passed:
            terminal.write_line(gate.message, green=True)
        elif gate is not None:
            terminal.write_line(gate.message, red=True, bold=True)


def report_faults(config: pytest.Config, session: TraceSession) -> None:
    """Report the run's faults as one warning (once; an xdist worker hands them over)."""
    if session.faults_reported:
        return
    session.faults_reported = True
    summary = session.faults.summary()
    if summary is not None:
        deliver_warning(config, summary)


def report_faults_late(session: TraceSession) -> None:
    """At ``pytest_unconfigure``: faults not reported yet (no terminal summary ran) go to
    stderr, as one line."""
    if session.faults_reported:
        return
    session.faults_reported = True
    summary = session.faults.summary()
    if summary is not None:
        write_stderr(summary)


def static_scan_of(config: pytest.Config, session: TraceSession) -> StaticScan:
    """The run's static scan, with pytest's cache folder and without the run's ``--basetemp``
    (pytester, and some projects, put it inside the rootdir: tests write and delete there while
    the scan walks the tree, and nothing there is the project's source)."""
    basetemp = getattr(config.option, "basetemp", None)
    skip = [config.invocation_params.dir / basetemp] if basetemp else []
    return StaticScan(session, cache_dir_of(config), skip)


def cache_dir_of(config: pytest.Config) -> Path | None:
    """The scan's cache folder in pytest's cache (``None`` with ``-p no:cacheprovider``)."""
    cache = getattr(config, "cache", None)
    if cache is None:
        return None
    try:
        return Path(cache.mkdir("signaltrace"))
    except OSError:
        return None
