"""A pytest plugin for ``run.py``: the seconds pytest-signaltrace spends at the end of a run.

Loaded with ``-p endtimer`` (``benchmarks/`` on ``PYTHONPATH``). When the trace is on, it times
the plugin's two end-of-run calls, ``reporting.finish_run`` (stopping, waiting for the
background scan, merging, the data file, file reports, the gate) and
``reporting.print_terminal_report``, and writes their sum to ``$BENCH_ENDTIME_FILE``. (A window
of wall time around them would mostly measure the session's fixture teardown, which varies by
seconds on a busy machine.)
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import pytest

_spent = [0.0]


def _timed(function: Callable[..., Any]) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            _spent[0] += time.perf_counter() - start

    return timed


def pytest_configure(config: pytest.Config) -> None:
    """Time the plugin's end-of-run calls (looked up at call time by its hooks), when on."""
    if not any(str(arg).startswith("--signal-report") for arg in config.invocation_params.args):
        return  # importing the plugin's modules would add to the run without the trace
    try:
        from pytest_signaltrace.plugin import finish as reporting
    except ImportError:
        return
    reporting.finish_run = _timed(reporting.finish_run)  # type: ignore[method-assign]
    reporting.print_terminal_report = _timed(reporting.print_terminal_report)  # type: ignore[method-assign]


def pytest_unconfigure() -> None:
    """Write the seconds spent, if the trace ran."""
    target = os.environ.get("BENCH_ENDTIME_FILE")
    if target and _spent[0]:
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(f"{_spent[0]:.6f}\n")
