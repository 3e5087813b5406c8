"""The static half: find signal definitions, receivers and send sites without importing code.

:func:`scan` is imported on first use, so that the parts a test run needs without scanning
(:mod:`.handover`, :mod:`.process`: the scan run in a child process) cost the run nothing more.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_signaltrace import __version__, frameworks

if TYPE_CHECKING:
    from pytest_signaltrace.scan.entry import scan

__all__ = ["scan", "tool_version"]


def tool_version() -> str:
    """The version that keys the scan's caches: the package's and the registry's fingerprint
    (a framework added or changed changes what the pre-filter and the visitor find). Here, not
    with the shapes it keys: a warm scan reads its caches without building any shape."""
    return f"{__version__}+{frameworks.catalogue().fingerprint}"


def __getattr__(name: str) -> Any:
    if name == "scan":
        from pytest_signaltrace.scan.entry import scan

        return scan
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
