"""``signaltrace fix --dead [--unused-signals] [--write]``: remove dead receivers and unused
signals with libcst (``fix/``), as a diff or in place."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_signaltrace.cli.common import ExitCode, usage_error

if TYPE_CHECKING:
    from pytest_signaltrace.cli.common import Commands
    from pytest_signaltrace.model import ReceiverRow


def add_parser(commands: Commands) -> None:
    """Add ``fix`` to the subcommands."""
    fix = commands.add_parser(
        "fix",
        help="remove dead receivers and unused signals (a diff, or --write)",
        description="Remove what the static map calls dead: receivers whose signal nothing "
        "sends (--dead) and signals nothing sends or receives (--unused-signals), with the "
        "imports this leaves unused. Prints a unified diff unless --write. 'Possibly dead' "
        "receivers are never touched.",
    )
    fix.add_argument("path", nargs="?", default=".", help="folder to fix (default: .)")
    fix.add_argument("--dead", action="store_true", help="remove dead receivers")
    fix.add_argument(
        "--unused-signals", action="store_true", help="remove unused signal definitions"
    )
    fix.add_argument(
        "--pragma",
        action="store_true",
        help="mark dead receivers with '# pragma: no signal cover' instead of removing them",
    )
    fix.add_argument("--write", action="store_true", help="rewrite the files in place")
    fix.add_argument(
        "--data",
        type=Path,
        metavar="FILE",
        help="a run's data file: only receivers that also never ran (and whose signal was "
        "never sent) at run time are touched",
    )
    fix.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    fix.add_argument(
        "--exclude", action="append", default=[], metavar="GLOB", help="skip paths; repeatable"
    )


def run(args: argparse.Namespace) -> int:
    """Run ``signaltrace fix``; returns the exit status."""
    from pytest_signaltrace.fix.apply import run_fixes, write_fixes
    from pytest_signaltrace.fix.plan import plan_fixes
    from pytest_signaltrace.scan import scan
    from pytest_signaltrace.scan.cache import default_cache_dir
    from pytest_signaltrace.scan.files import discover

    root = Path(args.path)
    if not root.is_dir():
        return usage_error(f"not a folder: {args.path}")
    if not (args.dead or args.unused_signals):
        return usage_error("say what to fix: --dead and/or --unused-signals")
    runtime = None
    if args.data is not None:
        from pytest_signaltrace.datafile.data import DataFileError, read_data

        try:
            data = read_data(args.data)
        except DataFileError as exc:
            return usage_error(str(exc))
        runtime = _rows_under(data.build_report().receivers, data.rootdir, root)
    cache_dir = None if args.no_cache else default_cache_dir(root.absolute())
    static_map = scan(root, cache_dir=cache_dir, exclude=args.exclude)
    sources = {
        f.relpath: f.data.decode("utf-8", "replace")
        for f in discover(root, exclude=args.exclude).files
    }
    plans = plan_fixes(
        static_map,
        sources,
        dead=args.dead,
        unused_signals=args.unused_signals and not args.pragma,
        runtime=runtime,
    )
    result = run_fixes(root, plans, pragma=args.pragma)
    for path, reason in result.failed:
        print(f"signaltrace: cannot fix {path}: {reason}", file=sys.stderr)
    for path, line in result.unmatched:
        print(
            f"signaltrace: {path}:{line}: no code to fix there (changed since the scan?)",
            file=sys.stderr,
        )
    if args.write:
        try:
            write_fixes(root, result)
        except OSError as exc:
            return usage_error(f"cannot rewrite a file: {exc.strerror or exc}")
        print(f"signaltrace: {len(result.changes)} files fixed", file=sys.stderr)
    else:
        sys.stdout.write(result.diff())
    return ExitCode.USAGE if result.failed else ExitCode.OK


def _rows_under(rows: Sequence[ReceiverRow], rootdir: str, folder: Path) -> list[ReceiverRow]:
    """``rows`` (paths relative to ``rootdir``) under ``folder``, with paths relative to it."""
    import dataclasses
    import os

    prefix = Path(os.path.relpath(folder.resolve(), Path(rootdir).resolve())).as_posix()
    if prefix == ".":
        return list(rows)
    return [
        dataclasses.replace(row, path=row.path[len(prefix) + 1 :])
        for row in rows
        if row.path.startswith(prefix + "/")
    ]
