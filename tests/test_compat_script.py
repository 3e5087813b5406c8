"""The peer-suite script's verdict (``tests/compat/run_peer_suites.py``): it must fail when
tracing changes what the frameworks' own tests see."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from script_modules import load_script

SCRIPT = Path(__file__).resolve().parent / "compat" / "run_peer_suites.py"


@pytest.fixture(scope="module")
def script() -> ModuleType:
    return load_script(SCRIPT, "run_peer_suites")


def _pair(script: ModuleType, traced_passed: int, sends: int | None, ok: bool = True) -> list:
    outcome = script.Outcome
    return [
        outcome("django dispatch+signals", False, 41, 0, 1.0, True),
        outcome("django dispatch+signals", True, traced_passed, 41 - traced_passed, 1.0, ok, sends),
    ]


def test_the_same_passes_both_ways_with_sends_traced_is_a_pass(script: ModuleType) -> None:
    assert script._compare(_pair(script, 41, 347)) == []


def test_fewer_tests_passing_with_the_plugin_is_a_failure(script: ModuleType) -> None:
    problems = script._compare(_pair(script, 40, 347, ok=False))
    assert "django dispatch+signals (traced)" in problems
    assert "django dispatch+signals: 40 tests passed traced, 41 without" in problems


def test_a_traced_run_that_recorded_nothing_is_a_failure(script: ModuleType) -> None:
    for sends in (None, 0):
        problems = script._compare(_pair(script, 41, sends))
        assert problems == ["django dispatch+signals: the traced run recorded no send"]


def test_the_version_range_ends_before_the_next_minor(script: ModuleType) -> None:
    assert script._next_minor("4.2") == "4.3"
    assert script._next_minor("5.10") == "5.11"


@pytest.mark.parametrize(
    ("output", "counts"),
    [
        ("....\n---\nRan 41 tests in 5.2s\n\nOK\n", (41, 0)),
        ("Ran 35 tests in 1s\n\nOK (skipped=2)\n", (33, 0)),
        ("Ran 41 tests in 5s\n\nFAILED (failures=1, errors=2, skipped=1)\n", (37, 3)),
        ("Traceback (most recent call last):\nImportError\n", (0, 0)),
    ],
)
def test_a_unittest_summary_is_read(
    script: ModuleType, output: str, counts: tuple[int, int]
) -> None:
    assert script.unittest_summary(output) == counts


@pytest.mark.parametrize(
    ("output", "counts"),
    [
        ("18 passed in 2.31s\n", (18, 0)),
        ("1 failed, 17 passed, 2 errors in 3s\n", (17, 3)),
        ("no tests ran in 0.1s\n", (0, 0)),
    ],
)
def test_a_pytest_summary_is_read(script: ModuleType, output: str, counts: tuple[int, int]) -> None:
    assert script.pytest_summary(output) == counts


def test_the_flask_suite_shim_puts_back_the_name_flasks_tests_import() -> None:
    spec = importlib.util.spec_from_file_location(
        "flask_suite_shim", SCRIPT.parent / "flask_suite_shim.py"
    )
    assert spec is not None
    assert spec.loader is not None
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
    from _pytest.compat import NOTSET
    from _pytest.monkeypatch import notset  # type: ignore[attr-defined]

    assert notset is NOTSET


def test_the_sends_of_a_traced_run_are_read_from_its_json_report(
    script: ModuleType, tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    assert script._report_sends(report) is None
    report.write_text('{"signals": [{"sends": 3}, {"sends": 4}]}', encoding="utf-8")
    assert script._report_sends(report) == 7
