"""A process that only reads traces does not import the patches: the xdist controller imports
the plugin's session and the trace model, and paid for wrapt and every send patch (about 80 M
instructions of its start-up) although it patches nothing."""

from __future__ import annotations

import subprocess
import sys

import pytest

_HEAVY = ("wrapt", "pytest_signaltrace.trace.installation", "pytest_signaltrace.trace.send_patch")


def _imported_after(statement: str) -> set[str]:
    code = f"{statement}\nimport sys\nprint('\\n'.join(sys.modules))"
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return set(output.split())


@pytest.mark.parametrize(
    "statement",
    [
        "import pytest_signaltrace.plugin.session",
        "from pytest_signaltrace.trace.model import Trace",
        "from pytest_signaltrace.trace import Trace, SignalTraceWarning",
    ],
)
def test_reading_traces_imports_no_patch(statement: str) -> None:
    assert not _imported_after(statement) & set(_HEAVY)


def test_the_package_still_gives_the_patches_on_first_use() -> None:
    modules = _imported_after(
        "from pytest_signaltrace.trace import Installation, Recorder, install, "
        "find_existing_signals\nassert callable(install)"
    )
    assert "pytest_signaltrace.trace.installation" in modules
