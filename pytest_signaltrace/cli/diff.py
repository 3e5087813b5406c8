"""``signaltrace diff --compare-branch=BRANCH``: the receivers and send sites a change touched
that never ran (``diffcover/``), like diff-cover."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_signaltrace.cli.common import ExitCode, add_datafile, percent, usage_error
from pytest_signaltrace.output import write_text

if TYPE_CHECKING:
    from pytest_signaltrace.cli.common import Commands


def add_parser(commands: Commands) -> None:
    """Add ``diff`` to the subcommands."""
    from pytest_signaltrace.diffcover.render import DIFF_FORMATS

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
        default="origin/main",
        metavar="BRANCH",
        help="branch to compare with (default: origin/main)",
    )
    diff.add_argument("--format", choices=DIFF_FORMATS, default="term", help="output format")
    diff.add_argument("--output", "-o", default="-", help="file to write (default: - for stdout)")
    diff.add_argument(
        "--fail-under",
        type=percent,
        metavar="MIN",
        help="exit with status 1 if fewer than MIN percent of the changed receivers and send "
        "sites ran",
    )


def run(args: argparse.Namespace) -> int:
    """Run ``signaltrace diff``; returns the exit status."""
    from pytest_signaltrace.data import DataFileError, read_data
    from pytest_signaltrace.diffcover.git import GitError, changed_lines, repository_prefix
    from pytest_signaltrace.diffcover.render import render_diff
    from pytest_signaltrace.diffcover.select import select_changed

    try:
        data = read_data(args.datafile)
    except DataFileError as exc:
        return usage_error(str(exc))
    root = Path(data.rootdir) if Path(data.rootdir).is_dir() else Path.cwd()
    try:
        changed = changed_lines(args.compare_branch, root)
        prefix = repository_prefix(root)
    except GitError as exc:
        return usage_error(str(exc))
    result = select_changed(data.build_report(), changed, prefix, args.compare_branch)
    try:
        write_text(args.output, render_diff(result, args.format))
    except OSError as exc:
        return usage_error(f"cannot write {args.output}: {exc.strerror or exc}")
    if args.fail_under is not None:
        from pytest_signaltrace.gate import check_fail_under

        gate = check_fail_under(result.totals, args.fail_under, subject="diff signal coverage")
        print(gate.message, file=sys.stderr)
        if not gate.passed:
            return ExitCode.FAILED
    return ExitCode.OK
