"""Stable public names for the shop's signals; other apps may import them from here."""

from __future__ import annotations

from . import signals
from .signals import order_placed as placed
from .signals import order_shipped as shipped

__all__ = ["placed", "shipped", "signals"]
