"""``signaltrace report [DATAFILE]``: the coverage report of a traced run, from its data file."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_signaltrace.cli.common import (
    PYPROJECT,
    ExitCode,
    add_datafile,
    checked_table,
    decimal_places,
    percent,
    usage_error,
)
from pytest_signaltrace.output import write_text
from pytest_signaltrace.report import TEXT_FORMATS, render_text
from pytest_signaltrace.report.text import for_people

if TYPE_CHECKING:
    from pytest_signaltrace.cli.common import Commands
    from pytest_signaltrace.model import Report
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
        "run, signaltrace combine) from its data file.",
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
        "(default: fail_under in [tool.signaltrace] of ./pyproject.toml, if any)",
    )
    # coverage report's --skip-covered, --precision and --sort; the defaults come from
    # skip_covered, precision and sort in [tool.signaltrace] of ./pyproject.toml.
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


def run(args: argparse.Namespace) -> int:
    """Run ``signaltrace report``; returns the exit status."""
    from pytest_signaltrace.data import DataFileError, read_data

    if args.format == "html" and args.output == "-":
        return usage_error("--format html writes a folder: give --output DIR, not -")
    fail_under = args.fail_under
    if fail_under is None:  # bad configuration is refused before anything is written
        fail_under = _configured_fail_under()
        if isinstance(fail_under, str):
            return usage_error(fail_under)
    options = _options(args)
    if isinstance(options, str):
        return usage_error(options)
    try:
        data = read_data(args.datafile)
        report = data.build_report()
    except DataFileError as exc:
        return usage_error(str(exc))
    try:
        _render(report, args.format, args.output, options, Path(data.rootdir))
    except OSError as exc:
        return usage_error(f"cannot write {args.output}: {exc.strerror or exc}")
    if fail_under is not None:
        from pytest_signaltrace.gate import check_fail_under

        gate = check_fail_under(
            report.receiver_totals,
            fail_under,
            sources=list(data.sources),
            precision=options.precision,
        )
        print(gate.message, file=sys.stderr)
        if not gate.passed:
            return ExitCode.FAILED
    return ExitCode.OK


def _render(
    report: Report, fmt: str, output: str | None, options: ReportOptions, rootdir: Path
) -> None:
    """Write ``report`` in format ``fmt`` to ``output`` (``None``/``-``: stdout)."""
    if fmt == "html":
        from pytest_signaltrace.report.html import write_html

        index = write_html(report, Path(output or HTML_DIR), options=options, rootdir=rootdir)
        print(f"Signal report written to {index}")
        return
    text = for_people(fmt, render_text(report, fmt, options))
    write_text(output or "-", text)
    if output not in (None, "-"):
        print(f"Signal report written to {output}")


def _configured_fail_under() -> float | str | None:
    """``fail_under`` of ``[tool.signaltrace]`` in ./pyproject.toml, like ``coverage report``
    reads its own; an error message when the table or the value is bad."""
    from pytest_signaltrace.settings import ConfigError, parse_percent

    table = checked_table(Path.cwd())
    if isinstance(table, str):
        return table
    value = table.get("fail_under")
    if value is None:
        return None
    try:
        return parse_percent(value, f"fail_under in [tool.signaltrace] of {PYPROJECT}")
    except ConfigError as exc:
        return str(exc)


def _options(args: argparse.Namespace) -> ReportOptions | str:
    """The report options: the command line over ``[tool.signaltrace]`` of ./pyproject.toml;
    an error message when the configuration is bad."""
    from pytest_signaltrace.settings import ConfigError, pyproject_report_options

    table = checked_table(Path.cwd())
    if isinstance(table, str):
        return table
    try:
        options = pyproject_report_options(table, PYPROJECT)
    except ConfigError as exc:
        return str(exc)
    if args.skip_covered:
        options = replace(options, skip_covered=True)
    if args.precision is not None:
        options = replace(options, precision=args.precision)
    if args.sort is not None:
        options = replace(options, sort=args.sort)
    return options


def _sort(value: str) -> str:
    """An argparse type: a sort key of the signal table, ``-`` in front for reverse."""
    from pytest_signaltrace.report.options import sort_error

    problem = sort_error(value)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return value.strip().lower()
