"""``signaltrace report [DATAFILE]``: the coverage report of a traced run, from its data file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_signaltrace.cli.common import (
    ExitCode,
    add_datafile,
    decimal_places,
    percent,
    settings_and_data_file,
    usage_error,
)
from pytest_signaltrace.output import write_text
from pytest_signaltrace.report import TEXT_FORMATS, render_text
from pytest_signaltrace.report.text import for_people

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pytest_signaltrace.cli.common import Commands
    from pytest_signaltrace.datafile.format import RunData
    from pytest_signaltrace.model import Report
    from pytest_signaltrace.report.durations import ReceiverCost
    from pytest_signaltrace.report.options import ReportOptions

#: ``signaltrace report --format`` values.
REPORT_FORMATS = (*TEXT_FORMATS, "html")
#: Where ``--format html`` writes without ``--output``.
HTML_DIR = "signaltrace_html"


def add_parser(commands: Commands) -> None:
    """Add ``report`` to the subcommands."""
    report = commands.add_parser(
        "report",
        help="report signal receiver coverage from a data file, without re-running",
        description="Render the report of a traced run (pytest --signal-report, signaltrace "
        "run, signaltrace combine) from its data file, with the settings the pytest run reads "
        "(signaltrace_* keys of the pytest ini file, [tool.signaltrace] of pyproject.toml).",
    )
    add_datafile(report)
    report.add_argument(
        "--format", choices=REPORT_FORMATS, default="term", help="output format (default: term)"
    )
    report.add_argument(
        "--output",
        "-o",
        metavar="FILE_OR_DIR",
        help=f"file to write, - for stdout (default: stdout; html: a folder, {HTML_DIR}/)",
    )
    report.add_argument(
        "--fail-under",
        type=percent,
        metavar="MIN",
        help="exit with status 1 if the share of receivers that ran is below MIN percent "
        "(default: fail_under of the configuration, if any)",
    )
    # coverage report's --skip-covered, --precision and --sort; the defaults come from the
    # configuration the pytest run reads (the pytest ini file, [tool.signaltrace]).
    report.add_argument(
        "--skip-covered",
        action="store_true",
        default=None,
        help="leave the signals whose receivers all ran out of the table",
    )
    report.add_argument(
        "--precision",
        type=decimal_places,
        metavar="N",
        help="decimal places of the percentages and of the --fail-under comparison (default 2)",
    )
    report.add_argument(
        "--sort",
        type=_sort,
        metavar="KEY",
        help="order of the signal table: name, receivers, ran, miss, sends, status or cover; "
        "a leading - sorts in reverse (--sort=-miss)",
    )
    # pytest's --durations, as the run prints it with --signal-durations=N.
    report.add_argument(
        "--durations",
        metavar="N",
        help="after the report, show the N slowest signal receivers (N=0: all) the run timed "
        "(pytest --signal-durations) (default: durations of the configuration, if any)",
    )


def run(args: argparse.Namespace) -> int:
    """Run ``signaltrace report``; returns the exit status."""
    from pytest_signaltrace.datafile.data import DataFileError, read_data
    from pytest_signaltrace.merge.replay import report_of

    if args.format == "html" and args.output == "-":
        return usage_error("--format html writes a folder: give --output DIR, not -")
    # The pytest run's configuration; a bad one is refused before anything is written.
    loaded = settings_and_data_file(
        {
            "data_file": ("DATAFILE", args.datafile),
            "fail_under": ("--fail-under", args.fail_under),
            "skip_covered": ("--skip-covered", args.skip_covered),
            "precision": ("--precision", args.precision),
            "sort": ("--sort", args.sort),
            "durations": ("--durations", args.durations),
        },
        output=args.output,
    )
    if isinstance(loaded, str):
        return usage_error(loaded)
    settings, datafile = loaded
    options = settings.report_options
    try:
        data = read_data(datafile)
        report = report_of(data)
    except DataFileError as exc:
        return usage_error(str(exc))
    costs = _receiver_costs(data, settings.durations, args.format)
    try:
        _render(report, args.format, args.output, options, Path(data.rootdir), costs)
    except OSError as exc:
        return usage_error(f"cannot write {args.output}: {exc.strerror or exc}")
    if settings.durations is not None:
        # A report of another format on stdout is a document the table would spoil.
        to_stdout = args.format in ("term", "term-missing") or args.output not in (None, "-")
        _print_durations(costs or (), settings.durations, datafile, to_stdout)
    if settings.fail_under is not None:
        from pytest_signaltrace.gates.fail_under import (
            check_fail_under,
            not_checked,
            skipped_files_reason,
        )

        # As the pytest gate: a source file the scan skipped has receivers nobody counted.
        skipped = skipped_files_reason(report.files_skipped, [*settings.exclude, *data.exclude])
        gate = (
            not_checked(settings.fail_under, skipped)
            if skipped is not None
            else check_fail_under(
                report.receiver_totals,
                settings.fail_under,
                sources=list(data.sources),
                precision=options.precision,
            )
        )
        print(gate.message, file=sys.stderr)
        if not gate.passed:
            return ExitCode.FAILED
    return ExitCode.OK


def _render(
    report: Report,
    fmt: str,
    output: str | None,
    options: ReportOptions,
    rootdir: Path,
    costs: Sequence[ReceiverCost] | None,
) -> None:
    """Write ``report`` in format ``fmt`` to ``output`` (``None``/``-``: stdout); the JSON
    report carries the receivers' ``costs`` when the run timed them, as the run's did."""
    if fmt == "html":
        from pytest_signaltrace.report.html import write_html

        index = write_html(report, Path(output or HTML_DIR), options=options, rootdir=rootdir)
        print(f"Signal report written to {index}")
        return
    text = for_people(fmt, render_text(report, fmt, options, costs))
    write_text(output or "-", text)
    if output not in (None, "-"):
        print(f"Signal report written to {output}")


def _receiver_costs(
    data: RunData, durations: int | None, fmt: str
) -> tuple[ReceiverCost, ...] | None:
    """What each receiver cost, as the run that timed them reported it, when the report or the
    table (``durations``: how many rows) shows it; ``None`` when neither does. A data file
    holds no durations when its run timed no receiver, or none ran: none then, or none at all
    (a run configured to time its receivers, as this report is, gives its JSON report an
    empty list)."""
    if not data.trace.durations:
        return () if durations is not None else None
    if durations is None and fmt != "json":
        return None
    from pytest_signaltrace.merge.replay import replayed_trace
    from pytest_signaltrace.report.durations import receiver_costs

    trace, paths = replayed_trace(data)
    return receiver_costs(trace, paths.project_path)


def _print_durations(
    costs: Sequence[ReceiverCost], count: int, datafile: Path, to_stdout: bool
) -> None:
    """The table of the ``count`` slowest receivers (``0``: all) after the report, as the
    pytest run prints it (its title on a line of its own here); without ``costs``, why not."""
    from pytest_signaltrace.report.durations import render_durations
    from pytest_signaltrace.report.text import printable

    if not costs:
        print(
            f"signaltrace: {datafile} holds no receiver durations: the run did not time its "
            "receivers (pytest --signal-durations=N), or none of them ran",
            file=sys.stderr,
        )
        return
    stream = sys.stdout if to_stdout else sys.stderr
    print(file=stream)
    for line in render_durations(costs, count, option="--durations"):
        print(printable(line), file=stream)


def _sort(value: str) -> str:
    """An argparse type: a sort key of the signal table, ``-`` in front for reverse."""
    from pytest_signaltrace.report.options import sort_error

    problem = sort_error(value)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return value.strip().lower()
