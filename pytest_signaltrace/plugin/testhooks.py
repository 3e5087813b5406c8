"""The hooks that run around every test, registered only when they have work to do.

A run without tracing gets none of them, and a run without ``--signal-strict`` none of the
strict ones: a hook wrapper costs each test a generator and a pluggy call per phase, for
every test of the suite, whether or not it returns at once.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

import pytest

from pytest_signaltrace.plugin.session import TraceSession

if TYPE_CHECKING:
    from pytest_signaltrace.trace.recorder import Recorder


def register_test_hooks(manager: pytest.PytestPluginManager, session: TraceSession) -> None:
    """Register what runs around each test in this process: nothing in the xdist controller
    (it runs no tests), the strict checks only with ``--signal-strict``."""
    if session.role == "controller":
        return
    manager.register(TestAttribution(session), "signaltrace-tests")
    if session.settings.strict and session.recorder is not None:
        manager.register(StrictPhases(session, session.recorder), "signaltrace-strict")


class TestAttribution:
    """Attributes what runs during a test (setup, call, teardown), in this process and in the
    Python subprocesses it starts, to its node id."""

    __test__ = False  # not a test class, whatever its name

    def __init__(self, session: TraceSession) -> None:
        self._session = session

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, object, object]:
        """Note the running test's node id for the whole of its protocol."""
        session = self._session
        session.start_test(item.nodeid)
        try:
            return (yield)
        finally:
            session.end_test()


class StrictPhases:
    """``--signal-strict``: a phase of a test in which a robust send swallowed a receiver's
    exception fails (setup and teardown error)."""

    def __init__(self, session: TraceSession, recorder: Recorder) -> None:
        self._session = session
        self._recorder = recorder

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Generator[None, None, None]:
        """An error in setup when a robust send swallowed an exception."""
        return (yield from self._phase(item, "setup"))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        """Fail the test when a robust send swallowed an exception."""
        return (yield from self._phase(item, "call"))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> Generator[None, None, None]:
        """An error in teardown when a robust send swallowed an exception."""
        return (yield from self._phase(item, "teardown"))

    def _phase(self, item: pytest.Item, when: str) -> Generator[None, None, None]:
        """Run one phase; afterwards fail it (or, when it failed by itself, add a report
        section) if a robust send swallowed a receiver's exception in it."""
        from pytest_signaltrace.plugin import strict

        session, recorder = self._session, self._recorder
        session.guarded("--signal-strict", lambda: strict.start_phase(recorder))
        try:
            result = yield
        except BaseException:
            message = session.guarded("--signal-strict", lambda: strict.phase_failure(recorder))
            if message:
                item.add_report_section(when, "signaltrace", message)
            raise
        message = session.guarded("--signal-strict", lambda: strict.phase_failure(recorder))
        if message:
            pytest.fail(message, pytrace=False)
        return result
