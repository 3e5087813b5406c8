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
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_signaltrace.datafile.child import CONFIG_ENV, FRAGMENT_GLOB
from pytest_signaltrace.record import Record
from pytest_signaltrace.trace.model import Trace

if TYPE_CHECKING:  # the scan is imported by save_run only: the plugin imports this at start-up
    from pytest_signaltrace.scan.entry import ProgressCallback

#: The folder (inside the run's temporary folder) where processes leave their fragments.
FRAGMENTS = "fragments"

#: The ``sitecustomize.py`` written for the command's processes.
SITECUSTOMIZE = '''\
"""Written by `signaltrace run`: trace this process's signals, then chain to the
sitecustomize this one shadows (if any)."""


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
    import importlib.machinery
    import importlib.util
    import os
    import sys

    here = os.path.dirname(os.path.abspath(__file__))
    path = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", path)
    if spec is None or spec.loader is None:
        return
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
    workdir = Path(tempfile.mkdtemp(prefix="signaltrace-run-"))
    try:
        env = prepare_environment(workdir, sources, os.environ)
        returncode = _wait_for(command, env)
        trace, read, bad = merge_fragments(workdir / FRAGMENTS)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return trace, RunResult(returncode, read, bad)


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
    when it cannot be written."""
    from pytest_signaltrace.datafile.format import RunData
    from pytest_signaltrace.datafile.write import write_data
    from pytest_signaltrace.scan import scan

    static = scan(
        list(sources),
        relative_to=rootdir,
        cache_dir=cache_dir,
        package_roots=package_roots,
        progress=progress,
    )
    data = RunData.from_run(static, trace, rootdir=rootdir, sources=sources, exclude=exclude)
    write_data(data_file, data)


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


def merge_fragments(folder: Path) -> tuple[Trace, int, list[str]]:
    """The merged trace of every fragment in ``folder``, how many were read, and a note for each
    one that could not be read."""
    fragments: list[Trace] = []
    bad: list[str] = []
    for path in sorted(folder.glob(FRAGMENT_GLOB)):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            fragments.append(Trace.from_json(document["trace"]))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            bad.append(f"{path.name}: {exc}")
    # One merge of all (linear in their size): a test suite may start hundreds of children.
    return Trace.merged(fragments), len(fragments), bad


def exit_status(returncode: int) -> int:
    """A shell's exit status for a child's return code (``-N``: killed by signal ``N``)."""
    return 128 - returncode if returncode < 0 else returncode


def _wait_for(command: Sequence[str], env: dict[str, str]) -> int:
    """Run the command to its end. Ctrl-C reaches the command too (same process group): keep
    waiting for it, so that its processes can write their fragments."""
    try:
        process = subprocess.Popen(list(command), env=env)
    except OSError as exc:
        raise RunError(f"cannot run {command[0]}: {exc.strerror or exc}") from None
    while True:
        try:
            return exit_status(process.wait())
        except KeyboardInterrupt:
            continue
