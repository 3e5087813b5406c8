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

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from types import ModuleType

from pytest_signaltrace import __version__
from pytest_signaltrace.cli import combine, debug, diff, fix, report, run, scan
from pytest_signaltrace.cli.common import ExitCode

__all__ = ["ExitCode", "build_parser", "main"]

#: The subcommands, in the order ``--help`` lists them.
_COMMANDS: dict[str, ModuleType] = {
    "scan": scan,
    "report": report,
    "combine": combine,
    "run": run,
    "diff": diff,
    "fix": fix,
    "debug": debug,
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``signaltrace`` command."""
    parser = argparse.ArgumentParser(
        prog="signaltrace",
        description="Map Django and Celery signals, trace which receivers run, and report.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in _COMMANDS.values():
        module.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    command: Callable[[argparse.Namespace], int] = _COMMANDS[args.command].run
    try:
        return command(args)
    except BrokenPipeError:
        # The reader went away (`signaltrace scan | head`): not an error of ours, and no
        # traceback. Point stdout at devnull so that the flush at exit cannot raise it again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return ExitCode.FAILED
