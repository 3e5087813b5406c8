"""One test run's tracing state, whatever the process's role.

* ``central`` (no xdist): patch, record, scan, merge, report.
* ``worker`` (an xdist worker): patch and record; hand the trace to the controller.
* ``controller`` (the xdist controller): no patches (it runs no tests); merge the workers'
  traces, scan, merge, report. Workers that send nothing back are named in the report.

The session holds state only: the settings, the role, what records the trace, the workers'
traces, the run's faults and the end of the run's outcome. The steps that turn it into a
report are plain functions (:mod:`~pytest_signaltrace.plugin.finish` runs them in order).

Nothing here may fail or alter a user's test: faults are collected in one deferred
:class:`FaultLog` and reported as one :class:`SignalTraceWarning` at the end of the run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeVar

from pytest_signaltrace.record import Record
from pytest_signaltrace.settings import Settings
from pytest_signaltrace.trace.faults import FaultLog
from pytest_signaltrace.trace.model import Trace

if TYPE_CHECKING:
    # Imported where used, at the end of the run: an xdist worker never needs them, and the
    # merge pulls in the scan (and libcst) which would cost every traced process at start-up.
    # The patches, the recorder and the subprocess tracing are imported by start()
    # only: the xdist controller, which runs no tests, never needs them.
    from pytest_signaltrace.gates.diff.select import DiffResult
    from pytest_signaltrace.gates.fail_under import GateResult
    from pytest_signaltrace.model import Report
    from pytest_signaltrace.plugin.static_scan import StaticScan
    from pytest_signaltrace.plugin.subprocesses import ChildTracing
    from pytest_signaltrace.report.durations import ReceiverCost
    from pytest_signaltrace.trace.installation import Installation
    from pytest_signaltrace.trace.recorder import Recorder

Role = Literal["central", "worker", "controller"]
_T = TypeVar("_T")


def detect_role(numprocesses: object, *, xdist_worker: bool | None = None) -> Role:
    """The role of this process, from xdist's ``-n`` option and whether it is an xdist worker.

    ``xdist_worker`` is known for sure from ``pytest_configure`` on (``config.workerinput``);
    before that it is guessed from xdist's environment variable, which a pytest started from
    inside a worker inherits too.
    """
    if xdist_worker is None:
        xdist_worker = bool(os.environ.get("PYTEST_XDIST_WORKER"))
    if xdist_worker:
        return "worker"
    if numprocesses not in (None, 0, "0"):
        return "controller"
    return "central"


class Outcome(Record, frozen=False):
    """What the end of the run produced, for the terminal summary (filled by
    :func:`~pytest_signaltrace.plugin.finish.finish_run`)."""

    report: Report | None = None
    #: The receivers' gate (``--signal-fail-under``).
    gate: GateResult | None = None
    #: With a compare branch: the receivers and send sites the change touched.
    diff: DiffResult | None = None
    #: The diff gate's verdict (``--signal-diff-fail-under``).
    diff_gate: GateResult | None = None
    #: Report files written, for the summary.
    written: list[str] = field(default_factory=list)
    #: Reports whose destination is ``-``: printed in the terminal summary.
    to_stdout: list[str] = field(default_factory=list)
    #: Notes for the terminal summary (the data file could not be written, and why).
    notes: list[str] = field(default_factory=list)
    #: Reports asked for that could not be written, and why: with a gate, they fail the run.
    problems: list[str] = field(default_factory=list)
    #: With ``--signal-durations``: what each receiver cost, slowest first.
    costs: tuple[ReceiverCost, ...] | None = None


class TraceSession(Record, frozen=False):
    """The tracing state of one process for one run (kept on ``config.stash``)."""

    settings: Settings
    rootdir: Path
    role: Role
    #: Every internal fault of the run (the patches' too): reported once, at the end.
    faults: FaultLog = field(default_factory=lambda: FaultLog(deferred=True))
    #: What records the trace, made by :meth:`start` (``None`` in the xdist controller).
    recorder: Recorder | None = None
    installation: Installation | None = None
    #: The xdist controller: each worker's trace, and the workers that sent none back.
    worker_traces: dict[str, Trace] = field(default_factory=dict)
    missing_workers: list[str] = field(default_factory=list)
    #: The static scan, once it is asked for (the controller's starts early).
    static_scan: StaticScan | None = None
    #: The Python subprocesses tests start, traced too (not in the xdist controller).
    children: ChildTracing | None = None
    #: What the end of the run produced.
    outcome: Outcome = field(default_factory=Outcome)
    #: Whether the faults were reported already (they are reported once).
    faults_reported: bool = False

    def start(self) -> None:
        """Install the patches (not in the xdist controller, which runs no tests)."""
        if self.role == "controller" or self.installation is not None:
            return
        from pytest_signaltrace.plugin.subprocesses import ChildTracing
        from pytest_signaltrace.trace.recorder import Recorder

        recorder = self.recorder = self.recorder or Recorder()
        recorder.raises.strict = self.settings.strict
        try:
            from pytest_signaltrace.trace.installation import install

            self.installation = install(
                recorder,
                [str(s) for s in self.settings.sources],
                self.faults,
                durations=self.settings.durations is not None,
            )
        except Exception as exc:
            self.faults.report("installing the signal patches", exc)
        try:
            self.children = ChildTracing(self.settings.sources)
        except Exception as exc:
            self.faults.report("preparing to trace subprocesses", exc)

    def settle_role(self, role: Role) -> None:
        """Take the role known for sure (from ``pytest_configure`` on). A pytest started from
        inside an xdist worker inherits the variable the early guess reads: if it turns out to
        be an xdist controller, which runs no tests, the patches and the subprocess hook that
        :meth:`start` installed on that guess are removed again."""
        self.role = role
        if role == "controller" and self.recorder is not None:
            children = self.stop()
            if children is not None:
                shutil.rmtree(children.workdir, ignore_errors=True)
            self.recorder = None

    def guarded(self, what: str, action: Callable[[], _T]) -> _T | None:
        """``action()``, or ``None`` when it raised: a fault of the plugin becomes the run's one
        warning, never a test's failure."""
        try:
            return action()
        except Exception as exc:
            self.faults.report(what, exc)
            return None

    def start_test(self, nodeid: str) -> None:
        """Test ``nodeid`` starts: attribute to it what runs from now on, here and in the Python
        subprocesses it starts (until :meth:`end_test`)."""
        if self.recorder is not None:
            self.recorder.current_test = nodeid
        if self.children is not None:
            self.children.enter_test(nodeid)

    def end_test(self) -> None:
        """The running test ended: what runs now belongs to no test."""
        if self.children is not None:
            self.children.leave_test()
        if self.recorder is not None:
            self.recorder.current_test = None

    def stop(self) -> ChildTracing | None:
        """Stop tracing: remove the patches and stop tracing subprocesses. Returns the
        subprocess tracing, whose fragments are still to be collected (once)."""
        self.close()
        children, self.children = self.children, None
        return children

    def close(self) -> None:
        """Remove the patches, if still installed, and the subprocess hook from the environment;
        never raises (for ``pytest_unconfigure``)."""
        if self.children is not None:
            try:
                self.children.restore_environment()
            except Exception as exc:
                self.faults.report("removing the subprocess hook", exc)
        if self.installation is not None:
            installation, self.installation = self.installation, None
            try:
                installation.uninstall()
            except Exception as exc:
                self.faults.report("removing the signal patches", exc)
