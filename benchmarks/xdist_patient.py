"""A pytest plugin for ``run.py --instructions``: xdist waits for its workers to exit.

Under valgrind a worker takes a minute or more to write its profile when it exits; xdist kills
a worker that has not exited 10 s after it was asked to, which lost (or cut short) the workers'
counts. Loaded with ``-p xdist_patient`` (``benchmarks/`` on ``PYTHONPATH``); does nothing
without xdist.
"""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """Give xdist's workers 15 minutes to exit."""
    try:
        from xdist.workermanage import NodeManager
    except ImportError:
        return
    NodeManager.EXIT_TIMEOUT = 900  # type: ignore[misc]
