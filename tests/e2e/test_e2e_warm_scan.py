"""A rerun on a warm scan cache starts no scan process and never imports the parser, and its
report is the one the scan process gives; a changed receiver is scanned by the process again.

Each process of the inner run counts the scan processes it starts with an audit hook on
``subprocess.Popen`` (a real process start, not a mock) and writes, as it exits, the count and
the scan modules it imported.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from e2e_project import DjangoProject
from fault_injection import RECEIVERS

CONFTEST = """
import atexit
import json
import sys

NAME = ["main"]
STARTED = []


def _audit(event, args):
    if event == "subprocess.Popen" and "scan.handover" in " ".join(map(str, args[1] or ())):
        STARTED.append(args[0])


sys.addaudithook(_audit)


def pytest_configure(config):
    if hasattr(config, "workerinput"):  # not the variable: an outer xdist run sets it too
        NAME[0] = config.workerinput["workerid"]


def _record():
    modules = sorted(
        m for m in sys.modules if m == "libcst" or m.startswith("pytest_signaltrace.scan")
    )
    with open(f"process-{NAME[0]}.json", "w") as handle:
        json.dump({"modules": modules, "scan_processes": len(STARTED)}, handle)


atexit.register(_record)
"""

TESTS = """
from shop.signals import order_placed


def test_place():
    order_placed.send(sender=None)
"""

#: A second receiver, added between two runs.
MORE_RECEIVERS = RECEIVERS + """

@receiver(order_placed)
def notify_billing(sender, **kwargs):
    pass
"""


def _run(project: DjangoProject, *args: str, cache: bool = True) -> tuple[str, dict[str, Any]]:
    """One run: its JSON report's text and what each of its processes did."""
    for old in project.pytester.path.glob("process-*.json"):
        old.unlink()
    result, _ = project.run_json(*args, cache=cache)
    result.assert_outcomes(passed=1)
    processes = {
        path.stem.removeprefix("process-"): json.loads(path.read_text())
        for path in project.pytester.path.glob("process-*.json")
    }
    return (project.pytester.path / "report.json").read_text("utf-8"), processes


@pytest.mark.parametrize("xdist", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_a_rerun_starts_no_scan_process_imports_no_parser_and_reports_the_same(
    django_project: DjangoProject, xdist: list[str]
) -> None:
    django_project.write(conftest=CONFTEST, test_shop=TESTS, **{"shop/receivers": RECEIVERS})
    first, processes = _run(django_project, *xdist)
    assert processes["main"]["scan_processes"] == 1  # a cold cache: the process scans
    second, processes = _run(django_project, *xdist)
    main = processes.pop("main")
    assert main["scan_processes"] == 0
    assert "libcst" not in main["modules"]
    assert "pytest_signaltrace.scan.engine" in main["modules"]  # the map was made here
    assert all(worker == {"modules": [], "scan_processes": 0} for worker in processes.values())
    assert second == first
    receiver = json.loads(second)["receivers"]
    assert [row["handler"] for row in receiver] == ["shop.receivers.notify_warehouse"]


def test_a_changed_receiver_is_scanned_by_the_process_as_without_a_cache(
    django_project: DjangoProject,
) -> None:
    django_project.write(conftest=CONFTEST, test_shop=TESTS, **{"shop/receivers": RECEIVERS})
    _run(django_project)
    django_project.write(**{"shop/receivers": MORE_RECEIVERS})
    changed, processes = _run(django_project)
    assert processes["main"]["scan_processes"] == 1
    handlers = {row["handler"] for row in json.loads(changed)["receivers"]}
    assert handlers == {"shop.receivers.notify_warehouse", "shop.receivers.notify_billing"}
    without_cache, _ = _run(django_project, cache=False)
    assert changed == without_cache
    again, processes = _run(django_project)
    assert processes["main"]["scan_processes"] == 0
    assert again == changed
