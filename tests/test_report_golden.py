"""The merged report of ``example_project/`` (Markdown and JSON) is the contract.

The project's own tests run in a subprocess with ``--signal-report``. What depends on the
installed Django rather than on this tool is scrubbed: how many times Django's built-in signals
were sent (Django's own models emit ``post_save`` while the test database is set up) and the
tool's version. Run with ``SIGNALTRACE_UPDATE_GOLDENS=1`` to rewrite the gold files after a
deliberate change, then review the diff.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

django = pytest.importorskip("django")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "example_project"
GOLDEN = Path(__file__).resolve().parent / "golden"

pytestmark = pytest.mark.skipif(
    django.VERSION < (5, 0),
    reason="the gold files were made with Django 5: on 4.2 the async receiver is not connected",
)


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Run example_project's tests once, asking for both reports."""
    out = tmp_path_factory.mktemp("reports")
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        "--no-migrations",
        "--signal-data-file=",
        f"--signal-report=json:{out / 'report.json'}",
        f"--signal-report=markdown:{out / 'report.md'}",
    ]
    result = subprocess.run(command, cwd=EXAMPLE, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return {
        "json": _scrub_json((out / "report.json").read_text(encoding="utf-8")),
        "markdown": _scrub_markdown((out / "report.md").read_text(encoding="utf-8")),
    }


def _scrub_json(text: str) -> str:
    data: dict[str, Any] = json.loads(text)
    data["tool"] = "pytest-signaltrace <version>"
    for signal in data["signals"]:
        if signal["signal"].startswith("django."):
            signal["sends"] = "<sends>"
    return json.dumps(data, indent=2) + "\n"


def _scrub_markdown(text: str) -> str:
    lines = []
    for line in text.splitlines():
        if "`django." in line:
            line = re.sub(r"sent \d+ times", "sent <n> times", line)
            line = re.sub(r"\| \d+ \|$", "| <n> |", line)
        lines.append(line)
    return "\n".join(lines) + "\n"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fmt", "gold"), [("json", "example_report.json"), ("markdown", "example_report.md")]
)
def test_the_report_of_the_example_project_matches_its_gold_file(
    reports: dict[str, str], fmt: str, gold: str
) -> None:
    expected_file = GOLDEN / gold
    if os.environ.get("SIGNALTRACE_UPDATE_GOLDENS"):
        expected_file.write_text(reports[fmt], encoding="utf-8")
    assert reports[fmt] == expected_file.read_text(encoding="utf-8"), (
        f"differs from {expected_file}"
    )
