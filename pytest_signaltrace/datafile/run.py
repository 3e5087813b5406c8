"""``signaltrace run -- COMMAND...``: trace a program that is not pytest, like ``coverage run``.

How the patches get into the command's processes: the parent makes a temporary folder holding a
``sitecustomize.py`` and a configuration file, prepends the folder to ``PYTHONPATH`` and points
:data:`~pytest_signaltrace.datafile.child.CONFIG_ENV` at the configuration. Every Python process the
command starts (``python manage.py test``, and any Python subprocess it starts in turn) imports
that ``sitecustomize`` at start-up, before its own imports; it starts tracing (see ``child.py``)
and then runs the ``sitecustomize`` that was shadowed, if any, found further down ``sys.path``.
Each process writes its trace to a fragment file at exit. When the command ends, the parent
merges the fragments, scans the sources, writes the data file, removes its folder and exits with
the command's exit status.

When the command is this very Python running a script or a module, it runs in this process
instead (``inprocess.py``, :class:`InProcessRun`): this process is traced by a recorder of its
own, the command's other processes as above, and the data file is written at its exit.

The parent pays its own start-up on top of the command, so it imports little while the command
runs: no ``subprocess`` (``os.posix_spawnp`` and ``os.waitpid``, as ``Popen`` would run it),
no ``tempfile`` nor ``shutil`` (the folder is made and removed here), and the trace model only
to merge the fragments (about 50 M instructions in all, on Django's test apps).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_signaltrace.datafile.child import CONFIG_ENV, FRAGMENT_GLOB, start_tracing
from pytest_signaltrace.output import random_letters
from pytest_signaltrace.record import Record, field

if TYPE_CHECKING:  # the scan is imported by save_run only: the plugin imports this at start-up
    from pytest_signaltrace.scan.entry import ProgressCallback
    from pytest_signaltrace.trace import Recorder
    from pytest_signaltrace.trace.model import Trace

#: The folder (inside the run's temporary folder) where processes leave their fragments.
FRAGMENTS = "fragments"

#: The ``sitecustomize.py`` written for the command's processes.
SITECUSTOMIZE = '''\
"""Written by `signaltrace run`: trace this process's signals, then chain to the
sitecustomize this one shadows (if any)."""

_SIGNALTRACE_MARK = b'"""Written by `signaltrace run`'


def _signaltrace_start():
    import os
    import sys

    if not os.environ.get("{env}"):
        return
    try:
        from pytest_signaltrace.datafile.child import start_from_environment
    except (ImportError, SyntaxError):
        # Another interpreter (the system python3, an older Python) without pytest-signaltrace:
        # it cannot trace, and its stderr belongs to the program (a test may assert it empty).
        return
    except Exception as exc:
        sys.stderr.write("signaltrace: not tracing %s: %r\\n" % (sys.executable, exc))
        return
    start_from_environment()


def _signaltrace_chain():
    # The sitecustomize this one shadows: the first further down sys.path that is not one of
    # these (a traced command that runs signaltrace again puts a second one on the path: the
    # two must not load each other). This one's folder is left out without reading it.
    import importlib.machinery
    import importlib.util
    import os
    import sys

    here = os.path.dirname(os.path.abspath(__file__))
    path = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    while True:
        spec = importlib.machinery.PathFinder.find_spec("sitecustomize", path)
        if spec is None or spec.loader is None:
            return
        try:
            with open(spec.origin, "rb") as source:
                ours = source.read(len(_SIGNALTRACE_MARK)) == _SIGNALTRACE_MARK
        except (OSError, TypeError):
            ours = False
        if not ours:
            break
        folder = os.path.dirname(os.path.abspath(spec.origin))
        path = [p for p in path if os.path.abspath(p or os.curdir) != folder]
    module = importlib.util.module_from_spec(spec)
    sys.modules["sitecustomize"] = module
    spec.loader.exec_module(module)


