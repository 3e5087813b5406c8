"""The pytest plugin (``pytest11: signaltrace`` names this package): hooks, the trace session,
the end of a run, per-test hooks, xdist, subprocess tracing, the ``signals`` fixture.

pytest registers this module; its hooks live in :mod:`pytest_signaltrace.plugin.hooks` and are
re-exported here, so ``-p pytest_signaltrace.plugin`` and the entry point keep working.
"""

from __future__ import annotations

from pytest_signaltrace.plugin.hooks import (
    pytest_addoption,
    pytest_configure,
    pytest_load_initial_conftests,
    pytest_runtestloop,
    pytest_terminal_summary,
    pytest_unconfigure,
    signals,
)

__all__ = [
    "pytest_addoption",
    "pytest_configure",
    "pytest_load_initial_conftests",
    "pytest_runtestloop",
    "pytest_terminal_summary",
    "pytest_unconfigure",
    "signals",
]
