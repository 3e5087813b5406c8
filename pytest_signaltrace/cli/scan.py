"""``signaltrace scan [PATH]``: the static map (Markdown or JSON), and its ``--fail-on`` gate."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_signaltrace.cli.common import ExitCode, usage_error
from pytest_signaltrace.output import write_text
from pytest_signaltrace.report.text import printable
from pytest_signaltrace.report.words import counted

if TYPE_CHECKING:
    from pytest_signaltrace.cli.common import Commands
    from pytest_signaltrace.model import StaticMap

_SCAN_FORMATS = ("markdown", "json")


def add_parser(commands: Commands) -> None:
    """Add ``scan`` to the subcommands."""
    scan = commands.add_parser(
        "scan",
        help="statically map the signals under PATH (never imports your code)",
        description="Statically map the signals under PATH: definitions, receivers, send sites. "
        "Your code is parsed, never imported.",
    )
    scan.add_argument("path", nargs="?", default=".", help="folder to scan (default: .)")
    scan.add_argument(
        "--format",
        choices=_SCAN_FORMATS,
        help="output format (default: markdown; with --fail-on, no map unless asked for)",
    )
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
        help="name modules relative to DIR (relative to PATH; namespace packages, src layouts); "
        "repeatable",
    )
    scan.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="skip paths matching GLOB (relative to PATH, e.g. 'legacy/*'); repeatable",
    )
    scan.add_argument("--jobs", type=int, help="worker processes for large trees (1 = none)")
    scan.add_argument(
        "--fail-on",
        metavar="KINDS",
        help="exit with status 1 when the map has findings of these kinds, one line each: "
        "comma-separated, from dead,unused,never-sent,possibly-dead,possibly-unused,"
        "possibly-never-sent (a pre-commit gate)",
    )
    scan.add_argument(
        "--baseline",
        type=Path,
        metavar="FILE",
        help="findings accepted in FILE (see --write-baseline) do not fail --fail-on",
    )
    scan.add_argument(
        "--write-baseline",
        type=Path,
        metavar="FILE",
        help="write the current findings of --fail-on's kinds (dead,unused,never-sent, by "
        "default) to FILE",
    )


def run(args: argparse.Namespace) -> int:
    """Run ``signaltrace scan``; returns the exit status."""
    from pytest_signaltrace.cli.progress import ProgressLine
    from pytest_signaltrace.report.scan_json import render_scan_json
    from pytest_signaltrace.report.scan_markdown import render_scan_markdown
    from pytest_signaltrace.scan import scan
    from pytest_signaltrace.scan.cache import default_cache_dir, ensure_pytest_cache_marker

    root = Path(args.path)
    if not root.exists():
        return usage_error(f"path does not exist: {args.path}")
    if not root.is_dir():
        return usage_error(f"not a folder: {args.path}")
    if args.jobs is not None and args.jobs < 1:
        return usage_error("--jobs must be at least 1")
    # A relative --package-root is a folder of the scanned tree: resolve it against PATH,
    # not the current directory (``signaltrace scan ~/proj --package-root src``).
    package_roots = [root / p for p in args.package_root]
    for package_root in package_roots:
        if not package_root.is_dir():
            return usage_error(f"--package-root: not a folder: {package_root}")
    cache_dir = None
    if not args.no_cache:
        cache_dir = args.cache_dir or default_cache_dir(root.absolute())
        if args.cache_dir is None:
            ensure_pytest_cache_marker(cache_dir)
    progress = ProgressLine("scanning")
    try:
        static_map = scan(
            root,
            cache_dir=cache_dir,
            package_roots=package_roots,
            exclude=args.exclude,
            jobs=args.jobs,
            progress=progress,
        )
    finally:
        progress.close()
    gating = args.fail_on is not None or args.write_baseline is not None
    gate_only = gating and args.format is None and args.output == "-"
    if not gate_only:
        render = render_scan_json if args.format == "json" else render_scan_markdown
        text = render(static_map)
        if args.format != "json":  # source comments may hold ESC bytes: never send them raw
            text = printable(text)
            # A file name that is not valid UTF-8 (a lone surrogate here) is written escaped.
            text = text.encode("utf-8", "backslashreplace").decode("utf-8")
        try:
            write_text(args.output, text)
        except OSError as exc:
            return usage_error(f"cannot write {args.output}: {exc.strerror or exc}")
    for skipped in static_map.files_skipped:
        print(f"signaltrace: skipped {skipped.path}: {skipped.reason}", file=sys.stderr)
    return _scan_gate(args, static_map)


def _scan_gate(args: argparse.Namespace, static_map: StaticMap) -> int:
    """``--fail-on``, ``--baseline`` and ``--write-baseline`` of ``signaltrace scan``."""
    from pytest_signaltrace.gates import scan_gate as scangate

    if args.fail_on is None and args.write_baseline is None:
        return ExitCode.OK
    try:
        kinds = scangate.parse_kinds(args.fail_on or ",".join(scangate.DEFAULT_KINDS))
        baseline = scangate.read_baseline(args.baseline) if args.baseline else set()
    except (ValueError, scangate.BaselineError) as exc:
        return usage_error(f"--fail-on: {exc}" if isinstance(exc, ValueError) else str(exc))
    findings = scangate.find(static_map, kinds)
    if args.write_baseline is not None:
        try:
            scangate.write_baseline(args.write_baseline, findings)
        except OSError as exc:
            return usage_error(f"cannot write {args.write_baseline}: {exc.strerror or exc}")
        print(
            f"signaltrace: {counted(len(findings), 'finding')} written to "
            f"{args.write_baseline}",
            file=sys.stderr,
        )
        if args.fail_on is None:
            return ExitCode.OK
    new = scangate.new_findings(findings, baseline)
    for finding in new:
        print(printable(finding.describe()))
    if new:
        accepted = len(findings) - len(new)
        tail = f" ({accepted} more in the baseline)" if accepted else ""
        print(f"signaltrace: {counted(len(new), 'finding')}{tail}", file=sys.stderr)
        return ExitCode.FAILED
    baseline_text = f" beyond the {counted(len(findings), 'finding')} of the baseline"
    clean = scangate.clean_line(static_map, kinds) + (baseline_text if findings else "")
    print(f"signaltrace: {clean}", file=sys.stderr)
    return ExitCode.OK
