"""The first traced run in a git checkout says how to keep the data file out of git, once."""

from __future__ import annotations

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
