"""Trace the Python subprocesses that tests start, as pytest-cov does for coverage.

While a test runs, the environment its subprocesses inherit carries the same hook as
``signaltrace run`` (see :mod:`~pytest_signaltrace.datafile.run`): ``PYTHONPATH`` starts with
a folder holding a ``sitecustomize.py`` that installs the signal patches in each new Python
process, and :data:`~pytest_signaltrace.datafile.child.CONFIG_ENV` names the run's
configuration. Each traced child writes its trace as a fragment when it exits; its receivers
are attributed to the test that started it (:data:`~pytest_signaltrace.datafile.child.TEST_ENV`).
At the end of the run the fragments are
merged into this process's trace.

The hook is put in the environment before the first test and taken out when the tests are over
(so xdist workers, started before any test, are not traced twice); the test's node id is set
around each test only, so a process started between tests is attributed to none. A subprocess
given an ``env=`` of its own without these variables is not traced (pytest-cov has the same
limit).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path

from pytest_signaltrace.datafile.child import CONFIG_ENV, TEST_ENV
from pytest_signaltrace.datafile.run import FRAGMENTS, merge_fragments, prepare_environment
from pytest_signaltrace.trace.model import Trace

#: The variables that put the hook in place (``TEST_ENV`` changes with every test).
_HOOK_VARIABLES = (CONFIG_ENV, "PYTHONPATH")


class ChildTracing:
    """The hook folder of one test-running process, and the fragments its children leave."""

    def __init__(self, sources: Sequence[Path]) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="signaltrace-children-"))
        # Removed by collect(); and at the latest when the process ends (an interrupted run).
        weakref.finalize(self, shutil.rmtree, self.workdir, True)
        prepared = prepare_environment(self.workdir, sources, {})
        self._config = prepared[CONFIG_ENV]
        #: Fragments that could not be read, each with the reason (after :meth:`collect`).
        self.bad_fragments: list[str] = []
        #: While the hook is in the environment: the variables as they were before it was put
        #: there, and as set for it.
        self._hook: tuple[dict[str, str | None], dict[str, str]] | None = None
        self._hook_marks: _Marks | None = None
        #: The running test's variable as set for it; ``None`` between tests.
        self._test_marks: _Marks | None = None

    def enter_test(self, nodeid: str) -> None:
        """Let the subprocesses that test ``nodeid`` starts be traced, and attributed to it
        (until :meth:`leave_test`).

        The hook's variables are put in the environment before the first test and stay there
        until :meth:`restore_environment` (they are checked, not set again, for each test:
        setting a variable costs more than the rest of a test's tracing); only the test's
        node id is set for each test. A test that removed or replaced them for good gets them
        back for the next test.
        """
        if self._hook_marks is None or not self._hook_marks.intact():
            self._put_hook()
        os.environ[TEST_ENV] = nodeid
        self._test_marks = _Marks({TEST_ENV: nodeid})

    def leave_test(self) -> None:
        """The test ended: its subprocesses are no longer attributed to it (the test's
        variable is removed, unless the test changed it for good)."""
        marks, self._test_marks = self._test_marks, None
        if marks is not None and marks.intact():
            del os.environ[TEST_ENV]

    def restore_environment(self) -> None:
        """Take the hook out of the environment: each variable back as it was before the first
        test, but for one a test changed for good (its value is left alone)."""
        self.leave_test()
        if self._hook is None:
            return
        (previous, ours), self._hook, self._hook_marks = self._hook, None, None
        environ = os.environ
        for name, value in ours.items():
            if environ.get(name) != value:
                continue
            old = previous[name]
            if old is None:
                del environ[name]
            else:
                environ[name] = old

    def _put_hook(self) -> None:
        """Put the hook's variables in the environment (before the first test, or again after a
        test took them out)."""
        environ = os.environ
        previous = {name: environ.get(name) for name in _HOOK_VARIABLES}
        if self._hook is not None:  # a test changed them for good: its values are the ones
            for name, value in self._hook[0].items():  # to give back, unless it kept ours
                if previous[name] == self._hook[1][name]:
                    previous[name] = value
        existing = previous["PYTHONPATH"]
        hook_dir = str(self.workdir)
        ours = {
            CONFIG_ENV: self._config,
            "PYTHONPATH": f"{hook_dir}{os.pathsep}{existing}" if existing else hook_dir,
        }
        environ.update(ours)
        self._hook = (previous, ours)
        self._hook_marks = _Marks(ours)

    def collect(self) -> Trace:
        """The merged trace of every child that exited; takes the hook out of the environment
        and removes its folder."""
        self.restore_environment()
        try:
            trace, _, self.bad_fragments = merge_fragments(self.workdir / FRAGMENTS)
        finally:
            shutil.rmtree(self.workdir, ignore_errors=True)
        return trace


class _Marks:
    """What ``os.environ`` holds for some variables right after they were set, to tell cheaply
    whether they are still as set: by the identity of the encoded values it keeps (encoding a
    name or a value again costs as much as setting it), or by value where it keeps none."""

    def __init__(self, values: dict[str, str]) -> None:
        self._values = values
        environ = os.environ
        data = getattr(environ, "_data", None)
        encodekey = getattr(environ, "encodekey", None)
        self._data: dict[object, object] | None = None
        self._held: dict[object, object] = {}
        if isinstance(data, dict) and callable(encodekey):
            try:
                self._held = {_encoded(encodekey, name): data[_encoded(encodekey, name)]
                              for name in values}
            except Exception:  # not an environment mapping as CPython's: compare values
                return
            self._data = data

    def intact(self) -> bool:
        """Whether every variable still holds the value it was given."""
        data = self._data
        current: object = getattr(os.environ, "_data", None)
        if data is not None and current is data:
            get = data.get
            if all(get(key) is held for key, held in self._held.items()):
                return True
        environ = os.environ  # set again (same value, new object), or changed
        return all(environ.get(name) == value for name, value in self._values.items())


#: Variable names as ``os.environ`` keys them (encoded once, not for every test).
_ENCODED: dict[str, object] = {}


def _encoded(encodekey: Callable[[str], object], name: str) -> object:
    key = _ENCODED.get(name)
    if key is None:
        key = _ENCODED[name] = encodekey(name)
    return key
