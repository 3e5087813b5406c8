"""``signaltrace run -- COMMAND...``: trace a command that is not pytest (``runner.py``)."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, NoReturn

from pytest_signaltrace import DATA_FILE_ENV
from pytest_signaltrace.cli.common import data_file_of, load_settings, usage_error
from pytest_signaltrace.record import Record

if TYPE_CHECKING:  # argparse only for help and errors: see parse_run_options
    import argparse

    from pytest_signaltrace.cli.common import Commands
    from pytest_signaltrace.datafile.inprocess import PythonProgram
    from pytest_signaltrace.datafile.run import RunResult
    from pytest_signaltrace.trace.model import Trace

#: The options of ``run`` that take a value, to the attribute ``argparse`` stores it in; a
#: repeated ``--data-file`` keeps the last, ``--source`` appends.
_VALUED = {"--data-file": "data_file", "--source": "source"}
#: The switches of ``run``, to their attribute.
_SWITCHES = {
    "--parallel": "parallel", "-p": "parallel", "--no-cache": "no_cache",
    "--subprocess": "subprocess",
}  # fmt: skip


def parse_run_options(given: Sequence[str]) -> argparse.Namespace | None:
    """``run``'s arguments (after ``run``) as its parser would give them, read without argparse
    (whose import and parser cost ``signaltrace run`` about 10 M instructions on top of the
    command); ``None`` for anything but the plain spellings of its options followed by a
    command: help, an unknown or abbreviated option, a missing value, no command. Those go
    through the parser, which prints the help or the usage error as ever
    (``tests/test_cli_run_wrapper.py`` compares both on many command lines)."""
    values: dict[str, object] = {
        "command": "run", "data_file": None, "source": [], "parallel": False, "no_cache": False,
        "subprocess": False,
    }  # fmt: skip
    index = 0
    while index < len(given):
        token = given[index]
        if token == "--" or not token.startswith("-"):
            # The command: argparse's REMAINDER keeps a leading "--" (_run_config drops it).
            command = list(given[index:])
            if command[:1] == ["--"] and (len(command) == 1 or command[1].startswith("-")):
                return None  # no command, or one that looks like an option: as argparse says
            values["argv"] = command
            return SimpleNamespace(**values)  # type: ignore[return-value]
        if token in _SWITCHES:
            values[_SWITCHES[token]] = True
            index += 1
            continue
        name, equals, value = token.partition("=")
        if name not in _VALUED:
            return None  # --help, -h, an abbreviation, an unknown option: the parser's
        if not equals:
            if index + 1 >= len(given) or given[index + 1].startswith("-"):
                return None  # a missing value (or one argparse would take for an option)
            value = given[index + 1]
            index += 1
        index += 1
        if name == "--source":
            values["source"].append(value)  # type: ignore[attr-defined]
        else:
            values["data_file"] = value
    return None  # no command: the parser's usage error


def add_parser(commands: Commands) -> None:
    """Add ``run`` to the subcommands."""
    import argparse

    run = commands.add_parser(
        "run",
        help="trace a command that is not pytest (python manage.py test, python -m unittest)",
        description="Run COMMAND with the signals of its Python processes traced, then write "
        "the data file for 'signaltrace report'. Receivers are attributed to unittest test ids. "
        "Exits with the command's exit status.",
        usage="%(prog)s [--data-file FILE] [--source PATH]... [--parallel] [--no-cache] "
        "[--subprocess] -- COMMAND...",
    )
    run.add_argument(
        "--data-file",
        metavar="FILE",
        help=f"data file to write (default: ${DATA_FILE_ENV}, else the configured data_file, "
        "as the pytest run's)",
    )
    run.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="PATH",
        help="folder to scan and trace; repeatable (default: the configured source, else the "
        "rootdir, as the pytest run's)",
    )
    run.add_argument(
        "--parallel",
        "-p",
        action="store_true",
        help="write FILE.<host>.<pid>.<random>, for a later 'signaltrace combine' (like "
        "coverage run -p; default: the configured parallel)",
    )
    run.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    run.add_argument(
        "--subprocess",
        action="store_true",
        help="run COMMAND in a child process even when it is this Python running a script or "
        "a module (which otherwise runs in this process, like coverage run)",
    )
    run.add_argument(
        "argv", nargs=argparse.REMAINDER, metavar="COMMAND", help="the command to run, after --"
    )


class _RunConfig(Record):
    """What ``signaltrace run`` needs: its options over the pytest run's configuration."""

    command: list[str]
    rootdir: Path
    sources: list[Path]
    data_file: Path
    exclude: list[str]
    package_roots: list[Path]
    parallel: bool = False


