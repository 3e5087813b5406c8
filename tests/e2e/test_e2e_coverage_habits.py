"""pytest-cov habits that work the same here: ``--signal-report=`` for no report, and an
environment variable naming the data file (``COVERAGE_FILE``'s twin)."""

from __future__ import annotations

import json

import pytest
from e2e_project import DjangoProject

RECEIVERS = """
from django.dispatch import receiver

from shop.signals import order_placed


@receiver(order_placed)
def on_placed(sender, **kwargs):
    pass
"""

TESTS = """
from shop.signals import order_placed


def test_place():
    order_placed.send(sender=None)
"""


@pytest.fixture
def project(django_project: DjangoProject) -> DjangoProject:
    django_project.write(**{"shop/receivers": RECEIVERS, "test_shop": TESTS})
    return django_project


def _data(project: DjangoProject, name: str = ".signaltrace") -> dict[str, object]:
    loaded: dict[str, object] = json.loads((project.pytester.path / name).read_text())
    return loaded


def test_an_empty_report_value_traces_and_writes_the_data_file_but_prints_no_report(
    project: DjangoProject,
) -> None:
    result = project.run("--signal-report=")
    result.assert_outcomes(passed=1)
    assert "signal receiver coverage" not in result.stdout.str()
    assert _data(project)["format"] == "pytest-signaltrace-data"


def test_an_empty_report_value_still_applies_the_gate(project: DjangoProject) -> None:
    result = project.run("--signal-report=", "--signal-fail-under=100")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["Required signal receiver coverage of 100% reached*"])


def test_signaltrace_file_names_the_data_file(
    project: DjangoProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIGNALTRACE_FILE", "shard-1.signaltrace")
    project.run("--signal-report").assert_outcomes(passed=1)
    assert _data(project, "shard-1.signaltrace")["format"] == "pytest-signaltrace-data"
    assert not (project.pytester.path / ".signaltrace").exists()
    # The option still wins.
    project.run("--signal-report", "--signal-data-file=explicit").assert_outcomes(passed=1)
    assert (project.pytester.path / "explicit").exists()
