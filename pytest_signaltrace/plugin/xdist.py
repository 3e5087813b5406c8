"""pytest-xdist: the controller collects each worker's trace from ``workeroutput``."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_signaltrace.plugin.collect import (
    WORKER_FAULTS_KEY,
    WORKER_OUTPUT_KEY,
    read_worker_faults,
    read_worker_trace,
)
from pytest_signaltrace.plugin.session import TraceSession


class XdistHooks:
    """Hooks registered only where xdist is present (see ``plugin.pytest_configure``)."""

    def __init__(self, session: TraceSession) -> None:
        self.session = session

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object) -> None:
        """Take the trace a worker sent back, or note that it sent none (it crashed)."""
        session = self.session
        if session.role != "controller":
            return
        worker = str(getattr(getattr(node, "gateway", None), "id", node))
        output = getattr(node, "workeroutput", None) or {}
        trace = read_worker_trace(worker, output.get(WORKER_OUTPUT_KEY), session.faults)
        if trace is None:
            session.missing_workers.append(worker)
        else:
            session.worker_traces[worker] = trace
        read_worker_faults(worker, output.get(WORKER_FAULTS_KEY), session.faults)
