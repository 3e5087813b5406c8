"""pytest-xdist: the controller collects each worker's trace from ``workeroutput``."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_signaltrace.plugin.session import WORKER_FAULTS_KEY, WORKER_OUTPUT_KEY, TraceSession


class XdistHooks:
    """Hooks registered only where xdist is present (see ``plugin.pytest_configure``)."""

    def __init__(self, session: TraceSession) -> None:
        self.session = session

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object) -> None:
        """Take the trace a worker sent back, or note that it sent none (it crashed)."""
        if self.session.role != "controller":
            return
        worker = str(getattr(getattr(node, "gateway", None), "id", node))
        output = getattr(node, "workeroutput", None) or {}
        self.session.add_worker_output(worker, output.get(WORKER_OUTPUT_KEY))
        self.session.add_worker_faults(worker, output.get(WORKER_FAULTS_KEY))
