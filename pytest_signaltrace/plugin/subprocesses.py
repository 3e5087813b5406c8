"""Trace the Python subprocesses that tests start, as pytest-cov does for coverage.

While a test runs, the environment its subprocesses inherit carries the same hook as
``signaltrace run`` (see :mod:`~pytest_signaltrace.datafile.run`): ``PYTHONPATH`` starts with
a folder holding a ``sitecustomize.py`` that installs the signal patches in each new Python
process, and :data:`~pytest_signaltrace.datafile.child.CONFIG_ENV` names the run's
configuration. Each traced child writes its trace as a fragment when it exits; its receivers
are attributed to the test that started it (:data:`~pytest_signaltrace.datafile.child.TEST_ENV`).
At the end of the run the fragments are
merged into this process's trace.

The environment is set around each test only, so xdist workers (started before any test) and
processes started outside tests are not traced twice. A subprocess given an ``env=`` of its own
without these variables is not traced (pytest-cov has the same limit).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from collections.abc import Sequence
from pathlib import Path

from pytest_signaltrace.datafile.child import CONFIG_ENV, TEST_ENV
from pytest_signaltrace.datafile.run import FRAGMENTS, merge_fragments, prepare_environment
from pytest_signaltrace.trace.model import Trace

_VARIABLES = (CONFIG_ENV, TEST_ENV, "PYTHONPATH")


class ChildTracing:
    """The hook folder of one test-running process, and the fragments its children leave."""

    def __init__(self, sources: Sequence[Path]) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="signaltrace-children-"))
        # Removed by collect(); and at the latest when the process ends (an interrupted run).
        weakref.finalize(self, shutil.rmtree, self.workdir, True)
        prepared = prepare_environment(self.workdir, sources, {})
        self._variables = {CONFIG_ENV: prepared[CONFIG_ENV], "PYTHONPATH": prepared["PYTHONPATH"]}
        #: Fragments that could not be read, each with the reason (after :meth:`collect`).
        self.bad_fragments: list[str] = []
        #: While a test runs: the variables as they were before it, and as set for it.
        self._entered: tuple[dict[str, str | None], dict[str, str]] | None = None

    def enter_test(self, nodeid: str) -> None:
        """Let the subprocesses that test ``nodeid`` starts be traced, and attributed to it
        (until :meth:`leave_test`)."""
        environ = os.environ
        previous = {name: environ.get(name) for name in _VARIABLES}
        existing = previous["PYTHONPATH"]
        hook_dir = str(self.workdir)
        ours = {
            CONFIG_ENV: self._variables[CONFIG_ENV],
            TEST_ENV: nodeid,
            "PYTHONPATH": f"{hook_dir}{os.pathsep}{existing}" if existing else hook_dir,
        }
        environ.update(ours)
        self._entered = (previous, ours)

    def leave_test(self) -> None:
        """Give the environment back as it was before :meth:`enter_test`, but for a variable
        the test changed for good (its value is left alone)."""
        if self._entered is None:
            return
        (previous, ours), self._entered = self._entered, None
        environ = os.environ
        for name, value in ours.items():
            if environ.get(name) != value:
                continue
            old = previous[name]
            if old is None:
                del environ[name]
            else:
                environ[name] = old

    def collect(self) -> Trace:
        """The merged trace of every child that exited; removes the hook folder."""
        try:
            trace, _, self.bad_fragments = merge_fragments(self.workdir / FRAGMENTS)
        finally:
            shutil.rmtree(self.workdir, ignore_errors=True)
        return trace
