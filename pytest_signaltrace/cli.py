"""The ``signaltrace`` command line: ``signaltrace scan [PATH]``."""

from __future__ import annotations

import argparse
import enum
import sys
from collections.abc import Sequence
from pathlib import Path

from pytest_signaltrace import __version__
from pytest_signaltrace.output import write_text


class ExitCode(enum.IntEnum):
    """What ``signaltrace`` exits with."""

    OK = 0
    #: Reserved for gates (``--fail-under``) in later commands.
    FAILED = 1
    USAGE = 2


_FORMATS = ("markdown", "json")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``signaltrace`` command."""
    parser = argparse.ArgumentParser(
        prog="signaltrace",
        description="Map Django and Celery signals: definitions, receivers and send sites.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    scan = commands.add_parser(
        "scan",
        help="statically map the signals under PATH (never imports your code)",
        description="Statically map the signals under PATH: definitions, receivers, send sites. "
        "Your code is parsed, never imported.",
    )
    scan.add_argument("path", nargs="?", default=".", help="folder to scan (default: .)")
    scan.add_argument("--format", choices=_FORMATS, default="markdown", help="output format")
    scan.add_argument("--output", "-o", default="-", help="file to write (default: - for stdout)")
    scan.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    scan.add_argument(
        "--cache-dir",
        type=Path,
        help="cache folder (default: PATH/.pytest_cache/d/signaltrace)",
    )
    scan.add_argument(
        "--package-root",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help="name modules relative to DIR (namespace packages, src layouts); repeatable",
    )
    scan.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="skip paths matching GLOB (relative to PATH, e.g. 'legacy/*'); repeatable",
    )
    scan.add_argument("--jobs", type=int, help="worker processes for large trees (1 = none)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    commands = {"scan": _scan}
    return commands[args.command](args)


def _scan(args: argparse.Namespace) -> int:
    from pytest_signaltrace.report.scan_json import render_scan_json
    from pytest_signaltrace.report.scan_markdown import render_scan_markdown
    from pytest_signaltrace.scan import scan
    from pytest_signaltrace.scan.cache import default_cache_dir, ensure_pytest_cache_marker

    root = Path(args.path)
    if not root.exists():
        return _usage_error(f"path does not exist: {args.path}")
    if not root.is_dir():
        return _usage_error(f"not a folder: {args.path}")
    if args.jobs is not None and args.jobs < 1:
        return _usage_error("--jobs must be at least 1")
    cache_dir = None
    if not args.no_cache:
        cache_dir = args.cache_dir or default_cache_dir(root.absolute())
        if args.cache_dir is None:
            ensure_pytest_cache_marker(cache_dir)
    static_map = scan(
        root,
        cache_dir=cache_dir,
        package_roots=args.package_root,
        exclude=args.exclude,
        jobs=args.jobs,
    )
    render = render_scan_json if args.format == "json" else render_scan_markdown
    text = render(static_map)
    try:
        write_text(args.output, text)
    except OSError as exc:
        return _usage_error(f"cannot write {args.output}: {exc.strerror or exc}")
    for skipped in static_map.files_skipped:
        print(f"signaltrace: skipped {skipped.path}: {skipped.reason}", file=sys.stderr)
    return ExitCode.OK


def _usage_error(message: str) -> int:
    print(f"signaltrace: error: {message}", file=sys.stderr)
    return ExitCode.USAGE
