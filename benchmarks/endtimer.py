"""A pytest plugin for ``run.py``: seconds from the end of the test loop to the end of the summary.

Loaded with ``-p endtimer`` (``benchmarks/`` on ``PYTHONPATH``) in both variants of a pair; the
difference between them is what the signal trace adds at the end of a run: waiting for the
background scan, merging, the data file and the reports (which pytest-signaltrace does when the
test loop ends and in the terminal summary). The window ends before the session's fixtures are
torn down, which both variants pay alike. Writes the figure to ``$BENCH_ENDTIME_FILE``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Generator

import pytest

_loop_end = [0.0]


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtestloop() -> Generator[None, object, object]:
    """Note when the test loop ends (innermost wrapper: before the plugin's end-of-run work)."""
    try:
        return (yield)
    finally:
        _loop_end[0] = time.perf_counter()


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary() -> None:
    """Write the seconds since the test loop ended."""
    target = os.environ.get("BENCH_ENDTIME_FILE")
    if target and _loop_end[0]:
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(f"{time.perf_counter() - _loop_end[0]:.6f}\n")