_signaltrace_start()
_signaltrace_chain()
'''


class RunError(Exception):
    """The command could not be started; ``str()`` is a one-line message."""


class RunResult(Record, frozen=False):
    """What :func:`trace_command` saw."""

    #: The command's exit status (``128 + N`` when signal ``N`` killed it).
    returncode: int
    #: Fragment files read: one per traced Python process that ended normally.
    fragments: int = 0
    #: Fragments that could not be read, each with the reason.
    bad_fragments: list[str] = field(default_factory=list)


def trace_command(command: Sequence[str], sources: Sequence[Path]) -> tuple[Trace, RunResult]:
    """Run ``command`` with its Python processes traced; return their merged trace (paths
    absolute) and what happened. Raises :class:`RunError` when the command cannot be started."""
    workdir = Path(make_folder(WORKDIR_PREFIX))
    try:
        env = prepare_environment(workdir, sources, os.environ)
        returncode = _wait_for(command, env)
        trace, read, bad = merge_fragments(workdir / FRAGMENTS)
    finally:
        remove_tree(str(workdir))
    return trace, RunResult(returncode, read, bad)


class InProcessRun:
    """``signaltrace run``'s in-process path (``inprocess.py``): this process traced by a
    recorder of its own, the command's other Python processes through the run's folder."""

    def __init__(self, sources: Sequence[Path]) -> None:
        """Make the run's folder, point the environment (inherited by every process this one
        starts) at it, and start tracing this process. Raises ``OSError`` when the folder
        cannot be made."""
        self.workdir = Path(make_folder(WORKDIR_PREFIX))
        env = prepare_environment(self.workdir, sources, os.environ)
        os.environ["PYTHONPATH"] = env["PYTHONPATH"]
        os.environ[CONFIG_ENV] = env[CONFIG_ENV]
        self.recorder: Recorder = start_tracing(sources)

    def collect(self) -> tuple[Trace, RunResult]:
        """This process's trace merged with the fragments of the others (paths absolute);
        removes the run's folder. The result's return code is 0: the program's exit status
        is this process's own, not known here."""
        try:
            own = self.recorder.snapshot()
            trace, read, bad = merge_fragments(self.workdir / FRAGMENTS, [own])
        finally:
            remove_tree(str(self.workdir))
        return trace, RunResult(0, read + 1, bad)


def save_run(
    trace: Trace,
    *,
    rootdir: Path,
    sources: Sequence[Path],
    data_file: Path,
    exclude: Sequence[str] = (),
    package_roots: Sequence[Path] = (),
    cache_dir: Path | None = None,
    progress: ProgressCallback | None = None,
) -> None:
    """Scan ``sources`` and write the data file of a traced command; raises :class:`OSError`
    when it cannot be written.

    The file holds what ``RunData.from_run(scan(...), trace, ...)`` holds, written from the
    static map's JSON text (an unchanged tree's, as the tree memo kept it) and encoded at once
    (this process holds little else: a peak of a few times the text costs nothing here)."""
    from pytest_signaltrace.datafile.format import run_data_text
    from pytest_signaltrace.datafile.write import write_data_text
    from pytest_signaltrace.scan.entry import scan_json

    static_json = scan_json(
        list(sources),
        relative_to=rootdir,
        cache_dir=cache_dir,
        package_roots=package_roots,
        progress=progress,
    )
    text = run_data_text(static_json, trace, rootdir=rootdir, sources=sources, exclude=exclude)
    write_data_text(data_file, text)


def prepare_environment(
    workdir: Path, sources: Sequence[Path], environ: Mapping[str, str]
) -> dict[str, str]:
    """Write ``sitecustomize.py`` and the configuration into ``workdir``; return the command's
    environment (``PYTHONPATH`` starting with ``workdir``, :data:`CONFIG_ENV` set)."""
    fragments = workdir / FRAGMENTS
    fragments.mkdir(parents=True, exist_ok=True)
    (workdir / "sitecustomize.py").write_text(
        SITECUSTOMIZE.replace("{env}", CONFIG_ENV), encoding="utf-8"
    )
    config = workdir / "config.json"
    config.write_text(
        json.dumps({"sources": [str(s) for s in sources], "fragments": str(fragments)}),
        encoding="utf-8",
    )
    env = dict(environ)
    existing = env.get("PYTHONPATH")
    env["PYTHONPATH"] = os.pathsep.join([str(workdir), *([existing] if existing else [])])
    env[CONFIG_ENV] = str(config)
    return env


def merge_fragments(folder: Path, own: Sequence[Trace] = ()) -> tuple[Trace, int, list[str]]:
    """The merged trace of every fragment in ``folder`` (and of the traces ``own``), how many
    fragments were read, and a note for each one that could not be read."""
    from pytest_signaltrace.trace.model import Trace

    fragments: list[Trace] = list(own)
    bad: list[str] = []
    for path in sorted(folder.glob(FRAGMENT_GLOB)):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            fragments.append(Trace.from_json(document["trace"]))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            bad.append(f"{path.name}: {exc}")
    # One merge of all (linear in their size): a test suite may start hundreds of children.
    return Trace.merged(fragments), len(fragments) - len(own), bad


def exit_status(returncode: int) -> int:
    """A shell's exit status for a child's return code (``-N``: killed by signal ``N``)."""
    return 128 - returncode if returncode < 0 else returncode


def _wait_for(command: Sequence[str], env: dict[str, str]) -> int:
    """Run the command to its end. Ctrl-C reaches the command too (same process group): keep
    waiting for it, so that its processes can write their fragments."""
    spawn = getattr(os, "posix_spawnp", None)
    inherited = _inherited_fds() if spawn is not None else None
    if spawn is None or inherited is None:  # Windows, or no folder lists the open fds
        return _wait_for_popen(command, env)
    try:
        # What Popen(command, env=env) does on POSIX: the file looked up on PATH, every fd
        # above 2 closed in the child (close_fds; those not inheritable close at exec anyway),
        # SIGPIPE and SIGXFSZ back to their defaults (restore_signals: Python ignores them).
        pid = spawn(
            command[0],
            list(command),
            env,
            file_actions=[(os.POSIX_SPAWN_CLOSE, fd) for fd in inherited],
            setsigdef=_RESTORED_SIGNALS,
        )
    except OSError as exc:
        raise RunError(f"cannot run {command[0]}: {exc.strerror or exc}") from None
    while True:
        try:
            _, status = os.waitpid(pid, 0)
        except KeyboardInterrupt:
            continue
        except ChildProcessError:  # SIGCHLD ignored: the status is lost (Popen.wait says 0)
            return 0
        return exit_status(os.waitstatus_to_exitcode(status))


def _wait_for_popen(command: Sequence[str], env: dict[str, str]) -> int:
    """:func:`_wait_for` through ``subprocess``, where ``os.posix_spawnp`` is missing."""
    import subprocess

    try:
        process = subprocess.Popen(list(command), env=env)
    except OSError as exc:
        raise RunError(f"cannot run {command[0]}: {exc.strerror or exc}") from None
    while True:
        try:
            return exit_status(process.wait())
        except KeyboardInterrupt:
            continue


def _restored_signals() -> tuple[int, ...]:
    if TYPE_CHECKING:
        import signal as _signal
    else:  # the C module, loaded at start-up (``signal`` builds enums: 4 M instructions)
        import _signal

    names = ("SIGPIPE", "SIGXFZ", "SIGXFSZ")  # what _Py_RestoreSignals restores
    return tuple(getattr(_signal, name) for name in names if hasattr(_signal, name))


#: The signals a child gets back at their default action (Python ignores SIGPIPE and SIGXFSZ).
_RESTORED_SIGNALS = _restored_signals()


def _inherited_fds() -> list[int] | None:
    """The inheritable file descriptors above 2 (``None``: they cannot be listed)."""
    for listing in ("/proc/self/fd", "/dev/fd"):
        try:
            names = os.listdir(listing)
        except OSError:
            continue
        found = []
        for name in names:
            fd = int(name)
            if fd > 2:
                try:
                    if os.get_inheritable(fd):
                        found.append(fd)
                except OSError:  # the listing's own fd, closed by now
                    continue
        return sorted(found)
    return None


#: The start of the name of the run's temporary folder.
WORKDIR_PREFIX = "signaltrace-run-"


def make_folder(prefix: str) -> str:
    """A new private folder (mode 0o700) named ``prefix`` and 8 random characters, in the first
    temporary folder ``tempfile.mkdtemp`` would consider where one can be made (``TMPDIR``,
    ``TEMP``, ``TMP``, the system's, the current folder); its absolute path. Raises
    ``OSError`` when none can be made."""
    candidates = [os.environ.get(name) for name in ("TMPDIR", "TEMP", "TMP")]
    candidates += ["/tmp", "/var/tmp", "/usr/tmp"] if os.name != "nt" else []
    candidates.append(os.getcwd())
    error: OSError | None = None
    for parent in candidates:
        if not parent:
            continue
        for _ in range(100):
            path = os.path.abspath(os.path.join(parent, prefix + random_letters(8)))
            try:
                os.mkdir(path, 0o700)
            except FileExistsError as exc:
                error = exc
                continue
            except OSError as exc:  # not a folder we may write to: the next one
                error = exc
                break
            return path
    raise error or FileNotFoundError("no usable temporary folder")


def remove_tree(path: str) -> None:
    """Remove the folder ``path`` and everything in it, as far as it can (never raises);
    symbolic links are removed, not followed."""
    try:
        entries = list(os.scandir(path))
    except OSError:
        entries = []
    for entry in entries:
        try:
            is_folder = entry.is_dir(follow_symlinks=False)
        except OSError:
            is_folder = False
        if is_folder:
            remove_tree(entry.path)
            continue
        with contextlib.suppress(OSError):
            os.unlink(entry.path)
    with contextlib.suppress(OSError):
        os.rmdir(path)
