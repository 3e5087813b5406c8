"""The static half: find signal definitions, receivers and send sites without importing code.

:func:`scan` is imported on first use, so that the parts a test run needs without scanning
(:mod:`.handover`, :mod:`.process`: the scan run in a child process) cost the run nothing more.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pytest_signaltrace.scan.entry import scan

__all__ = ["scan"]


def __getattr__(name: str) -> Any:
    if name == "scan":
        from pytest_signaltrace.scan.entry import scan

        return scan
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
