"""The traced side of ``signaltrace run``: runs inside every Python process of the command.

``signaltrace run`` puts a ``sitecustomize.py`` first on ``PYTHONPATH`` (see ``runner.py``);
Python imports it at start-up, before the program's own imports, and it calls :func:`start`
when :data:`CONFIG_ENV` names a run's configuration. :func:`start`

1. creates a :class:`~pytest_signaltrace.trace.Recorder` and installs the signal patches
   (now for signal classes already imported, else when Django or Celery is imported);
2. wraps ``unittest.TestResult.startTest``/``stopTest``, when ``unittest`` is imported, so
   that receivers are attributed to ``test.id()`` (Django's runner and ``python -m unittest``
   both report through them);
3. registers an ``atexit`` handler that writes this process's trace as a fragment file, which
   the parent merges. A process that ends with ``os._exit`` (forked multiprocessing workers)
   skips ``atexit`` and leaves no fragment; so does a forked child of a traced process, whose
   recorder holds its parent's counts.

Nothing here may break the traced program: any fault is printed once on stderr and tracing is
abandoned; an interpreter that cannot trace (a dependency missing, too old a Python) says nothing.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pytest_signaltrace.trace import Recorder

#: The environment variable that holds the path of the run's configuration (JSON).
CONFIG_ENV = "SIGNALTRACE_RUN_CONFIG"
#: The node id of the pytest test that started this process (see ``subprocesses.py``): what its
#: receivers are attributed to, when no unittest test of its own is running.
TEST_ENV = "SIGNALTRACE_TEST"
#: How fragment files are named inside the fragments folder.
FRAGMENT_GLOB = "fragment-*.json"


def start_from_environment() -> None:
    """Start tracing when this process belongs to a ``signaltrace run`` (called by the
    generated ``sitecustomize``); never raises."""
    config = os.environ.get(CONFIG_ENV)
    if not config:
        return
    try:
        start(Path(config))
    except (ImportError, SyntaxError):
        # An interpreter that lacks what tracing needs (the plugin, a newer Python) cannot trace:
        # silent, as its stderr belongs to the program.
        return
    except Exception as exc:
        _warn(f"not tracing this process ({exc!r})")


def start(config_path: Path) -> None:
    """Install the patches and the unittest hooks; write a fragment at exit."""
    config = json.loads(config_path.read_text(encoding="utf-8"))
    recorder = start_tracing(config["sources"])
    fragments = Path(config["fragments"])
    pid = os.getpid()
    atexit.register(_write_fragment, recorder, fragments, pid)


def start_tracing(sources: Sequence[str | Path]) -> Recorder:
    """Trace this process's signals from now on (the patches, and the unittest hooks once
    ``unittest`` is imported); its recorder. The root process of ``signaltrace run``'s
    in-process path (``inprocess.py``) calls this too, without a fragment."""
    from pytest_signaltrace.trace import Recorder, install
    from pytest_signaltrace.trace.importhooks import when_imported

    recorder = Recorder()
    install(recorder, [str(s) for s in sources])

    inherited = os.environ.get(TEST_ENV) or None

    def set_current(test_id: str | None) -> None:
        recorder.current_test = test_id if test_id is not None else inherited

    set_current(None)

    # When (and only if) the program imports unittest: a process that runs no tests pays nothing.
    when_imported("unittest", lambda _module: patch_unittest(set_current))
    return recorder


def patch_unittest(set_current: Callable[[str | None], None]) -> None:
    """Make ``unittest.TestResult`` announce the running test's id (``None`` after it)."""
    import unittest

    result = unittest.TestResult
    if getattr(result.startTest, "__signaltrace__", False):
        return
    original_start, original_stop = result.startTest, result.stopTest

    @functools.wraps(original_start)
    def start_test(self: unittest.TestResult, test: unittest.TestCase) -> None:
        set_current(_test_id(test))
        original_start(self, test)

    @functools.wraps(original_stop)
    def stop_test(self: unittest.TestResult, test: unittest.TestCase) -> None:
        try:
            original_stop(self, test)
        finally:
            set_current(None)

    start_test.__signaltrace__ = True  # type: ignore[attr-defined]
    result.startTest = start_test  # type: ignore[method-assign]
    result.stopTest = stop_test  # type: ignore[method-assign]


def _test_id(test: Any) -> str | None:
    try:
        return str(test.id())
    except Exception:
        return None


def _write_fragment(recorder: Any, fragments: Path, pid: int) -> None:
    """At exit: this process's trace, as ``fragment-<pid>-<random>.json``."""
    if os.getpid() != pid:  # a forked child: its recorder holds the parent's counts too
        return
    try:
        trace = recorder.snapshot()
        if not (trace.sends or trace.connects) and not fragments.is_dir():
            # A helper that outlives the run (multiprocessing's resource tracker ends when
            # the command's first process has gone) and recorded nothing: nothing is lost.
            return
        document = {"pid": pid, "argv": list(sys.argv), "trace": trace.to_json()}
        # 8 random hex digits, as uuid4().hex[:8] gave, without importing uuid (and platform)
        name = f"fragment-{pid}-{os.urandom(4).hex()}.json"
        tmp = fragments / f".{name}.tmp"
        tmp.write_text(json.dumps(document), encoding="utf-8")
        os.replace(tmp, fragments / name)
    except Exception as exc:
        _warn(f"cannot save the signal trace of this process ({exc!r})")


def _warn(message: str) -> None:
    with contextlib.suppress(Exception):
        sys.stderr.write(f"signaltrace: {message}\n")
