"""The pytest plugin (``pytest11: signaltrace``): thin hooks that decide and delegate.

Loading it costs nothing and imports neither Django nor Celery. Only when it is switched on
(``--signal-report``, ``--signal-fail-under``, ``--signal-diff-compare-branch``, or the same in
configuration) does it patch the signal classes, and it does that from the earliest hook it
can, before pytest-django calls ``django.setup()``: so connects made in ``AppConfig.ready()``
and Celery's import-time bindings are seen.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING

import pytest

from pytest_signaltrace.settings import add_options
from pytest_signaltrace.settings.pytest_config import read_settings

if TYPE_CHECKING:  # the session (and the patches) are imported only when tracing is on
    from pytest_signaltrace.plugin.fixture import SignalsFixture
    from pytest_signaltrace.plugin.session import TraceSession

_SESSION: pytest.StashKey[TraceSession] = pytest.StashKey()


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register ``--signal-report`` and friends."""
    add_options(parser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> Generator[None, None, None]:
    """Install the patches before any plain hook runs (pytest-django sets Django up in one)."""
    settings = read_settings(early_config, early_config.known_args_namespace)
    if settings.active:
        _import_as_plain_modules(early_config)
        from pytest_signaltrace.plugin.session import TraceSession, detect_role

        role = detect_role(getattr(early_config.known_args_namespace, "numprocesses", None))
        session = TraceSession(settings, early_config.rootpath, role)
        early_config.stash[_SESSION] = session
        session.start()
    return (yield)


def pytest_configure(config: pytest.Config) -> None:
    """When tracing is on: settle this process's xdist role, register the per-test hooks (a run
    without tracing has none) and, in the xdist controller, the hooks that take the workers'
    traces."""
    session = config.stash.get(_SESSION, None)
    if session is None:
        return
    # Only now can a real xdist worker be told from a pytest that merely inherited its
    # environment (started from inside a worker): xdist sets ``workerinput`` after the early hook.
    from pytest_signaltrace.plugin.session import detect_role

    numprocesses = getattr(config.option, "numprocesses", None)
    session.settle_role(detect_role(numprocesses, xdist_worker=hasattr(config, "workerinput")))
    from pytest_signaltrace.plugin.testhooks import register_test_hooks

    register_test_hooks(config.pluginmanager, session)
    if session.role == "controller" and config.pluginmanager.hasplugin("xdist"):
        from pytest_signaltrace.plugin.xdist import XdistHooks

        config.pluginmanager.register(XdistHooks(session), "signaltrace-xdist")
    if session.role != "worker" and not config.option.collectonly:
        from pytest_signaltrace.plugin.static_scan import static_scan_of

        session.static_scan = static_scan_of(config, session.settings, session.rootdir)
        session.static_scan.start_in_background()
        config.add_cleanup(session.static_scan.close)


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session: pytest.Session) -> Generator[None, object, object]:
    """After the tests: stop tracing, report, and apply the gate (here, like pytest-cov, since
    by ``pytest_sessionfinish`` it is too late to count a failure).

    Also when the loop ends early (``-x``/``--maxfail`` raise ``session.Failed``, Ctrl-C): the
    tests that ran are reported.
    """
    trace_session = session.config.stash.get(_SESSION, None)
    if trace_session is None:
        return (yield)
    try:
        return (yield)
    finally:
        # Imported here: nothing of the end of the run while tests run, and in an xdist worker
        # only the handover (never the merge, the reports or the gates).
        from pytest_signaltrace.plugin.collector import collector_paused

        with collector_paused():
            if trace_session.role == "worker":
                from pytest_signaltrace.plugin.collect import finish_worker

                finish_worker(session.config, trace_session)
            else:
                from pytest_signaltrace.plugin.finish import finish_run

                if finish_run(session.config, trace_session):
                    session.testsfailed += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the signal report (and the diff's) and the gates' verdicts."""
    trace_session = terminalreporter.config.stash.get(_SESSION, None)
    if trace_session is None or trace_session.role == "worker":  # it handed all over
        return
    from pytest_signaltrace.plugin.collector import collector_paused
    from pytest_signaltrace.plugin.finish import print_terminal_report

    with collector_paused():
        print_terminal_report(terminalreporter, trace_session)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Make sure the patches are gone, even after an interrupted run; faults that no terminal
    summary reported go to stderr. Never raises."""
    trace_session = config.stash.get(_SESSION, None)
    if trace_session is not None:
        trace_session.close()
        if not trace_session.faults_reported:
            from pytest_signaltrace.plugin.fault_warning import report_faults_late

            report_faults_late(trace_session)


@pytest.fixture
def signals() -> Iterator[SignalsFixture]:
    """The signals this test sends: ``signals.assert_sent(order_placed, sender=Order, times=1)``,
    ``signals.sent(order_placed)[0].kwargs``, ``signals.assert_not_sent(...)``, and
    ``with signals.muted(post_save): ...``. Works with or without ``--signal-report``."""
    from pytest_signaltrace.plugin.fixture import observing

    with observing() as fixture:
        yield fixture


def _import_as_plain_modules(config: pytest.Config) -> None:
    """Let the package's modules imported from now on load as plain modules, not through
    pytest's assertion rewriter.

    pytest marks every module of a ``pytest11`` plugin's distribution for rewriting, and loads a
    marked module from its own bytecode cache with ``marshal.load`` on an open file, which reads
    the code piece by piece through Python method calls: several times the instructions of a
    plain import, for each of the hundred modules a traced run imports. The package's asserts are
    internal checks, never a user's test's, so nothing a user sees changes. pytest keeps the
    marks in a private set; a pytest without it rewrites as before.
    """
    marked = getattr(getattr(config.pluginmanager, "rewrite_hook", None), "_must_rewrite", None)
    if isinstance(marked, set):
        marked.discard(__name__.partition(".")[0])
