"""The pytest plugin entry point (``pytest11: signaltrace``).

Loading it must cost nothing and import neither Django nor Celery: projects without them, or
runs that do not ask for a signal report, are left exactly as they were. Runtime tracing is wired
in here as it lands (see the README's roadmap).
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the ``signaltrace`` option group (options arrive with runtime tracing)."""
    parser.getgroup("signaltrace", "signal receiver coverage (pytest-signaltrace)")
