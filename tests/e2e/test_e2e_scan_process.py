"""The static scan runs in a child process: the test process (and every xdist worker) never
imports the parser, the workers never scan, and no scan process outlives the run, even one that
ends before its tests (a collection error)."""

from __future__ import annotations

import json

import pytest
from e2e_project import DjangoProject
from fault_injection import RECEIVERS

#: Each process of the run writes, as it exits, what it imported and which children it has
#: left (``/proc``: a zombie is still listed).
CONFTEST = """
import atexit
import json
import os
import sys


def _children():
    pids = []
    for task in os.listdir("/proc/self/task"):
        with open(f"/proc/self/task/{task}/children") as handle:
            pids += handle.read().split()
    return pids


NAME = ["main"]


def pytest_configure(config):
    if hasattr(config, "workerinput"):  # not the variable: an outer xdist run sets it too
        NAME[0] = config.workerinput["workerid"]


def _record():
    name = NAME[0]
    modules = sorted(
        m for m in sys.modules if m == "libcst" or m.startswith("pytest_signaltrace.scan")
    )
    with open(f"process-{name}.json", "w") as handle:
        json.dump({"modules": modules, "children": _children()}, handle)


atexit.register(_record)
"""

TESTS = """
from shop.signals import order_placed


def test_place():
    order_placed.send(sender=None)
"""


def _processes(project: DjangoProject) -> dict[str, dict[str, list[str]]]:
    return {
        path.stem.removeprefix("process-"): json.loads(path.read_text())
        for path in project.pytester.path.glob("process-*.json")
    }


@pytest.mark.parametrize("xdist", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_no_process_of_the_run_imports_the_parser_and_workers_never_scan(
    django_project: DjangoProject, xdist: list[str]
) -> None:
    django_project.write(conftest=CONFTEST, test_shop=TESTS, **{"shop/receivers": RECEIVERS})
    result, report = django_project.run_json(*xdist)
    result.assert_outcomes(passed=1)
    # The map came back from the scan process: the receiver was found by the scan.
    assert report.receiver("shop.receivers.notify_warehouse")["declared"] is True
    processes = _processes(django_project)
    assert set(processes) == ({"main", "gw0", "gw1"} if xdist else {"main"})
    for name, process in processes.items():
        assert "libcst" not in process["modules"], name
        assert "pytest_signaltrace.scan.engine" not in process["modules"], name
        if name != "main":
            assert process["modules"] == [], name  # a worker: nothing of the scan at all
    assert processes["main"]["children"] == []


def test_a_run_that_ends_at_collection_leaves_no_scan_process(
    django_project: DjangoProject,
) -> None:
    django_project.write(conftest=CONFTEST, test_shop="def test_broken(:\n")
    result = django_project.run("--signal-report=term")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    main = _processes(django_project)["main"]
    assert main["children"] == []
    assert "pytest_signaltrace.scan.process" in main["modules"]  # it had started one
