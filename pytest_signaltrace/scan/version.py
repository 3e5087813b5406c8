"""The version that keys the scan's caches, apart from the call shapes it keys: a warm scan
reads its caches without building any shape (or compiling their patterns)."""

from __future__ import annotations

from pytest_signaltrace import __version__, frameworks


def tool_version() -> str:
    """The package's version and the registry's fingerprint (a framework added or changed
    changes what the pre-filter and the visitor find)."""
    return f"{__version__}+{frameworks.catalogue().fingerprint}"
