"""The suite's own pytest configuration: xdist by default for the suite, never for the runs that
its end-to-end tests start (they read their own ini file)."""

from __future__ import annotations

import pytest

REPORT_OPTIONS = """
def pytest_configure(config):
    print(
        "inner run: numprocesses", config.getoption("numprocesses", None),
        "dist", config.getoption("dist", None),
    )
"""


def test_pytester_runs_do_not_inherit_the_suites_xdist_options(pytester: pytest.Pytester) -> None:
    # In a subprocess, as the end-to-end tests run pytest (in-process, pytest-django's test
    # environment, set up once per process, would be set up twice).
    pytester.makeconftest(REPORT_OPTIONS)
    pytester.makepyfile("def test_one():\n    pass\n")

    result = pytester.runpytest_subprocess("-s", "-p", "no:cacheprovider", "-p", "no:signaltrace")

    result.stdout.fnmatch_lines(["inner run: numprocesses None dist no"])
    result.assert_outcomes(passed=1)


def test_the_slow_marker_is_registered(pytestconfig: pytest.Config) -> None:
    markers = pytestconfig.getini("markers")
    assert any(line.startswith("slow:") for line in markers)
