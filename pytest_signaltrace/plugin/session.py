"""One test run's tracing, whatever the process's role.

* ``central`` (no xdist): patch, record, scan, merge, report.
* ``worker`` (an xdist worker): patch and record; hand the trace to the controller.
* ``controller`` (the xdist controller): no patches (it runs no tests); merge the workers'
  traces, scan, merge, report. Workers that send nothing back are named in the report.

Nothing here may fail or alter a user's test: faults are collected in one deferred
:class:`FaultLog` and reported as one :class:`SignalTraceWarning` at the end of the run.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeVar

from pytest_signaltrace.plugin.subprocesses import ChildTracing
from pytest_signaltrace.settings import Settings
from pytest_signaltrace.trace.faults import FaultLog
from pytest_signaltrace.trace.model import Trace
from pytest_signaltrace.trace.patches import Installation, install
from pytest_signaltrace.trace.recorder import Recorder

if TYPE_CHECKING:
    # Imported where used, at the end of the run: an xdist worker never needs them, and the
    # merge pulls in the scan (and libcst) which would cost every traced process at start-up.
    from pytest_signaltrace.gates.diff.select import DiffResult
    from pytest_signaltrace.gates.fail_under import GateResult
    from pytest_signaltrace.model import Report, StaticMap

Role = Literal["central", "worker", "controller"]
_T = TypeVar("_T")

#: The key of a worker's trace in ``config.workeroutput``.
WORKER_OUTPUT_KEY = "signaltrace"
#: The key of a worker's faults in ``config.workeroutput``: ``{"count": int, "faults": [str]}``.
WORKER_FAULTS_KEY = "signaltrace_faults"


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


@dataclass
class TraceSession:
    """The tracing state of one process for one run (kept on ``config.stash``)."""

    settings: Settings
    rootdir: Path
    role: Role
    #: Every internal fault of the run (the patches' too): reported once, at the end.
    faults: FaultLog = field(default_factory=lambda: FaultLog(deferred=True))
    recorder: Recorder = field(default_factory=Recorder)
    installation: Installation | None = None
    worker_traces: dict[str, Trace] = field(default_factory=dict)
    missing_workers: list[str] = field(default_factory=list)
    report: Report | None = None
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
    #: Whether the faults were reported already (they are reported once).
    faults_reported: bool = False
    #: The static scan, once it is asked for (see :class:`StaticScan`).
    static_scan: StaticScan | None = None
    #: The Python subprocesses tests start, traced too (not in the xdist controller).
    children: ChildTracing | None = None
    #: With ``--signal-append``: the data file's trace (absolute paths), added to this run's.
    appended: Trace | None = None
    #: With ``--signal-append``: the runs the data file held, and its missing workers.
    appended_runs: tuple[str, ...] = ()
    _stopped: Trace | None = None
    _run: Trace | None = None
    _combined: Trace | None = None

    def start(self) -> None:
        """Install the patches (not in the xdist controller, which runs no tests)."""
        if self.role == "controller" or self.installation is not None:
            return
        self.recorder.raises.strict = self.settings.strict
        try:
            self.installation = install(
                self.recorder, [str(s) for s in self.settings.sources], self.faults
            )
        except Exception as exc:
            self.faults.report("installing the signal patches", exc)
        try:
            self.children = ChildTracing(self.settings.sources)
        except Exception as exc:
            self.faults.report("preparing to trace subprocesses", exc)

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
        self.recorder.current_test = nodeid
        if self.children is not None:
            self.children.enter_test(nodeid)

    def end_test(self) -> None:
        """The running test ended: what runs now belongs to no test."""
        if self.children is not None:
            self.children.leave_test()
        self.recorder.current_test = None

    def stop(self) -> Trace:
        """Remove the patches and return what this process recorded (idempotent).

        Raises what the recorder's snapshot raises (the caller reports it as a fault).
        """
        if self._stopped is None:
            self.close()
            trace = self.recorder.snapshot()
            if self.children is not None:
                children, self.children = self.children, None
                try:
                    trace = trace.merge(children.collect())
                except Exception as exc:
                    self.faults.report("reading the traces of subprocesses", exc)
            self._stopped = trace
        return self._stopped

    def close(self) -> None:
        """Remove the patches, if still installed; never raises (for ``pytest_unconfigure``)."""
        if self.installation is not None:
            installation, self.installation = self.installation, None
            try:
                installation.uninstall()
            except Exception as exc:
                self.faults.report("removing the signal patches", exc)

    def fail_closed(self, reason: str) -> None:
        """The report could not be computed: with a gate, the gate fails and says why (each
        gate asked for: the receivers' and the diff's)."""
        if self.settings.fail_under is not None:
            from pytest_signaltrace.gates.fail_under import not_checked

            self.gate = not_checked(self.settings.fail_under, reason)
        if self.settings.diff_fail_under is not None:
            from pytest_signaltrace.gates.diff.judge import diff_not_checked

            self.diff_gate = diff_not_checked(self.settings.diff_fail_under, reason)

    @property
    def gate_failed(self) -> bool:
        """Whether a gate was asked for and is not met (or could not be checked)."""
        failed = False
        if self.settings.fail_under is not None:
            failed = self.gate is None or not self.gate.passed or bool(self.problems)
        if self.settings.diff_fail_under is not None:
            failed = failed or self.diff_gate is None or not self.diff_gate.passed
        return failed

    def worker_faults(self) -> dict[str, object]:
        """This worker's faults, for the controller to report with its own."""
        return {"count": self.faults.count, "faults": list(self.faults.distinct)}

    def add_worker_faults(self, worker: str, data: object) -> None:
        """Take the faults a worker sent back (see :meth:`worker_faults`)."""
        if not isinstance(data, dict):
            return
        count, faults = data.get("count"), data.get("faults")
        if isinstance(count, int) and count > 0 and isinstance(faults, list):
            described = [str(f) for f in faults]
            self.faults.add_descriptions(described, count, prefix=f"worker {worker}: ")

    def add_worker_output(self, worker: str, data: object) -> None:
        """Take a worker's trace, a JSON text (or note that it sent none)."""
        if not isinstance(data, str | dict):
            self.missing_workers.append(worker)
            return
        try:
            document = json.loads(data) if isinstance(data, str) else data
            self.worker_traces[worker] = Trace.from_json(document)
        except (ValueError, KeyError, TypeError) as exc:
            self.missing_workers.append(worker)
            self.faults.report(f"reading the signal trace of worker {worker}", exc)

    def run_trace(self) -> Trace:
        """This run's trace: this process's merged with every worker's, in worker order (merged
        once), without what ``--signal-append`` added."""
        if self._run is None:
            trace = self.stop() if self.role != "controller" else Trace()
            for worker in sorted(self.worker_traces):
                trace = trace.merge(self.worker_traces[worker])
            self._run = trace
        return self._run

    def combined_trace(self) -> Trace:
        """:meth:`run_trace`, after the data file's trace with ``--signal-append``."""
        if self._combined is None:
            trace = self.run_trace()
            if self.appended is not None:
                trace = self.appended.merge(trace)
            self._combined = trace
        return self._combined

    def build(self, static: StaticMap) -> Report:
        """Merge the static map with the combined trace, and judge the gate."""
        from pytest_signaltrace.gates.fail_under import check_fail_under
        from pytest_signaltrace.merge.merge import Exclusions, PathMapper, build_report

        paths = PathMapper(self.rootdir, self.settings.sources)
        self.report = build_report(
            static,
            self.combined_trace(),
            paths,
            exclusions=Exclusions(self.settings.exclude),
            missing_workers=self.missing_workers,
        )
        if self.settings.fail_under is not None:
            self.gate = check_fail_under(
                self.report.receiver_totals,
                self.settings.fail_under,
                sources=self.source_names(),
                precision=self.settings.report_options.precision,
            )
        return self.report

    def source_names(self) -> list[str]:
        """The scanned folders, relative to the rootdir where inside it (POSIX), for messages."""
        names = []
        for source in self.settings.sources:
            try:
                names.append(source.relative_to(self.rootdir).as_posix() or ".")
            except ValueError:
                names.append(str(source))
        return names


