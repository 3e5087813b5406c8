"""The first traced run in a git checkout says how to keep the data file out of git, once:
``pytest --signal-report`` and ``signaltrace run`` alike."""

from __future__ import annotations

import subprocess
import sys

import pytest
from e2e_project import DjangoProject

TESTS = """
from shop.signals import order_placed


def test_place():
    order_placed.send(sender="web")
"""

HINT = (
    "pytest-signaltrace: wrote the data file .signaltrace (for signaltrace report, combine and "
    "diff); keep it out of git: add '.signaltrace*' to .gitignore"
)


@pytest.fixture
def project(django_project: DjangoProject) -> DjangoProject:
    django_project.write(test_shop=TESTS)
    (django_project.pytester.path / ".git").mkdir()  # a checkout's top, as far as the hint cares
    return django_project


@pytest.mark.parametrize("xdist", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_the_run_that_creates_the_data_file_says_how_to_ignore_it_and_the_next_does_not(
    project: DjangoProject, xdist: tuple[str, ...]
) -> None:
    first = project.run("--signal-report", *xdist)
    first.assert_outcomes(passed=1)
    assert first.outlines.count(HINT) == 1

    second = project.run("--signal-report", *xdist)
    second.assert_outcomes(passed=1)
    assert HINT not in second.outlines


def test_a_gitignore_that_names_the_data_file_keeps_the_run_quiet(project: DjangoProject) -> None:
    (project.pytester.path / ".gitignore").write_text(".signaltrace\n")
    result = project.run("--signal-report")
    result.assert_outcomes(passed=1)
    assert (project.pytester.path / ".signaltrace").exists()
    assert not any("keep it out of git" in line for line in result.outlines)


PLACE = """
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
import django

django.setup()

from shop.signals import order_placed

order_placed.send(sender="web")
"""


def _signaltrace_run(project: DjangoProject) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-m", "pytest_signaltrace", "run", "--", sys.executable, "place.py"],
        cwd=project.pytester.path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stderr.splitlines()


def test_signaltrace_run_says_it_once_too(project: DjangoProject) -> None:
    project.write(place=PLACE)

    first = _signaltrace_run(project)
    assert first[-2:] == ["Wrote signal data to .signaltrace", HINT.replace("pytest-", "", 1)]

    assert _signaltrace_run(project)[-1] == "Wrote signal data to .signaltrace"
