"""The static half: find signal definitions, receivers and send sites without importing code."""

from __future__ import annotations

from pytest_signaltrace.scan.engine import scan

__all__ = ["scan"]
