"""``signaltrace combine FILE...``: merge the data files of CI shards into one."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_signaltrace import DATA_FILE_ENV, DEFAULT_DATA_FILE, default_data_file
from pytest_signaltrace.cli.common import ExitCode, usage_error

if TYPE_CHECKING:
    from pytest_signaltrace.cli.common import Commands


def add_parser(commands: Commands) -> None:
    """Add ``combine`` to the subcommands."""
    combine = commands.add_parser(
        "combine",
        help="merge the data files of parallel runs (CI jobs, matrix shards) into one",
        description="Merge data files of runs of the same source: counts are summed, test "
        "lists united, statuses recomputed when reporting. Data files whose static maps differ "
        "(another commit or other settings) are refused.",
    )
    combine.add_argument("files", nargs="+", type=Path, metavar="FILE", help="data files")
    combine.add_argument(
        "--output",
        "-o",
        type=Path,
        default=Path(default_data_file()),
        help=f"data file to write (default: ${DATA_FILE_ENV}, else {DEFAULT_DATA_FILE})",
    )


def run(args: argparse.Namespace) -> int:
    """Run ``signaltrace combine``; returns the exit status."""
    from pytest_signaltrace.data import DataFileError, combine, read_data, write_data

    try:
        combined = combine((str(path), read_data(path)) for path in args.files)
    except DataFileError as exc:
        return usage_error(str(exc))
    try:
        write_data(args.output, combined)
    except OSError as exc:
        return usage_error(f"cannot write {args.output}: {exc.strerror or exc}")
    count = len(args.files)
    print(f"Combined {count} data file{'s' if count != 1 else ''} into {args.output}")
    return ExitCode.OK
