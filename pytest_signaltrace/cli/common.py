"""What several subcommands of ``signaltrace`` share: exit statuses, arguments, errors."""

from __future__ import annotations

import enum
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_signaltrace import DATA_FILE_ENV, DEFAULT_DATA_FILE

if TYPE_CHECKING:  # argparse is imported where a parser is built (not by `signaltrace run`)
    import argparse

    from pytest_signaltrace.settings import Settings
    from pytest_signaltrace.settings.ini import IniFile

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
        default=None,
        help=f"data file to read (default: ${DATA_FILE_ENV}, else the configured data_file, "
        f"else {DEFAULT_DATA_FILE} in the rootdir: the pytest run's)",
    )


def load_settings(
    options: Mapping[str, tuple[str, Any]], *, scans: bool | None = False
) -> tuple[Settings, IniFile] | str:
    """The settings a pytest run started in the current folder would use (the pytest ini file
    pytest would find, ``[tool.signaltrace]`` of its rootdir's pyproject.toml), under the
    subcommand's ``options`` (setting key -> option name and value, ``None``: not given), and
    the ini file found; else the one-line error message. Source folders are checked when
    ``scans`` (``None``: as the pytest run would)."""
    from pytest_signaltrace.settings import ConfigError, FileSource, resolve_settings
    from pytest_signaltrace.settings.ini import locate_ini_file

    try:
        ini = locate_ini_file(Path.cwd())
        return resolve_settings(FileSource(ini, options), scans=scans), ini
    except ConfigError as exc:
        return str(exc)


def settings_and_data_file(
    options: Mapping[str, tuple[str, Any]], output: str | None = None
) -> tuple[Settings, Path] | str:
    """:func:`load_settings` for a subcommand that reads or writes the data file: the settings
    and the data file (as :func:`data_file_of` names it), else the one-line error message; a
    subcommand that reads it and writes its ``--output`` may not write over it."""
    from pytest_signaltrace.settings import output_error

    loaded = load_settings(options)
    if isinstance(loaded, str):
        return loaded
    datafile = data_file_of(loaded[0])
    if isinstance(datafile, str):
        return datafile
    return output_error(output, datafile) or (loaded[0], datafile)


def data_file_of(settings: Settings) -> Path | str:
    """The data file of ``settings``, relative to the current folder when inside it (as messages
    name it); else the message that the configuration names none."""
    if settings.data_file is None:
        origin = settings.origins.get("data_file", "data_file")
        return f"{origin}: no data file (empty or false); name the data file to use"
    return Path(shown(settings.data_file))


def shown(path: Path) -> str:
    """``path`` relative to the current folder (POSIX) when inside it, else as it is."""
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


def percent(value: str) -> float:
    """An argparse type: a percent from 0 to 100 (``80``, ``80.5``; not ``80%``)."""
    import argparse

    from pytest_signaltrace.settings import ConfigError, parse_percent

    try:
        return parse_percent(value, "")
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def decimal_places(value: str) -> int:
    """An argparse type: the decimal places of percentages (``--precision``), 0 to 10."""
    import argparse

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
