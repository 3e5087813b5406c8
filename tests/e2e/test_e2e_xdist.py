"""pytest-xdist: workers record, the controller merges and reports once, as a serial run would."""

from __future__ import annotations

import json

import pytest
from e2e_project import DjangoProject

RECEIVERS = """
from functools import partial

from django.dispatch import receiver

from shop.signals import order_placed, order_refunded, order_shipped


@receiver(order_placed)
def notify_warehouse(sender, **kwargs):
    pass


@receiver([order_placed, order_shipped], dispatch_uid="notify-customer")
def notify_customer(sender, **kwargs):
    pass


@receiver(order_shipped)
def track_parcel(sender, **kwargs):
    if kwargs.get("express"):
        raise ValueError("no express couriers today")


@receiver(order_refunded)
def confirm_refund(sender, **kwargs):
    pass


def log_event(event, sender, **kwargs):
    pass


order_shipped.connect(partial(log_event, "shipped"), weak=False)
"""

SERVICES = """
from shop.signals import order_placed, order_shipped


def place_order(channel):
    order_placed.send(sender=channel)


def ship_order(express=False):
    return order_shipped.send_robust(sender="web", express=express)
"""

TESTS_PLACE = """
import json

import pytest

from shop.services import place_order


@pytest.mark.parametrize("channel", ["web", "app", "phone", "shop"])
def test_place_order(channel):
    place_order(channel)
"""

TESTS_SHIP = """
from shop.services import ship_order
from shop.signals import order_shipped


def test_ship_order():
    ship_order()


def test_ship_express():
    ship_order(express=True)


def test_a_receiver_connected_in_a_test():
    seen = []

    def spy(sender, **kwargs):
        seen.append(sender)

    order_shipped.connect(spy)
    try:
        ship_order()
    finally:
        order_shipped.disconnect(spy)
    assert seen == ["web"]
"""


@pytest.fixture
def spread_project(django_project: DjangoProject) -> DjangoProject:
    """A project with no database whose tests are spread over two files."""
    django_project.write(
        **{
            "shop/receivers": RECEIVERS,
            "shop/services": SERVICES,
            "test_place": TESTS_PLACE,
            "test_ship": TESTS_SHIP,
        }
    )
    return django_project


def test_serial_one_worker_and_two_workers_give_identical_json(
    spread_project: DjangoProject,
) -> None:
    reports = {}
    for label, args in {"serial": (), "-n 1": ("-n", "1"), "-n 2": ("-n", "2")}.items():
        result, report = spread_project.run_json(*args)
        result.assert_outcomes(passed=7)
        reports[label] = report.data
    serial = reports["serial"]
    assert serial["summary"]["receivers"] == {"total": 6, "exercised": 5, "percent": 83.33}
    # pytester's --basetemp (runpytest-N, and its runpytest-current link) is inside the rootdir,
    # where the workers create and delete folders while the controller scans: not scanned.
    assert serial["files_skipped"] == []
    assert reports["-n 1"] == serial
    assert reports["-n 2"] == serial


def test_the_c_and_the_pure_python_send_patch_give_identical_json(
    spread_project: DjangoProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    reports = {}
    for label, pure in {"c": "", "python": "1"}.items():
        monkeypatch.setenv("SIGNALTRACE_PURE_PYTHON", pure)
        result, report = spread_project.run_json()
        result.assert_outcomes(passed=7)
        reports[label] = report.data
    assert reports["python"]["summary"]["receivers"]["exercised"] == 5
    assert reports["c"] == reports["python"]


def test_the_controller_reports_once_and_applies_the_gate(spread_project: DjangoProject) -> None:
    result = spread_project.run("-n", "2", "--signal-fail-under=90")
    result.assert_outcomes(passed=7)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "TOTAL * 6 * 5 * 83.33%",
            "FAIL Required signal receiver coverage of 90% not reached. Total coverage: 83.33%",
        ]
    )
    assert sum("signal receiver coverage -" in line for line in result.outlines) == 1


CRASHING_TESTS = """
import os

from shop.services import place_order


def test_the_worker_dies():
    place_order("web")
    os._exit(1)
"""


def test_a_worker_that_died_is_reported_as_missing(spread_project: DjangoProject) -> None:
    spread_project.write(test_crash=CRASHING_TESTS)
    result, report = spread_project.run_json("-n", "2", "--signal-report=term")
    result.assert_outcomes(passed=7, failed=1)
    (missing,) = report.data["missing_workers"]
    assert missing in ("gw0", "gw1")
    result.stdout.fnmatch_lines(
        [
            f"WARNING: no signal data from worker(s) {missing}: "
            "the tests they ran are missing from this report."
        ]
    )


def test_a_pytest_started_inside_an_xdist_worker_still_reports(
    spread_project: DjangoProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What a pytest run by a test of an ``-n 2`` run inherits from its worker.
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw1")
    result, report = spread_project.run_json("--signal-report=term")
    result.assert_outcomes(passed=7)
    result.stdout.fnmatch_lines(["TOTAL * 6 * 5 * 83.33%"])
    assert report.summary["receivers"]["exercised"] == 5


#: Writes, at the end of the xdist controller's session, what of the trace it still holds.
CONTROLLER_STATE = """
import json
from pathlib import Path

import json

import pytest
from pytest_signaltrace.plugin.hooks import _SESSION


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session):
    config = session.config
    if hasattr(config, "workerinput"):
        return
    trace = config.stash[_SESSION]
    state = {
        "role": trace.role,
        "patched": trace.installation is not None,
        "recorder": trace.recorder is not None,
        "children": trace.children is not None,
    }
    (Path(__file__).parent / "controller.json").write_text(json.dumps(state))
"""


def test_an_xdist_controller_started_inside_an_xdist_worker_records_nothing(
    spread_project: DjangoProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before ``pytest_configure`` the inherited variable makes the inner controller look like a
    worker, so the patches go in; once its role is known they come out again."""
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw1")
    spread_project.write(conftest=CONTROLLER_STATE)
    result, report = spread_project.run_json("-n", "2")
    result.assert_outcomes(passed=7)
    assert report.summary["receivers"]["exercised"] == 5
    state = (spread_project.pytester.path / "controller.json").read_text(encoding="utf-8")
    assert json.loads(state) == {
        "role": "controller",
        "patched": False,
        "recorder": False,
        "children": False,
    }
