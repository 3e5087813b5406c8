"""``signaltrace fix --dead [--unused-signals] [--write]``: remove dead receivers and unused
signals with libcst (``fix/``), as a diff or in place.

The most conservative part of the product: it acts only on certain verdicts of the whole
project's scan (whatever folder it is given: the folder only limits what is rewritten), uses the
run's data file when there is one and refuses when that data does not match the tree, never
writes outside the scanned tree nor through a symlink, and writes all the files or none.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_signaltrace.cli.common import ExitCode, shown, usage_error
from pytest_signaltrace.report.words import counted

if TYPE_CHECKING:
    from pytest_signaltrace.cli.common import Commands
    from pytest_signaltrace.fix.apply import FixResult
    from pytest_signaltrace.fix.evidence import RunEvidence
    from pytest_signaltrace.fix.project import Project
    from pytest_signaltrace.model import StaticMap


#: How many times a plan is made again, leaving alone what the transform could not match.
_ROUNDS = 5


def add_parser(commands: Commands) -> None:
    """Add ``fix`` to the subcommands."""
    fix = commands.add_parser(
        "fix",
        help="remove dead receivers and unused signals (a diff, or --write)",
        description="Remove what the static map of the whole project calls dead: receivers "
        "whose signal nothing sends (--dead) and signals nothing sends, receives or names "
        "(--unused-signals), with the imports this leaves unused. Prints a unified diff unless "
        "--write. 'Possibly dead' receivers are never touched. The run's data file is used "
        "when there is one (--no-data: not).",
    )
    fix.add_argument(
        "path",
        nargs="?",
        default=".",
        help="folder whose files may be rewritten (default: .); verdicts always come from "
        "the whole project",
    )
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
    data = fix.add_mutually_exclusive_group()
    data.add_argument(
        "--data",
        type=Path,
        metavar="FILE",
        help="a run's data file: only receivers that also never ran (and whose signal was "
        "never sent) at run time are touched (default: the configured data file, "
        ".signaltrace, when it exists)",
    )
    data.add_argument(
        "--no-data", action="store_true", help="ignore the run's data file: static verdicts only"
    )
    fix.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    fix.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="never rewrite paths matching GLOB (they are still scanned); repeatable",
    )


def run(args: argparse.Namespace) -> int:
    """Run ``signaltrace fix``; returns the exit status."""
    from pytest_signaltrace.fix.apply import FixRefused, write_fixes
    from pytest_signaltrace.fix.evidence import StaleEvidence
    from pytest_signaltrace.fix.project import find_project

    folder = Path(args.path)
    if not folder.is_dir():
        return usage_error(f"not a folder: {args.path}")
    if not (args.dead or args.unused_signals):
        return usage_error("say what to fix: --dead and/or --unused-signals")
    project = find_project(folder)
    if isinstance(project, str):
        return usage_error(project)
    evidence = _evidence(args, project)
    if isinstance(evidence, str):
        return usage_error(evidence)
    static_map = _scan(project, no_cache=args.no_cache)
    try:
        findings, result = _fix(args, project, folder, static_map, evidence)
    except StaleEvidence as exc:
        return usage_error(str(exc))
    if not args.write:
        _write_out(result.diff())
        print(f"signaltrace: {_checked(static_map, args, findings)}", file=sys.stderr)
        return ExitCode.OK if result.clean else ExitCode.USAGE
    if not result.clean:
        return usage_error("not every planned change applied: nothing written")
    try:
        write_fixes(project.rootdir, result)
    except FixRefused as exc:
        return usage_error(str(exc))
    except OSError as exc:
        return usage_error(f"cannot rewrite a file: {exc.strerror or exc}; every file put back")
    checked = _checked(static_map, args, findings, hint="")
    print(f"signaltrace: {checked}; {counted(len(result.changes), 'file')} fixed", file=sys.stderr)
    return ExitCode.OK


def _fix(
    args: argparse.Namespace,
    project: Project,
    folder: Path,
    static_map: StaticMap,
    evidence: RunEvidence | None,
) -> tuple[int, FixResult]:
    """Plan and apply in memory: the number of findings and the result. A registration the
    transform cannot match is left alone with what depends on it, and the plan made again.
    Raises :class:`~pytest_signaltrace.fix.evidence.StaleEvidence`."""
    from pytest_signaltrace.fix.apply import run_fixes
    from pytest_signaltrace.fix.plan import plan_fixes
    from pytest_signaltrace.fix.project import Writable, project_texts, python_scripts

    writable = Writable(project.rootdir, folder, tuple(args.exclude))
    scripts = python_scripts(project.rootdir)
    texts = {**project_texts(project, static_map), **scripts}
    blocked: set[tuple[str, int]] = set()
    for _ in range(_ROUNDS):
        plans = plan_fixes(
            static_map,
            texts,
            dead=args.dead,
            unused_signals=args.unused_signals and not args.pragma,
            evidence=evidence,
            writable=writable,
            blocked=blocked,
            unscanned=scripts,
            exclude=project.exclude,
            pragma=args.pragma,
        )
        result = run_fixes(project.rootdir, plans, pragma=args.pragma)
        if not result.unmatched:
            break
        blocked.update(result.unmatched)
    notes = [
        f"{path}:{line}: left alone: a form fix does not rewrite" for path, line in sorted(blocked)
    ]
    notes += [f"cannot fix {path}: {reason}" for path, reason in result.failed]
    notes += [f"{path}:{line}: no code to fix there" for path, line in result.unmatched]
    notes += [f"{path}:{line}: left alone: {why}" for path, line, why in result.left_alone]
    if evidence is not None and evidence.outside:
        notes.append(
            f"{counted(len(evidence.outside), 'finding')} outside the folders the run scanned "
            f"left alone ({', '.join(evidence.sources)}); --no-data to judge them statically"
        )
    for note in notes:
        print(f"signaltrace: {note}", file=sys.stderr)
    return sum(plan.findings for plan in plans), result


def _evidence(args: argparse.Namespace, project: Project) -> RunEvidence | str | None:
    """The run's evidence: ``--data``, else the configured data file when it exists, else
    ``None``; a message when it cannot be used."""
    from pytest_signaltrace.datafile.data import DataFileError, read_data
    from pytest_signaltrace.fix.evidence import RunEvidence
    from pytest_signaltrace.merge.replay import report_of

    if args.no_data:
        return None
    path = args.data
    if path is None:
        if project.data_file is None:
            return None
        if not project.data_file.is_file():
            from pytest_signaltrace.datafile.paths import parallel_files

            pieces = parallel_files(project.data_file)
            if pieces:  # a run's evidence is there, not yet combined: never ignore it
                name = shown(project.data_file)
                return (
                    f"{counted(len(pieces), 'parallel data file')} of {name} and no {name}: run "
                    "'signaltrace combine' first, or pass --no-data"
                )
            return None
        path = Path(shown(project.data_file))
        print(
            f"signaltrace: using the run's data in {path} (--no-data: static verdicts only)",
            file=sys.stderr,
        )
    try:
        data = read_data(path)
        return RunEvidence.of(report_of(data), str(path), data.sources)
    except DataFileError as exc:
        return str(exc)


def _scan(project: Project, *, no_cache: bool) -> StaticMap:
    """The whole project's static map, paths relative to its rootdir."""
    from pytest_signaltrace.scan import scan
    from pytest_signaltrace.scan.cache import default_cache_dir

    cache_dir = None if no_cache else default_cache_dir(project.rootdir)
    return scan(
        list(project.roots),
        relative_to=project.rootdir,
        cache_dir=cache_dir,
        package_roots=project.package_roots,
    )


def _checked(
    static_map: StaticMap,
    args: argparse.Namespace,
    findings: int,
    hint: str = " (--write to apply)",
) -> str:
    """``checked 15 receivers, 19 signals: nothing dead`` (or how many findings)."""
    receivers = sum(1 for r in static_map.receivers if not r.test_only)
    checked = (
        f"checked {counted(receivers, 'receiver')}, {counted(len(static_map.signals), 'signal')}"
    )
    if findings:
        return f"{checked}: {counted(findings, 'finding')}{hint}"
    wanted = " or ".join(
        word for word, asked in (("dead", args.dead), ("unused", args.unused_signals)) if asked
    )
    return f"{checked}: nothing {wanted}"


def _write_out(text: str) -> None:
    """``text`` to stdout, a file's undecodable bytes (kept as surrogates) as they were."""
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(text)
        return
    sys.stdout.flush()
    buffer.write(text.encode("utf-8", "surrogateescape"))
    buffer.flush()
