"""The end of the run's files: the reports asked for (``--signal-report=KIND:DEST``) and the
data file (for ``signaltrace report``, ``combine`` and later ``--signal-append`` runs)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_signaltrace.plugin.session import Outcome
from pytest_signaltrace.settings import GITHUB_STEP_SUMMARY, ReportRequest, Settings
from pytest_signaltrace.trace.faults import FaultLog
from pytest_signaltrace.trace.model import Trace

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


def write_reports(
    report: Report,
    settings: Settings,
    *,
    invocation_dir: Path,
    rootdir: Path,
    faults: FaultLog,
    outcome: Outcome,
) -> None:
    """Write each report that goes to a file (or to ``-``: kept for the terminal summary).

    What was written goes to ``outcome.written``; a report that could not be written is one
    of ``outcome.problems`` (fatal with a gate), with a fault when the plugin raised.
    """
    for request in settings.reports:
        _write_request(report, request, settings, invocation_dir, rootdir, faults, outcome)


def _write_request(
    report: Report,
    request: ReportRequest,
    settings: Settings,
    invocation_dir: Path,
    rootdir: Path,
    faults: FaultLog,
    outcome: Outcome,
) -> None:
    text_format = _FILE_FORMATS.get(request.kind)
    if request.destination is None or (text_format is None and request.kind != "html"):
        return
    from pytest_signaltrace.report import render_text
    from pytest_signaltrace.report.text import for_people

    try:
        if text_format is not None:
            text = render_text(report, text_format, settings.report_options, outcome.costs)
            text = for_people(text_format, text)
            gated = settings.fail_under is not None
            _write_text_report(request, text, invocation_dir, outcome, gated=gated)
        else:
            from pytest_signaltrace.report.html import write_html

            index = write_html(
                report,
                invocation_dir / request.destination,
                options=settings.report_options,
                rootdir=rootdir,
            )
            outcome.written.append(str(index))
    except OSError as exc:
        where = exc.filename or request.destination
        outcome.problems.append(
            f"cannot write the {request.kind} report to {where}: {exc.strerror or exc}"
        )
    except Exception as exc:
        faults.report(f"writing the {request.kind} report", exc)
        outcome.problems.append(
            f"the {request.kind} report was not written (internal error: {exc!r})"
        )


def _write_text_report(
    request: ReportRequest, text: str, invocation_dir: Path, outcome: Outcome, *, gated: bool
) -> None:
    """Write one report file; ``-`` goes to the terminal summary, ``markdown-append`` appends
    (with a gate, ``gated``, a summary that cannot be written is a problem: it fails the run)."""
    from pytest_signaltrace.output import write_text

    destination = request.destination or ""
    if destination == "-":
        outcome.to_stdout.append(text)
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
            (outcome.problems if gated else outcome.notes).append(missing)
            return
    path = invocation_dir / destination
    if request.kind == "markdown-append":
        with path.open("a", encoding="utf-8") as out:
            out.write(text)
    else:
        write_text(path, text)
    outcome.written.append(str(path))


def write_data_file(
    static: StaticMap,
    trace: Trace,
    settings: Settings,
    *,
    rootdir: Path,
    missing_workers: Sequence[str],
) -> str | None:
    """Write the data file (static map + this run's ``trace``; with ``--signal-append`` added
    to what the file holds then); returns a note when it cannot be written
    (only a note, even with a gate: the data file is written by default, for later reports;
    the gate does not need it), or the one-line hint to keep a new data file out of git.
    """
    destination = settings.data_file
    if destination is None:
        return None
    from pytest_signaltrace.datafile.format import RunData
    from pytest_signaltrace.datafile.write import append_data, write_data

    if settings.parallel:
        from pytest_signaltrace.datafile.paths import parallel_name

        destination = parallel_name(destination)
    data = RunData.from_run(
        static,
        trace,
        rootdir=rootdir,
        sources=settings.sources,
        exclude=settings.exclude,
        missing_workers=missing_workers,
    )
    created = not destination.exists()
    try:
        if settings.append and not settings.parallel:
            # Added to the file as it is now, under its lock: another run may have added to it
            # since it was read for the report.
            append_data(destination, data)
        else:
            write_data(destination, data)
    except OSError as exc:
        return f"cannot write the data file {destination}: {exc.strerror or exc}"
    from pytest_signaltrace.datafile.ignore_hint import gitignore_hint

    return gitignore_hint(
        destination,
        configured=settings.data_file or destination,
        rootdir=rootdir,
        created=created,
    )