def scan_sources(
    sources: Sequence[Path],
    rootdir: Path,
    *,
    cache_dir: Path | None,
    package_roots: Sequence[Path],
    skip_folders: Sequence[Path] = (),
    jobs: int | None = None,
) -> StaticMap:
    """The static map of the source folders, with paths relative to the rootdir;
    ``skip_folders`` (the run's temporary folders) are not scanned."""
    from pytest_signaltrace.scan import scan

    return scan(
        list(sources),
        relative_to=rootdir,
        cache_dir=cache_dir,
        package_roots=package_roots,
        skip_folders=skip_folders,
        jobs=jobs,
    )


class StaticScan:
    """The run's static scan: done on demand, or started early in a background thread.

    The xdist controller runs no tests: while its workers do, it is idle, so it scans then and
    the report is ready as soon as the last worker finishes. (In a process that runs tests, a
    thread would only compete with them for the GIL, so there the scan waits for the end.)
    """

    def __init__(
        self, session: TraceSession, cache_dir: Path | None, skip_folders: Sequence[Path] = ()
    ) -> None:
        self._settings = session.settings
        self._rootdir = session.rootdir
        self._cache_dir = cache_dir
        self._skip_folders = skip_folders
        self._thread: threading.Thread | None = None
        self._result: StaticMap | None = None
        self._error: BaseException | None = None

    def start_in_background(self) -> None:
        """Begin scanning in a daemon thread (no worker processes: forking beside the
        controller's threads is unsafe)."""
        self._thread = threading.Thread(
            target=self._run, kwargs={"jobs": 1}, name="signaltrace-scan", daemon=True
        )
        self._thread.start()

    def _run(self, jobs: int | None = None) -> None:
        try:
            self._result = scan_sources(
                self._settings.sources,
                self._rootdir,
                cache_dir=self._cache_dir,
                package_roots=self._settings.package_roots,
                skip_folders=self._skip_folders,
                jobs=jobs,
            )
        except BaseException as exc:  # handed to result(), which raises it in the caller
            self._error = exc

    def result(self) -> StaticMap:
        """The static map: waits for the background scan, or scans now."""
        if self._thread is not None:
            self._thread.join()
        elif self._result is None and self._error is None:
            self._run()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result
