"""Each process of a traced run imports only what its role needs.

A module imported is paid for by every process that imports it, at every run (unmarshalling its
bytecode and running its body: about 2 M instructions a module): so the end of the run's
modules (the merge, the reports, the gates, the data file's reading and writing) are imported
only at the end of the run, never by an xdist worker (it hands its trace over, nothing more);
the xdist controller, which runs no tests, never imports the patches or the recorder; and the
optional trace tables are imported only when switched on.

The project's conftest writes the package's modules in ``sys.modules`` at the first test and at
the very end of each process, one file per process (``modules-<worker or main>-<when>.json``),
and those of them pytest's assertion rewriter loaded (``rewritten-...``).
"""

from __future__ import annotations

import json

import pytest
from e2e_project import TWO_OF_THREE_RECEIVERS, TWO_OF_THREE_TESTS, DjangoProject

RECORD_MODULES = """
import json
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
_process = []
_first = []


def pytest_configure(config):
    # Not from PYTEST_XDIST_WORKER: a run started inside an xdist worker inherits it.
    workerinput = getattr(config, "workerinput", None)
    _process.append(workerinput["workerid"] if workerinput else "main")


def _write(when):
    modules = sorted(m for m in sys.modules if m.startswith(("pytest_signaltrace", "wrapt")))
    (HERE / f"modules-{_process[0]}-{when}.json").write_text(json.dumps(modules))
    rewritten = [
        m for m in modules if type(sys.modules[m].__loader__).__name__ == "AssertionRewritingHook"
    ]
    (HERE / f"rewritten-{_process[0]}-{when}.json").write_text(json.dumps(rewritten))


def pytest_runtest_setup(item):
    if not _first:
        _first.append(item)
        _write("first-test")


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    _write("end")
"""

#: The end of the run's modules: imported after the last test, and never by an xdist worker.
END_OF_RUN = (
    "pytest_signaltrace.model",
    "pytest_signaltrace.merge.merge",
    "pytest_signaltrace.merge.verdicts",
    "pytest_signaltrace.plugin.finish",
    "pytest_signaltrace.plugin.outputs",
    "pytest_signaltrace.plugin.summary",
    "pytest_signaltrace.plugin.fault_warning",
    "pytest_signaltrace.datafile.data",
    "pytest_signaltrace.datafile.write",
    "pytest_signaltrace.trace.json_read",
    "pytest_signaltrace.gates.fail_under",
    "pytest_signaltrace.report.terminal",
    "pytest_signaltrace.report.json_report",
)
#: What records the trace: never imported by the xdist controller, which runs no tests.
RECORDING = (
    "wrapt",
    "pytest_signaltrace.trace.recorder",
    "pytest_signaltrace.trace.installation",
    "pytest_signaltrace.trace.send_patch",
    "pytest_signaltrace.plugin.subprocesses",
)
#: Never imported by a run that writes its data file and reports: the scan's reading of files
#: (a warm scan answers from the cache; a cold one runs in its own process) and the data file's
#: reading, checking and combining (only ``--signal-append`` reads it).
NOT_FOR_A_REPORT = (
    "pytest_signaltrace.scan.shapes",
    "pytest_signaltrace.scan.files",
    "pytest_signaltrace.scan.bytefacts",
    "pytest_signaltrace.scan.prefilter",
    "pytest_signaltrace.datafile.data",
    "pytest_signaltrace.datafile.check",
    "pytest_signaltrace.datafile.read",
    "pytest_signaltrace.datafile.combine",
)
#: Optional: imported only when switched on (``--signal-durations``).
DURATIONS = ("pytest_signaltrace.trace.durations", "pytest_signaltrace.report.durations")


@pytest.fixture
def project(django_project: DjangoProject) -> DjangoProject:
    django_project.write(
        conftest=RECORD_MODULES,
        **{"shop/receivers": TWO_OF_THREE_RECEIVERS, "test_shop": TWO_OF_THREE_TESTS},
    )
    return django_project


def _modules(project: DjangoProject, process: str, when: str, which: str = "modules") -> set[str]:
    path = project.pytester.path / f"{which}-{process}-{when}.json"
    return set(json.loads(path.read_text(encoding="utf-8")))


def test_a_serial_run_imports_the_end_of_the_run_only_at_its_end(project: DjangoProject) -> None:
    result = project.run("--signal-report=term")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*signal receiver coverage*", "TOTAL * 3 * 3 *100.00%"])
    first_test = _modules(project, "main", "first-test")
    assert "pytest_signaltrace.trace.recorder" in first_test  # it records
    assert first_test.isdisjoint(END_OF_RUN), first_test & set(END_OF_RUN)
    end = _modules(project, "main", "end")
    assert {"pytest_signaltrace.model", "pytest_signaltrace.plugin.finish"} <= end
    assert end.isdisjoint(DURATIONS), end & set(DURATIONS)
    assert "pytest_signaltrace.plugin.xdist" not in end  # no workers to hear from


