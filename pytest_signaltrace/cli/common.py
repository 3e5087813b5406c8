"""What several subcommands of ``signaltrace`` share: exit statuses, arguments, errors."""

from __future__ import annotations

import argparse
import enum
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_signaltrace import DATA_FILE_ENV, DEFAULT_DATA_FILE, default_data_file

if TYPE_CHECKING:
    Commands = argparse._SubParsersAction[argparse.ArgumentParser]


class ExitCode(enum.IntEnum):
    """What ``signaltrace`` exits with."""

    OK = 0
    #: Below ``--fail-under`` (``report``, ``diff``), or findings of ``scan --fail-on``.
    FAILED = 1
    #: Bad usage, an unusable data file.
    USAGE = 2


def add_datafile(command: argparse.ArgumentParser) -> None:
    """The optional DATAFILE argument of the commands that read a data file."""
    command.add_argument(
        "datafile",
        nargs="?",
        default=default_data_file(),
        type=Path,
        help=f"data file to read (default: ${DATA_FILE_ENV}, else {DEFAULT_DATA_FILE})",
    )


#: How messages name the configuration file of the current folder.
PYPROJECT = "./pyproject.toml"


def checked_table(rootdir: Path) -> dict[str, object] | str:
    """``[tool.signaltrace]`` of ``rootdir/pyproject.toml``, checked; else an error message."""
    from pytest_signaltrace.settings import ConfigError, check_table, pyproject_table

    try:
        table = pyproject_table(rootdir, strict=True)
        check_table(table, rootdir / "pyproject.toml")
    except ConfigError as exc:
        return str(exc)
    return table


def percent(value: str) -> float:
    """An argparse type: a percent from 0 to 100 (``80``, ``80.5``; not ``80%``)."""
    from pytest_signaltrace.settings import ConfigError, parse_percent

    try:
        return parse_percent(value, "")
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def decimal_places(value: str) -> int:
    """An argparse type: the decimal places of percentages (``--precision``), 0 to 10."""
    from pytest_signaltrace.report.options import precision_error

    number: object = int(value) if value.strip().lstrip("-").isdigit() else value
    problem = precision_error(number)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return int(value)


def usage_error(message: str) -> int:
    """Print ``message`` as ``signaltrace: error: ...``; returns the usage exit status."""
    print(f"signaltrace: error: {message}", file=sys.stderr)
    return ExitCode.USAGE
