"""The whole output of ``signaltrace scan`` on ``example_project/`` is the contract.

Run with ``SIGNALTRACE_UPDATE_GOLDENS=1`` to rewrite the gold files after a deliberate change,
then review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pytest_signaltrace.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "example_project"
GOLDEN = Path(__file__).resolve().parent / "golden"


@pytest.mark.parametrize(
    ("fmt", "gold"), [("markdown", "example_scan.md"), ("json", "example_scan.json")]
)
def test_the_scan_of_the_example_project_matches_its_gold_file(
    fmt: str, gold: str, tmp_path: Path
) -> None:
    output = tmp_path / gold
    assert main(["scan", str(EXAMPLE), "--format", fmt, "-o", str(output), "--no-cache"]) == 0
    actual = output.read_text(encoding="utf-8")
    expected_file = GOLDEN / gold
    if os.environ.get("SIGNALTRACE_UPDATE_GOLDENS"):
        expected_file.write_text(actual, encoding="utf-8")
    expected = expected_file.read_text(encoding="utf-8")
    assert actual == expected, f"differs from {expected_file}; the new output is in {output}"