def test_a_run_reads_no_source_and_no_data_file(project: DjangoProject) -> None:
    for _ in range(2):  # the scan cold (in the scan's own process), then warm (in-process)
        result = project.run("--signal-report=term")
        result.assert_outcomes(passed=2)
        end = _modules(project, "main", "end")
        assert end.isdisjoint(NOT_FOR_A_REPORT), sorted(end & set(NOT_FOR_A_REPORT))
        assert (project.pytester.path / ".signaltrace").is_file()


def test_the_package_loads_as_plain_modules_not_through_the_assertion_rewriter(
    project: DjangoProject,
) -> None:
    """pytest loads the modules it rewrites from its own cache, object by object through
    Python calls: only the few imported before the plugin's first hook still go that way."""
    result = project.run("--signal-report=term")
    result.assert_outcomes(passed=2)
    end = _modules(project, "main", "end")
    rewritten = _modules(project, "main", "end", which="rewritten")
    assert "pytest_signaltrace.trace.recorder" in end
    assert len(rewritten) < 20, sorted(rewritten)
    assert rewritten.isdisjoint({"pytest_signaltrace.trace.recorder", *END_OF_RUN}), rewritten


def test_under_xdist_workers_only_record_and_the_controller_only_reports(
    project: DjangoProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    # This test may itself run in an xdist worker: the inner controller must not inherit the
    # variable that, before pytest_configure, is all that tells a worker.
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    result = project.run("--signal-report=term", "-n", "2")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*signal receiver coverage*", "TOTAL * 3 * 3 *100.00%"])
    for worker in ("gw0", "gw1"):
        end = _modules(project, worker, "end")
        assert "pytest_signaltrace.trace.recorder" in end  # it records
        assert end.isdisjoint(END_OF_RUN), (worker, end & set(END_OF_RUN))
        assert end.isdisjoint(DURATIONS), (worker, end & set(DURATIONS))
        scan = {
            m
            for m in end
            if m.startswith(("pytest_signaltrace.scan", "pytest_signaltrace.plugin.static"))
        }
        assert not scan, (worker, scan)  # the controller scans
    controller = _modules(project, "main", "end")
    assert "pytest_signaltrace.plugin.finish" in controller  # it reports
    assert controller.isdisjoint(RECORDING), controller & set(RECORDING)


def test_the_durations_tables_are_imported_when_switched_on(project: DjangoProject) -> None:
    result = project.run("--signal-report=term", "--signal-durations=5")
    result.assert_outcomes(passed=2)
    assert set(DURATIONS) <= _modules(project, "main", "end")


COUNT_COLLECTIONS = """
import gc
import os
import sys

import pytest

_collections = []


def _count(phase, info):
    # A collection while the report is built: the end of the run's code is on the stack (one
    # just after it, when the collector is back on, is the one it postponed).
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_filename.endswith(os.path.join("plugin", "finish.py")):
            if phase == "start":
                _collections.append(info["generation"])
            return
        frame = frame.f_back


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtestloop(session):
    try:
        return (yield)
    finally:
        # The plugin's end of the run (between these two wrappers) is over: what ran in it?
        gc.callbacks.remove(_count)
        print(f"COLLECTIONS {len(_collections)} ENABLED {gc.isenabled()}")


class Inner:
    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_runtestloop(self, session):
        try:
            return (yield)
        finally:
            gc.callbacks.append(_count)


def pytest_configure(config):
    config.pluginmanager.register(Inner(), "count-collections-inner")
"""

MANY_TESTS = """
import pytest

from shop.signals import order_placed


@pytest.mark.parametrize("number", range(200))
def test_send(number):
    order_placed.send(sender=None, number=number)


def test_last():
    pass
"""


def test_the_collector_does_not_run_while_the_report_is_built(
    django_project: DjangoProject,
) -> None:
    # Building the report allocates enough to start collections of the test process's heap.
    django_project.write(conftest=COUNT_COLLECTIONS, test_shop=MANY_TESTS)
    for _ in range(2):  # cold, then warm (the scan in-process)
        result = django_project.run("--signal-report=term", "-s", "-p", "no:randomly")
        result.assert_outcomes(passed=201)
        result.stdout.fnmatch_lines(["*COLLECTIONS 0 ENABLED True*"])
