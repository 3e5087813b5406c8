"""The ``signaltrace`` command line: a thin layer over the scan, the data file and the reports.

* ``signaltrace scan [PATH]``: the static map (Markdown or JSON);
* ``signaltrace report [DATAFILE]``: the coverage report of a traced run, from its data file;
* ``signaltrace combine FILE...``: merge the data files of CI shards;
* ``signaltrace run -- COMMAND...``: trace a command that is not pytest (``runner.py``);
* ``signaltrace fix --dead [--unused-signals] [--write]``: remove dead receivers and unused
  signals with libcst (``fix/``), as a diff or in place;
* ``signaltrace diff --compare-branch=BRANCH``: the receivers and send sites a change touched
  that never ran (``diffcover/``), like diff-cover.

Exit statuses, coverage's: 0 ok, 1 below ``--fail-under`` (``report``, ``diff``) or findings
(``scan --fail-on``), 2 bad usage or an unusable data file; ``run`` exits with the command's
status.
"""

from __future__ import annotations

import argparse
import enum
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_signaltrace import DATA_FILE_ENV, DEFAULT_DATA_FILE, __version__, default_data_file
from pytest_signaltrace.output import write_text
from pytest_signaltrace.report import TEXT_FORMATS, render_text
from pytest_signaltrace.report.text import for_people, printable

if TYPE_CHECKING:
    from pytest_signaltrace.model import ReceiverRow, Report, StaticMap

    _Commands = argparse._SubParsersAction[argparse.ArgumentParser]


class ExitCode(enum.IntEnum):
    """What ``signaltrace`` exits with."""

    OK = 0
    #: Below ``--fail-under`` (``report``, ``diff``), or findings of ``scan --fail-on``.
    FAILED = 1
    #: Bad usage, an unusable data file.
    USAGE = 2


