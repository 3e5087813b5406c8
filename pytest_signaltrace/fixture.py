"""The ``signals`` fixture's public types, at the import path users already know.

The fixture lives in :mod:`pytest_signaltrace.plugin.fixture`; this module re-exports it.
"""

from __future__ import annotations

from pytest_signaltrace.plugin.fixture import SentCall, SignalsFixture, observing

__all__ = ["SentCall", "SignalsFixture", "observing"]
