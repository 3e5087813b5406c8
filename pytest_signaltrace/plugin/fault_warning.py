"""Deliver the run's one :class:`SignalTraceWarning` to pytest, in a way that cannot raise.

The warning is emitted once, at the end of the run, never from inside a test: a test's
``recwarn`` cannot catch it and ``-W error`` / ``filterwarnings = error`` cannot turn it into a
failure or a traceback. ``warnings.warn`` cannot be used for that: at the end of the run pytest
applies the configured filters around the terminal summary, and an ``error`` filter would raise
(or, with the exception swallowed, lose the warning). So the configured filters are only *asked*
whether the warning is wanted (``ignore::pytest_signaltrace.SignalTraceWarning`` still silences
it; ``error`` shows it), and the warning is handed to ``pytest_warning_recorded`` directly, as
pytest's own warnings plugin does with the warnings it catches: it appears in the
"warnings summary" and counts in the final "N warnings" line.
"""

from __future__ import annotations

import contextlib
import sys
import warnings
from typing import TYPE_CHECKING

import pytest

from pytest_signaltrace.trace.faults import SignalTraceWarning

if TYPE_CHECKING:
    from pytest_signaltrace.plugin.session import TraceSession


def deliver_warning(config: pytest.Config, message: str) -> None:
    """Show ``message`` as one :class:`SignalTraceWarning` in pytest's summary; never raises.

    When pytest's hook cannot take it, the message goes to stderr as one line.
    """
    warning = SignalTraceWarning(message)
    try:
        if not wanted_by_filters(config, warning):
            return
        # Not a source location (there is none to show): the plugin's name, as the summary header.
        record = warnings.WarningMessage(warning, SignalTraceWarning, "pytest-signaltrace", 0)
        config.hook.pytest_warning_recorded.call_historic(
            kwargs={"warning_message": record, "when": "config", "nodeid": "", "location": None}
        )
    except Exception:
        write_stderr(message)


def wanted_by_filters(config: pytest.Config, warning: Warning) -> bool:
    """Whether pytest's configured warning filters (``-W``, ``filterwarnings``) would show
    ``warning``: ``error`` counts as shown, ``ignore`` as not."""
    try:
        from _pytest.config import apply_warning_filters
    except ImportError:  # a pytest without it: show the warning
        return True
    config_filters = config.getini("filterwarnings")
    cmdline_filters = getattr(config.known_args_namespace, "pythonwarnings", None) or []
    with warnings.catch_warnings(record=True) as caught:
        apply_warning_filters(config_filters, cmdline_filters)
        try:
            warnings.warn(warning, stacklevel=1)
        except Exception:  # an "error" filter: the user wants to see it, not a traceback
            return True
    return bool(caught)


def write_stderr(message: str) -> None:
    """One line on stderr; never raises (stderr may be closed)."""
    with contextlib.suppress(Exception):
        sys.stderr.write(f"{message}\n")
        sys.stderr.flush()


def report_faults(config: pytest.Config, session: TraceSession) -> None:
    """Report the run's faults as one warning (once; an xdist worker hands them over)."""
    if session.faults_reported:
        return
    session.faults_reported = True
    summary = session.faults.summary()
    if summary is not None:
        deliver_warning(config, summary)


def report_faults_late(session: TraceSession) -> None:
    """At ``pytest_unconfigure``: faults not reported yet (no terminal summary ran) go to
    stderr, as one line."""
    if session.faults_reported:
        return
    session.faults_reported = True
    summary = session.faults.summary()
    if summary is not None:
        write_stderr(summary)
