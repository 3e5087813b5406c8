"""``signaltrace combine [FILE...]``: merge the data files of CI shards into one.

Without FILEs, like ``coverage combine``: the parallel data files (``parallel = true``) beside
the data file are combined into it and deleted unless ``--keep``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_signaltrace import DATA_FILE_ENV, DEFAULT_DATA_FILE
from pytest_signaltrace.cli.common import (
    ExitCode,
    settings_and_data_file,
    shown,
    usage_error,
)

if TYPE_CHECKING:
    from pytest_signaltrace.cli.common import Commands


def add_parser(commands: Commands) -> None:
    """Add ``combine`` to the subcommands."""
    combine = commands.add_parser(
        "combine",
        help="merge the data files of parallel runs (CI jobs, matrix shards) into one",
        description="Merge data files of runs of the same source: counts are summed, test "
        "lists united, statuses recomputed when reporting. Data files whose static maps differ "
        "(another commit or other settings) are refused; data already included (the same file "
        "twice, a previous output) is skipped. Without FILEs, the parallel data files "
        "(parallel = true) beside the output are combined into it, then deleted unless --keep.",
    )
    combine.add_argument(
        "files",
        nargs="*",
        type=Path,
        metavar="FILE",
        help="data files (default: the parallel data files beside --output)",
    )
    combine.add_argument(
        "--output",
        "-o",
        help=f"data file to write (default: ${DATA_FILE_ENV}, else the configured data_file, "
        f"else {DEFAULT_DATA_FILE} in the rootdir: the pytest run's)",
    )
    combine.add_argument(
        "--append",
        action="store_true",
        help="add to the data in --output instead of replacing it (like coverage combine "
        "--append)",
    )
    combine.add_argument(
        "--keep",
        action="store_true",
        help="keep the parallel data files combined (default: delete them)",
    )


def run(args: argparse.Namespace) -> int:
    """Run ``signaltrace combine``; returns the exit status."""
    from pytest_signaltrace.datafile.data import DataFileError, combine, read_data, write_data
    from pytest_signaltrace.datafile.paths import parallel_files

    loaded = settings_and_data_file({"data_file": ("--output", args.output)})
    if isinstance(loaded, str):
        return usage_error(loaded)
    output = loaded[1]
    files: list[Path] = list(args.files)
    found = not files
    if found:
        files = parallel_files(output)
        if not files:
            return usage_error(
                f"no data files to combine: no parallel data files {shown(output)}.* "
                "(parallel = true); name the files to combine"
            )
    inputs = list(files)
    if args.append and output.exists():
        inputs.insert(0, output)

    left_out: list[str] = []

    def skipped(name: str, reason: str) -> None:
        left_out.append(name)
        print(f"signaltrace: skipped {name}: {reason}", file=sys.stderr)

    try:
        combined = combine(((shown(path), read_data(path)) for path in inputs), on_skip=skipped)
    except DataFileError as exc:
        return usage_error(str(exc))
    try:
        write_data(output, combined)
    except OSError as exc:
        return usage_error(f"cannot write {shown(output)}: {exc.strerror or exc}")
    # Only the files whose data went in: a skipped one (already included) is not "combined"
    # (with --append the output comes first, so it is never the one skipped).
    count = len(files) - len(left_out)
    print(f"Combined {count} data file{'s' if count != 1 else ''} into {shown(output)}")
    if found and not args.keep:
        for path in files:
            path.unlink(missing_ok=True)
    return ExitCode.OK
