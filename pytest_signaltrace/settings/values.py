"""Parsing and checking one setting's value: a percent, a report type, a branch, folders, paths."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from pytest_signaltrace.settings.model import (
    REPORT_TYPES,
    SKIP_COVERED,
    ConfigError,
    ReportRequest,
)


def branch_error(branch: str) -> str | None:
    """Why ``branch`` cannot name a branch or commit for git (``None`` when it can)."""
    if branch.startswith("-"):
        return f"{branch!r} is not a branch name (it starts with -)"
    if any(char.isspace() or not char.isprintable() for char in branch):
        return f"{branch!r} is not a branch name (git names hold no spaces or control characters)"
    return None


#: Suffixes of the files the scan reads: no report is one of them.
_SOURCE_SUFFIXES = (".py", ".pyi", ".pyw")


def destination_error(destination: Path, data_file: Path | None) -> str | None:
    """Why a report may not be written to ``destination`` (``None`` when it may), to follow
    ``"<destination> is "``: it is the
    data file (a report over it destroys the run's data), or a Python source file (the scan
    reads those: ``json:app/signals.py`` would overwrite code). Symlinks are followed, as the
    writer follows them."""
    target = Path(os.path.realpath(destination))
    if data_file is not None and target == Path(os.path.realpath(data_file)):
        return "the data file: a report there would destroy the run's data"
    if target.suffix.lower() in _SOURCE_SUFFIXES or destination.suffix.lower() in _SOURCE_SUFFIXES:
        return "a Python source file: a report there would overwrite code"
    return None


def output_error(output: str | None, data_file: Path | None) -> str | None:
    """Why a command may not write to ``--output`` (``None``: it may; ``-`` is stdout)."""
    if output is None or output == "-":
        return None
    problem = destination_error(Path(output), data_file)
    return f"--output {output} is {problem}" if problem else None


def check_folders(paths: Sequence[Path], origin: str) -> None:
    for path in paths:
        if not path.exists():
            raise ConfigError(f"{origin}: no such folder: {path}")
        if not path.is_dir():
            raise ConfigError(f"{origin}: not a folder: {path}")


def parse_report(value: str, origin: str = "--signal-report") -> ReportRequest:
    kind, _, destination = str(value).partition(":")
    kind = kind.strip() or "term"
    if kind not in REPORT_TYPES:
        raise ConfigError(
            f"{origin}: unknown report type {kind!r}; choose from {', '.join(REPORT_TYPES)}"
        )
    if destination == SKIP_COVERED and kind in ("term", "term-missing"):
        return ReportRequest(kind, None, skip_covered=True)
    if destination and REPORT_TYPES[kind] is None:
        raise ConfigError(
            f"{origin}: {kind!r} prints to the terminal; it takes no DEST "
            f"(only :{SKIP_COVERED}, as pytest-cov's)"
        )
    return ReportRequest(kind, destination or REPORT_TYPES[kind])


def parse_percent(value: object, origin: str = "--signal-fail-under") -> float:
    """A percent from 0 to 100, written as a number (``80``, ``80.5``; not ``80%``, as
    pytest-cov and coverage take it); raises :class:`ConfigError` naming ``origin``."""
    name = f"{origin}: " if origin else ""
    text = str(value).strip()
    if isinstance(value, bool):
        raise ConfigError(f"{name}{value!r} is not a number (a percent from 0 to 100)")
    if text.endswith("%"):
        raise ConfigError(
            f"{name}{value!r} is not a number; write {text.rstrip('%').strip()}, without %"
        )
    try:
        number = float(text)
    except ValueError:
        raise ConfigError(f"{name}{value!r} is not a number (a percent from 0 to 100)") from None
    if not 0 <= number <= 100:  # also refuses nan
        raise ConfigError(f"{name}{value!r} is not between 0 and 100")
    return number


def parse_durations(value: object, origin: str = "--signal-durations") -> int:
    """How many of the slowest receivers to show: a whole number >= 0 (``0``: all, as pytest's
    ``--durations=0``); raises :class:`ConfigError` naming ``origin``."""
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit():
        raise ConfigError(f"{origin}: {value!r} is not a whole number >= 0 (0: every receiver)")
    return int(text)


def as_list(value: object) -> list[str]:
    """A configuration value as a list of strings (a single string is a list of one)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence):
        return [str(v) for v in value]
    return [str(value)]


def resolved_paths(values: Sequence[str] | None, rootdir: Path) -> tuple[Path, ...]:
    return tuple((rootdir / v) if not Path(v).is_absolute() else Path(v) for v in values or ())
