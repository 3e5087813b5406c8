"""``signaltrace diff --compare-branch=BRANCH``: the receivers and send sites a change touched
that never ran (``diffcover/``), like diff-cover."""

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
from pytest_signaltrace.gates.diff import DEFAULT_COMPARE_BRANCH, DIFF_FORMATS
from pytest_signaltrace.output import write_text

if TYPE_CHECKING:
    from pytest_signaltrace.cli.common import Commands


def add_parser(commands: Commands) -> None:
    """Add ``diff`` to the subcommands."""
    diff = commands.add_parser(
        "diff",
        help="receivers and send sites changed since a branch that never ran (like diff-cover)",
        description="Report the receivers and send sites that the commits since BRANCH, the "
        "staged and the unstaged changes added or touched, and which of them never ran, from "
        "a data file. Exits with status 1 below --fail-under.",
    )
    add_datafile(diff)
    diff.add_argument(
        "--compare-branch",
        metavar="BRANCH",
        help="branch to compare with (default: the configured diff_compare_branch, else "
        f"{DEFAULT_COMPARE_BRANCH})",
    )
    diff.add_argument("--format", choices=DIFF_FORMATS, default="term", help="output format")
    diff.add_argument("--output", "-o", default="-", help="file to write (default: - for stdout)")
    diff.add_argument(
        "--fail-under",
        type=percent,
        metavar="MIN",
        help="exit with status 1 if fewer than MIN percent of the changed receivers and send "
        "sites ran (default: the configured diff_fail_under, if any)",
    )
    diff.add_argument(
        "--precision",
        type=decimal_places,
        metavar="N",
        help="decimal places of the percentages and of the --fail-under comparison (default: "
        "the configured precision, else 2)",
    )


def run(args: argparse.Namespace) -> int:
    """Run ``signaltrace diff``; returns the exit status."""
    from pytest_signaltrace.datafile.data import DataFileError, read_data
    from pytest_signaltrace.gates.diff.git import GitError
    from pytest_signaltrace.gates.diff.judge import diff_of, judge_diff
    from pytest_signaltrace.gates.diff.render import render_diff
    from pytest_signaltrace.merge.replay import report_of

    # The pytest run's configuration; a bad one is refused before anything is written.
    loaded = settings_and_data_file(
        {
            "data_file": ("DATAFILE", args.datafile),
            "diff_compare_branch": ("--compare-branch", args.compare_branch),
            "diff_fail_under": ("--fail-under", args.fail_under),
            "precision": ("--precision", args.precision),
        },
        output=args.output,
    )
    if isinstance(loaded, str):
        return usage_error(loaded)
    settings, datafile = loaded
    compare_branch = settings.diff_compare_branch or DEFAULT_COMPARE_BRANCH
    precision = settings.report_options.precision
    try:
        data = read_data(datafile)
    except DataFileError as exc:
        return usage_error(str(exc))
    root = Path(data.rootdir) if Path(data.rootdir).is_dir() else Path.cwd()
    try:
        result = diff_of(report_of(data), root, compare_branch)
    except GitError as exc:
        return usage_error(str(exc))
    try:
        write_text(args.output, render_diff(result, args.format, precision))
    except OSError as exc:
        return usage_error(f"cannot write {args.output}: {exc.strerror or exc}")
    if settings.diff_fail_under is not None:
        from pytest_signaltrace.gates.diff.judge import diff_not_checked
        from pytest_signaltrace.gates.fail_under import skipped_files_reason

        # As the pytest gate: a source file the scan skipped has receivers nobody counted.
        skipped = skipped_files_reason(
            data.static.files_skipped, [*settings.exclude, *data.exclude]
        )
        gate = (
            diff_not_checked(settings.diff_fail_under, skipped)
            if skipped is not None
            else judge_diff(result, settings.diff_fail_under, precision)
        )
        print(gate.message, file=sys.stderr)
        if not gate.passed:
            return ExitCode.FAILED
    return ExitCode.OK