def _run_config(args: argparse.Namespace) -> _RunConfig | str:
    """The configuration of ``signaltrace run``, or a usage error message."""
    command = list(args.argv)
    if command[:1] == ["--"]:
        command = command[1:]
    if not command:
        return "run: no command given (signaltrace run -- python manage.py test)"
    loaded = load_settings(
        {
            "source": ("--source", args.source or None),
            "data_file": ("--data-file", args.data_file),
            "parallel": ("--parallel", args.parallel),
        },
        scans=True,
    )
    if isinstance(loaded, str):
        return loaded
    settings, ini = loaded
    if settings.data_file is None:
        data_file = data_file_of(settings)
        assert isinstance(data_file, str)
        return data_file
    return _RunConfig(
        command=command,
        rootdir=ini.rootdir,
        sources=list(settings.sources),
        data_file=settings.data_file,
        exclude=list(settings.exclude),
        package_roots=list(settings.package_roots),
        parallel=settings.parallel,
    )


def run(args: argparse.Namespace) -> int:
    """Run ``signaltrace run``; returns the command's exit status (2 for bad usage). A command
    that this Python can run in its own process (``inprocess.python_program``) runs here and
    this never returns: the program's exit is the process's."""
    from pytest_signaltrace.datafile.run import RunError, trace_command

    config = _run_config(args)
    if isinstance(config, str):
        return usage_error(config)
    if not args.subprocess:
        from pytest_signaltrace.datafile.inprocess import python_program

        program = python_program(config.command)
        if program is not None:
            _run_in_process(config, program, no_cache=args.no_cache)
    try:
        trace, result = trace_command(config.command, config.sources)
    except RunError as exc:
        return usage_error(str(exc))
    error = _save(config, trace, result, no_cache=args.no_cache)
    return result.returncode if error is None else error


def _run_in_process(config: _RunConfig, program: PythonProgram, *, no_cache: bool) -> NoReturn:
    """Trace this process and run ``program`` in it; the data file is written at the
    interpreter's exit, after the program's own ``atexit`` functions (or before an
    ``os._exit`` of this process)."""
    import atexit

    from pytest_signaltrace.datafile.inprocess import keep_interrupted_exit, run_program
    from pytest_signaltrace.datafile.run import InProcessRun

    # The program may change the current folder: every path of the configuration is absolute
    # already (the rootdir and the data file from Path.cwd(), the folders resolved).
    try:
        traced = InProcessRun(config.sources)
    except OSError as exc:
        message = f"cannot make the run's folder: {exc.strerror or exc}"
        raise SystemExit(usage_error(message)) from None
    pid = os.getpid()
    exit_now = os._exit
    finished = False
    umask = os.umask(0o022)  # read (and put back): the data file is made with this process's
    os.umask(umask)
    recursion_limit = sys.getrecursionlimit()

    def finish() -> None:
        nonlocal finished
        if finished or os.getpid() != pid:  # a forked child holds this process's counts
            return
        finished = True
        import gc

        gc.disable()  # the program's heap is still here and about to go: no collection of it
        # What the program set for itself is not the save's (a file mode of 000, a recursion
        # limit too low for the merge).
        os.umask(umask)
        sys.setrecursionlimit(max(recursion_limit, sys.getrecursionlimit()))
        try:
            trace, result = traced.collect()
            error = _save(config, trace, result, no_cache=no_cache)
        except Exception as exc:  # never a traceback at the program's exit: one line
            _tell(f"signaltrace: error: the signal data was not saved ({exc!r})")
            error = 2
        if error is None:
            keep_interrupted_exit()
        else:
            # The program's status would hide that the data file was not written: exit 2,
            # as the child-process path does (the program's own exit functions have run).
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(Exception):
                    stream.flush()
            exit_now(error)

    def exit_after_saving(status: int) -> NoReturn:
        finish()
        exit_now(status)

    atexit.register(finish)
    os._exit = exit_after_saving  # a program that leaves with os._exit keeps its data too
    run_program(program)


