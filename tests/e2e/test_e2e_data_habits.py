"""coverage's data-file habits on a real Django project: ``--signal-append`` / ``append``,
run ids that keep ``signaltrace combine`` from counting data twice, and ``parallel = true``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from e2e_project import DjangoProject, signaltrace

RECEIVERS = """
from django.dispatch import receiver

from shop.signals import order_placed, order_shipped


@receiver(order_placed)
def notify_warehouse(sender, **kwargs):
    pass


@receiver([order_placed, order_shipped], dispatch_uid="notify-customer")
def notify_customer(sender, **kwargs):
    pass
"""

TESTS = """
import pytest

from shop.signals import order_placed, order_shipped


@pytest.mark.parametrize("channel", ["web", "app"])
def test_place(channel):
    order_placed.send(sender=channel)


def test_ship():
    order_shipped.send(sender="web")
"""

XDIST = pytest.mark.parametrize("xdist", [(), ("-n", "2")], ids=["serial", "xdist"])


@pytest.fixture
def project(django_project: DjangoProject) -> DjangoProject:
    django_project.write(**{"shop/receivers": RECEIVERS, "test_shop": TESTS})
    return django_project


def report_of(datafile: Path) -> dict[str, Any]:
    """The JSON report ``signaltrace report`` renders from a data file."""
    result = signaltrace("report", str(datafile), "--format", "json", cwd=datafile.parent)
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def calls(report: dict[str, Any]) -> dict[str, tuple[int, list[str]]]:
    """Each receiver's calls and tests, by handler and signal name."""
    return {
        f"{row['handler'].rsplit('.', 1)[-1]} {row['signal'].rsplit('.', 1)[-1]}": (
            row["calls"],
            sorted(row["tests"]),
        )
        for row in report["receivers"]
    }


PLACED = ["test_shop.py::test_place[app]", "test_shop.py::test_place[web]"]
FULL = {
    "notify_warehouse order_placed": (2, PLACED),
    "notify_customer order_placed": (2, PLACED),
    "notify_customer order_shipped": (1, ["test_shop.py::test_ship"]),
}


@XDIST
def test_signal_append_adds_a_rerun_to_the_data_instead_of_replacing_it(
    project: DjangoProject, xdist: tuple[str, ...]
) -> None:
    project.run("--signal-report=", "-k", "place", *xdist).assert_outcomes(passed=2)
    result, report = project.run_json("--signal-append", "-k", "ship", *xdist)
    result.assert_outcomes(passed=1)
    # The run's own report is of the appended data, as pytest-cov's is with --cov-append.
    assert calls(report.data) == FULL
    assert calls(report_of(project.pytester.path / ".signaltrace")) == FULL
    # A rerun without it replaces the data, as before.
    project.run("--signal-report=", "-k", "ship", *xdist).assert_outcomes(passed=1)
    alone = calls(report_of(project.pytester.path / ".signaltrace"))
    assert alone["notify_warehouse order_placed"] == (0, [])


@pytest.mark.parametrize(
    ("ini", "pyproject", "appended"),
    [
        ("signaltrace_append = true", None, True),
        (None, "append = true", True),
        ("signaltrace_append = false", "append = true", False),
    ],
    ids=["ini", "pyproject", "ini-false-wins"],
)
def test_append_in_the_configuration(
    project: DjangoProject, ini: str | None, pyproject: str | None, appended: bool
) -> None:
    project.run("--signal-report=", "-k", "place").assert_outcomes(passed=2)
    if ini:
        project.ini(ini)
    if pyproject:
        (project.pytester.path / "pyproject.toml").write_text(f"[tool.signaltrace]\n{pyproject}\n")
    project.run("--signal-report=", "-k", "ship").assert_outcomes(passed=1)
    found = calls(report_of(project.pytester.path / ".signaltrace"))
    if appended:
        assert found == FULL
    else:  # the ini file's false beats pyproject's true, as any ini key beats pyproject
        assert found["notify_warehouse order_placed"] == (0, [])


def test_appending_to_data_of_other_code_replaces_it_and_says_so(project: DjangoProject) -> None:
    project.run("--signal-report=", "-k", "place").assert_outcomes(passed=2)
    project.write(**{"shop/receivers": RECEIVERS + "\n\nX = 1\n" + RECEIVERS.split("\n\n\n")[1]})
    result = project.run("--signal-report=", "--signal-append", "-k", "ship")
    result.assert_outcomes(passed=1)
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        ["pytest-signaltrace: --signal-append: */.signaltrace holds data of other code (*); "
         "replaced it with this run's data"]
    )  # fmt: skip
    after = calls(report_of(project.pytester.path / ".signaltrace"))
    assert after["notify_warehouse order_placed"] == (0, [])


def test_combine_never_counts_the_same_data_twice(project: DjangoProject) -> None:
    root = project.pytester.path
    project.run("--signal-report=", "--signal-data-file=a.data", "-k", "place")
    project.run("--signal-report=", "--signal-data-file=b.data", "-k", "ship")
    first = signaltrace("combine", "a.data", "b.data", "-o", "ab.data", cwd=root)
    assert first.returncode == 0, first.stderr
    assert first.stderr == ""
    assert calls(report_of(root / "ab.data")) == FULL
    # The previous output given again with one of its inputs: the input is already included.
    again = signaltrace("combine", "b.data", "ab.data", "-o", "again.data", cwd=root)
    assert again.returncode == 0, again.stderr
    assert again.stderr == (
        "signaltrace: skipped b.data: its data is already included (from ab.data)\n"
    )
    assert again.stdout == "Combined 1 data file into again.data\n"
    assert calls(report_of(root / "again.data")) == FULL
    twice = signaltrace("combine", "a.data", "a.data", "-o", "twice.data", cwd=root)
    assert twice.returncode == 0, twice.stderr
    assert "skipped a.data: its data is already included (from a.data)" in twice.stderr
    assert twice.stdout == "Combined 1 data file into twice.data\n"
    assert calls(report_of(root / "twice.data")) == calls(report_of(root / "a.data"))


@XDIST
def test_parallel_writes_one_file_per_run_that_a_bare_combine_adds_up(
    project: DjangoProject, xdist: tuple[str, ...]
) -> None:
    root = project.pytester.path
    (root / "pyproject.toml").write_text("[tool.signaltrace]\nparallel = true\n")
    project.run("--signal-report=", "-k", "place", *xdist).assert_outcomes(passed=2)
    project.run("--signal-report=", "-k", "ship", *xdist).assert_outcomes(passed=1)
    parts = sorted(p.name for p in root.glob(".signaltrace.*"))
    assert len(parts) == 2, parts
    assert not (root / ".signaltrace").exists()
    combined = signaltrace("combine", cwd=root)
    assert combined.returncode == 0, combined.stderr
    assert combined.stdout == "Combined 2 data files into .signaltrace\n"
    assert list(root.glob(".signaltrace.*")) == []
    assert calls(report_of(root / ".signaltrace")) == FULL