_SCAN_FORMATS = ("markdown", "json")
#: ``signaltrace report --format`` values.
REPORT_FORMATS = (*TEXT_FORMATS, "html")
#: Where ``--format html`` writes without ``--output``.
HTML_DIR = "signaltrace_html"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``signaltrace`` command."""
    parser = argparse.ArgumentParser(
        prog="signaltrace",
        description="Map Django and Celery signals, trace which receivers run, and report.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_scan(commands)
    _add_report(commands)
    _add_combine(commands)
    _add_run(commands)
    _add_diff(commands)
    _add_fix(commands)
    return parser


def _add_scan(commands: _Commands) -> None:
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
        "comma-separated, from dead,unused,never-sent (a pre-commit gate)",
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
        help="write the current findings of --fail-on's kinds (all, by default) to FILE",
    )


def _add_report(commands: _Commands) -> None:
    report = commands.add_parser(
        "report",
        help="report signal receiver coverage from a data file, without re-running",
        description="Render the report of a traced run (pytest --signal-report, signaltrace "
        "run, signaltrace combine) from its data file.",
    )
    _add_datafile(report)
    report.add_argument(
        "--format", choices=REPORT_FORMATS, default="term", help="output format (default: term)"
    )
    report.add_argument(
        "--output",
        "-o",
        metavar="FILE_OR_DIR",
        help=f"file to write, - for stdout (default: stdout; html: a folder, {HTML_DIR}/)",
    )
    report.add_argument(
        "--fail-under",
        type=_percent,
        metavar="MIN",
        help="exit with status 1 if the share of receivers that ran is below MIN percent "
        "(default: fail_under in [tool.signaltrace] of ./pyproject.toml, if any)",
    )


def _add_combine(commands: _Commands) -> None:
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


def _add_run(commands: _Commands) -> None:
    run = commands.add_parser(
        "run",
        help="trace a command that is not pytest (python manage.py test, python -m unittest)",
        description="Run COMMAND with the signals of its Python processes traced, then write "
        "the data file for 'signaltrace report'. Receivers are attributed to unittest test ids. "
        "Exits with the command's exit status.",
        usage="%(prog)s [--data-file FILE] [--source PATH]... [--no-cache] -- COMMAND...",
    )
    run.add_argument(
        "--data-file",
        type=Path,
        metavar="FILE",
        help=f"data file to write (default: ${DATA_FILE_ENV}, else data_file in "
        "[tool.signaltrace])",
    )
    run.add_argument(
        "--source",
        action="append",
        type=Path,
        default=[],
        metavar="PATH",
        help="folder to scan and trace; repeatable (default: source in [tool.signaltrace], "
        "else the current folder)",
    )
    run.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    run.add_argument(
        "argv", nargs=argparse.REMAINDER, metavar="COMMAND", help="the command to run, after --"
    )


def _add_datafile(command: argparse.ArgumentParser) -> None:
    """The optional DATAFILE argument of the commands that read a data file."""
    command.add_argument(
        "datafile",
        nargs="?",
        default=default_data_file(),
        type=Path,
        help=f"data file to read (default: ${DATA_FILE_ENV}, else {DEFAULT_DATA_FILE})",
    )


def _add_diff(commands: _Commands) -> None:
    from pytest_signaltrace.diffcover.render import DIFF_FORMATS

    diff = commands.add_parser(
        "diff",
        help="receivers and send sites changed since a branch that never ran (like diff-cover)",
        description="Report the receivers and send sites that the commits since BRANCH, the "
        "staged and the unstaged changes added or touched, and which of them never ran, from "
        "a data file. Exits with status 1 below --fail-under.",
    )
    _add_datafile(diff)
    diff.add_argument(
        "--compare-branch",
        default="origin/main",
        metavar="BRANCH",
        help="branch to compare with (default: origin/main)",
    )
    diff.add_argument("--format", choices=DIFF_FORMATS, default="term", help="output format")
    diff.add_argument("--output", "-o", default="-", help="file to write (default: - for stdout)")
    diff.add_argument(
        "--fail-under",
        type=_percent,
        metavar="MIN",
        help="exit with status 1 if fewer than MIN percent of the changed receivers and send "
        "sites ran",
    )


def _add_fix(commands: _Commands) -> None:
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    commands = {
        "scan": _scan,
        "report": _report,
        "combine": _combine,
        "run": _run,
        "diff": _diff,
        "fix": _fix,
    }
    return commands[args.command](args)


def _scan(args: argparse.Namespace) -> int:
    from pytest_signaltrace.progress import ProgressLine
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
    # A relative --package-root is a folder of the scanned tree: resolve it against PATH,
    # not the current directory (``signaltrace scan ~/proj --package-root src``).
    package_roots = [root / p for p in args.package_root]
    for package_root in package_roots:
        if not package_root.is_dir():
            return _usage_error(f"--package-root: not a folder: {package_root}")
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
            return _usage_error(f"cannot write {args.output}: {exc.strerror or exc}")
    for skipped in static_map.files_skipped:
        print(f"signaltrace: skipped {skipped.path}: {skipped.reason}", file=sys.stderr)
    return _scan_gate(args, static_map)


def _scan_gate(args: argparse.Namespace, static_map: StaticMap) -> int:
    """``--fail-on``, ``--baseline`` and ``--write-baseline`` of ``signaltrace scan``."""
    from pytest_signaltrace import scangate

    if args.fail_on is None and args.write_baseline is None:
        return ExitCode.OK
    try:
        kinds = scangate.parse_kinds(args.fail_on or ",".join(scangate.FINDING_KINDS))
        baseline = scangate.read_baseline(args.baseline) if args.baseline else set()
    except (ValueError, scangate.BaselineError) as exc:
        return _usage_error(f"--fail-on: {exc}" if isinstance(exc, ValueError) else str(exc))
    findings = scangate.find(static_map, kinds)
    if args.write_baseline is not None:
        try:
            scangate.write_baseline(args.write_baseline, findings)
        except OSError as exc:
            return _usage_error(f"cannot write {args.write_baseline}: {exc.strerror or exc}")
        print(
            f"signaltrace: {len(findings)} findings written to {args.write_baseline}",
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
        print(f"signaltrace: {len(new)} findings{tail}", file=sys.stderr)
        return ExitCode.FAILED
    return ExitCode.OK


def _report(args: argparse.Namespace) -> int:
    from pytest_signaltrace.data import DataFileError, read_data

    if args.format == "html" and args.output == "-":
        return _usage_error("--format html writes a folder: give --output DIR, not -")
    fail_under = args.fail_under
    if fail_under is None:  # bad configuration is refused before anything is written
        fail_under = _configured_fail_under()
        if isinstance(fail_under, str):
            return _usage_error(fail_under)
    try:
        data = read_data(args.datafile)
        report = data.build_report()
    except DataFileError as exc:
        return _usage_error(str(exc))
    try:
        _render(report, args.format, args.output)
    except OSError as exc:
        return _usage_error(f"cannot write {args.output}: {exc.strerror or exc}")
    if fail_under is not None:
        from pytest_signaltrace.gate import check_fail_under

        gate = check_fail_under(report.receiver_totals, fail_under, sources=list(data.sources))
        print(gate.message, file=sys.stderr)
        if not gate.passed:
            return ExitCode.FAILED
    return ExitCode.OK


def _render(report: Report, fmt: str, output: str | None) -> None:
    """Write ``report`` in format ``fmt`` to ``output`` (``None``/``-``: stdout)."""
    if fmt == "html":
        from pytest_signaltrace.report.html import write_html

        index = write_html(report, Path(output or HTML_DIR))
        print(f"Signal report written to {index}")
        return
    text = for_people(fmt, render_text(report, fmt))
    write_text(output or "-", text)
    if output not in (None, "-"):
        print(f"Signal report written to {output}")


def _combine(args: argparse.Namespace) -> int:
    from pytest_signaltrace.data import DataFileError, combine, read_data, write_data

    try:
        combined = combine((str(path), read_data(path)) for path in args.files)
    except DataFileError as exc:
        return _usage_error(str(exc))
    try:
        write_data(args.output, combined)
    except OSError as exc:
        return _usage_error(f"cannot write {args.output}: {exc.strerror or exc}")
    count = len(args.files)
    print(f"Combined {count} data file{'s' if count != 1 else ''} into {args.output}")
    return ExitCode.OK


@dataclass(frozen=True)
class _RunConfig:
    """What ``signaltrace run`` needs: the options, then ``[tool.signaltrace]``, then defaults."""

    command: list[str]
    rootdir: Path
    sources: list[Path]
    data_file: Path
    exclude: list[str]
    package_roots: list[Path]


def _run_config(args: argparse.Namespace) -> _RunConfig | str:
    """The configuration of ``signaltrace run``, or a usage error message."""
    from pytest_signaltrace.settings import as_list

    command = list(args.argv)
    if command[:1] == ["--"]:
        command = command[1:]
    if not command:
        return "run: no command given (signaltrace run -- python manage.py test)"
    rootdir = Path.cwd()
    table = _checked_table(rootdir)
    if isinstance(table, str):
        return table
    sources = [rootdir / s for s in args.source or as_list(table.get("source"))] or [rootdir]
    for source in sources:
        if not source.is_dir():
            return f"run: source is not a folder: {source}"
    data_file = args.data_file or Path(
        os.environ.get(DATA_FILE_ENV) or str(table.get("data_file") or DEFAULT_DATA_FILE)
    )
    return _RunConfig(
        command=command,
        rootdir=rootdir,
        sources=[s.resolve() for s in sources],
        data_file=rootdir / data_file,
        exclude=as_list(table.get("exclude")),
        package_roots=[(rootdir / p).resolve() for p in as_list(table.get("package_roots"))],
    )


def _run(args: argparse.Namespace) -> int:
    from pytest_signaltrace.progress import ProgressLine
    from pytest_signaltrace.runner import RunError, save_run, trace_command
    from pytest_signaltrace.scan.cache import default_cache_dir, ensure_pytest_cache_marker

    config = _run_config(args)
    if isinstance(config, str):
        return _usage_error(config)
    try:
        trace, result = trace_command(config.command, config.sources)
    except RunError as exc:
        return _usage_error(str(exc))
    cache_dir = None if args.no_cache else default_cache_dir(config.rootdir)
    if cache_dir is not None:
        ensure_pytest_cache_marker(cache_dir)
    progress = ProgressLine("scanning")
    try:
        save_run(
            trace,
            rootdir=config.rootdir,
            sources=config.sources,
            data_file=config.data_file,
            exclude=config.exclude,
            package_roots=config.package_roots,
            cache_dir=cache_dir,
            progress=progress,
        )
    except OSError as exc:
        return _usage_error(f"cannot write {config.data_file}: {exc.strerror or exc}")
    finally:
        progress.close()
    for note in result.bad_fragments:
        print(f"signaltrace: warning: unreadable trace fragment {note}", file=sys.stderr)
    if not result.fragments:
        print(
            "signaltrace: warning: no Python process of the command was traced (not Python, "
            "python -I/-S, or every process ended with os._exit)",
            file=sys.stderr,
        )
    return result.returncode


def _diff(args: argparse.Namespace) -> int:
    from pytest_signaltrace.data import DataFileError, read_data
    from pytest_signaltrace.diffcover.git import GitError, changed_lines, repository_prefix
    from pytest_signaltrace.diffcover.render import render_diff
    from pytest_signaltrace.diffcover.select import select_changed

    try:
        data = read_data(args.datafile)
    except DataFileError as exc:
        return _usage_error(str(exc))
    root = Path(data.rootdir) if Path(data.rootdir).is_dir() else Path.cwd()
    try:
        changed = changed_lines(args.compare_branch, root)
        prefix = repository_prefix(root)
    except GitError as exc:
        return _usage_error(str(exc))
    result = select_changed(data.build_report(), changed, prefix, args.compare_branch)
    try:
        write_text(args.output, render_diff(result, args.format))
    except OSError as exc:
        return _usage_error(f"cannot write {args.output}: {exc.strerror or exc}")
    if args.fail_under is not None:
        from pytest_signaltrace.gate import check_fail_under

        gate = check_fail_under(result.totals, args.fail_under, subject="diff signal coverage")
        print(gate.message, file=sys.stderr)
        if not gate.passed:
            return ExitCode.FAILED
    return ExitCode.OK


def _fix(args: argparse.Namespace) -> int:
    from pytest_signaltrace.fix.apply import run_fixes, write_fixes
    from pytest_signaltrace.fix.plan import plan_fixes
    from pytest_signaltrace.scan import scan
    from pytest_signaltrace.scan.cache import default_cache_dir
    from pytest_signaltrace.scan.files import discover

    root = Path(args.path)
    if not root.is_dir():
        return _usage_error(f"not a folder: {args.path}")
    if not (args.dead or args.unused_signals):
        return _usage_error("say what to fix: --dead and/or --unused-signals")
    runtime = None
    if args.data is not None:
        from pytest_signaltrace.data import DataFileError, read_data

        try:
            data = read_data(args.data)
        except DataFileError as exc:
            return _usage_error(str(exc))
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
            return _usage_error(f"cannot rewrite a file: {exc.strerror or exc}")
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


def _configured_fail_under() -> float | str | None:
    """``fail_under`` of ``[tool.signaltrace]`` in ./pyproject.toml, like ``coverage report``
    reads its own; an error message when the table or the value is bad."""
    from pytest_signaltrace.settings import ConfigError, parse_percent

    table = _checked_table(Path.cwd())
    if isinstance(table, str):
        return table
    value = table.get("fail_under")
    if value is None:
        return None
    try:
        return parse_percent(value, f"fail_under in [tool.signaltrace] of {_PYPROJECT}")
    except ConfigError as exc:
        return str(exc)


#: How messages name the configuration file of the current folder.
_PYPROJECT = "./pyproject.toml"


def _checked_table(rootdir: Path) -> dict[str, object] | str:
    """``[tool.signaltrace]`` of ``rootdir/pyproject.toml``, checked; else an error message."""
    from pytest_signaltrace.settings import ConfigError, check_table, pyproject_table

    try:
        table = pyproject_table(rootdir, strict=True)
        check_table(table, rootdir / "pyproject.toml")
    except ConfigError as exc:
        return str(exc)
    return table


def _percent(value: str) -> float:
    """An argparse type: a percent from 0 to 100 (``80``, ``80.5``; not ``80%``)."""
    from pytest_signaltrace.settings import ConfigError, parse_percent

    try:
        return parse_percent(value, "")
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _usage_error(message: str) -> int:
    print(f"signaltrace: error: {message}", file=sys.stderr)
    return ExitCode.USAGE
