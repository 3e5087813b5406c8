"""The ``signaltrace`` command line: a thin layer over the scan, the data file and the reports.

* ``signaltrace scan [PATH]``: the static map (Markdown or JSON);
* ``signaltrace report [DATAFILE]``: the coverage report of a traced run, from its data file;
* ``signaltrace combine FILE...``: merge the data files of CI shards;
* ``signaltrace run -- COMMAND...``: trace a command that is not pytest (``runner.py``);
* ``signaltrace fix --dead [--unused-signals] [--write]``: remove dead receivers and unused
  signals with libcst (``fix/``), as a diff or in place;
* ``signaltrace diff --compare-branch=BRANCH``: the receivers and send sites a change touched
  that never ran (``diffcover/``), like diff-cover;
* ``signaltrace debug config``: every effective setting and where it came from.

The subcommands that read configuration read the pytest run's (``common.load_settings``).

One module per subcommand, each with ``add_parser`` and ``run``; ``common`` holds what several
share. Exit statuses, coverage's: 0 ok, 1 below ``--fail-under`` (``report``, ``diff``) or
findings (``scan --fail-on``), 2 bad usage or an unusable data file; ``run`` exits with the
command's status.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

from pytest_signaltrace import __version__
from pytest_signaltrace.cli.common import ExitCode

if TYPE_CHECKING:  # imported when a parser is built: `signaltrace run` parses its own options
    import argparse

__all__ = ["ExitCode", "build_parser", "console_main", "main"]

#: The subcommands (modules of this package), in the order ``--help`` lists them. Each is
#: imported only when its parser is built: ``signaltrace run`` pays for no other subcommand's
#: imports (the report's, the fixer's) on top of the command it traces.
_COMMANDS = ("scan", "report", "combine", "run", "diff", "fix", "debug")


def _command(name: str) -> ModuleType:
    return importlib.import_module(f"{__name__}.{name}")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser of the ``signaltrace`` command (with ``only``: of that subcommand
    alone, which parses its arguments as the whole parser does)."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="signaltrace",
        description="Map Django and Celery signals, trace which receivers run, and report.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in _COMMANDS if only is None else (only,):
        _command(name).add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    given = sys.argv[1:] if argv is None else list(argv)
    args: Any = None
    if given[:1] == ["run"]:
        # `signaltrace run` pays its start-up on top of the command it traces: its usual
        # options are read without argparse; help, an error or any other form goes on below.
        from pytest_signaltrace.cli.run import parse_run_options

        args = parse_run_options(given[1:])
    if args is None:
        # A subcommand named first needs no other's parser (the rest of the line is its own).
        parser = build_parser(given[0] if given and given[0] in _COMMANDS else None)
        args = parser.parse_args(given)
    command: Callable[[argparse.Namespace], int] = _command(args.command).run
    try:
        return command(args)
    except BrokenPipeError:
        # The reader went away (`signaltrace scan | head`): not an error of ours, and no
        # traceback. Point stdout at devnull so that the flush at exit cannot raise it again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return ExitCode.FAILED


def console_main() -> int:
    """The ``signaltrace`` command and ``python -m pytest_signaltrace``: :func:`main`, then,
    after ``signaltrace run``, the exit without the interpreter's teardown.

    Freeing every module and object one by one costs ``signaltrace run``'s process about 20 M
    instructions on top of the command it traced, for nothing: its output is written and
    closed. So once its streams are flushed and its ``atexit`` functions have run, it leaves
    with ``os._exit`` (as mypy does), unless a thread other than the main one still runs
    (the teardown would wait for it) or a stream cannot be flushed (then the teardown reports
    it as ever). Every other subcommand ends as a Python program does.
    """
    status = main()
    if sys.argv[1:2] == ["run"] and type(status) in (int, ExitCode) and 0 <= status <= 255:
        _exit_at_once(status)
    return status


def _exit_at_once(status: int) -> None:
    """``os._exit(status)`` once nothing is left to do but the teardown; else return."""
    import atexit

    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        return
    atexit._run_exitfuncs()
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        return
    os._exit(status)