def _save(config: _RunConfig, trace: Trace, result: RunResult, *, no_cache: bool) -> int | None:
    """Warn about what the run could not read, then write the data file unless the command
    traced nothing; an exit status when the data file could not be written, else ``None``."""
    for note in result.bad_fragments:
        _tell(f"signaltrace: warning: unreadable trace fragment {note}")
    if not result.fragments:
        _tell(
            "signaltrace: warning: no Python process of the command was traced (not Python, "
            "python -I/-S, or every process ended with os._exit); "
            f"{_shown(config.data_file, config.rootdir)} left as it was"
        )
        return None
    if not (trace.sends or trace.connects):
        # Another interpreter ran the code, or Django/Celery never started: a data file of
        # 0% would replace real data for nothing.
        _tell(
            "signaltrace: warning: the command sent no signal and connected no receiver "
            "(another Python, or Django/Celery never set up?); "
            f"{_shown(config.data_file, config.rootdir)} left as it was"
        )
        return None
    data_file = config.data_file
    if config.parallel:
        from pytest_signaltrace.datafile.paths import parallel_name

        data_file = parallel_name(data_file)
    # Imported once the command is over: a run that traced nothing never needs them.
    from pytest_signaltrace.cli.progress import ProgressLine
    from pytest_signaltrace.datafile.run import save_run
    from pytest_signaltrace.scan.cache import default_cache_dir, ensure_pytest_cache_marker

    cache_dir = None if no_cache else default_cache_dir(config.rootdir)
    if cache_dir is not None:
        ensure_pytest_cache_marker(cache_dir)
    progress = ProgressLine("scanning")
    created = not data_file.exists()
    try:
        save_run(
            trace,
            rootdir=config.rootdir,
            sources=config.sources,
            data_file=data_file,
            exclude=config.exclude,
            package_roots=config.package_roots,
            cache_dir=cache_dir,
            progress=progress,
        )
    except OSError as exc:
        return usage_error(f"cannot write {data_file}: {exc.strerror or exc}")
    finally:
        progress.close()
    # On stderr, like the warnings: the command's own output keeps stdout to itself.
    _tell(f"Wrote signal data to {_shown(data_file, config.rootdir)}")
    from pytest_signaltrace.datafile.ignore_hint import gitignore_hint

    hint = gitignore_hint(
        data_file, configured=config.data_file, rootdir=config.rootdir, created=created
    )
    if hint:
        _tell(f"signaltrace: {hint}")
    return None


def _tell(line: str) -> None:
    """Write ``line`` to this process's standard error as it was at the start (an in-process
    program may have replaced ``sys.stderr``, ``print`` or closed them: the data is saved
    whether or not the line can be written)."""
    stream = sys.__stderr__ or sys.stderr
    with contextlib.suppress(Exception):
        stream.write(line + "\n")
        stream.flush()


def _shown(path: Path, rootdir: Path) -> str:
    """``path`` relative to ``rootdir`` (POSIX) when inside it, else as it is."""
    try:
        return path.relative_to(rootdir).as_posix()
    except ValueError:
        return str(path)
