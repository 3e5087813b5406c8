"""Marks for the trace tests that depend on which send patch Django's version gets."""

from __future__ import annotations

import django
import pytest

#: For tests of the send patch's fast path (no-receiver counters, the bounded walk to the project
#: frame, the C patch): Django 4.2's ``send`` loses its receivers' list when it raises, so it is
#: patched by the capturing path instead (``send_patch._slow_send``), which looks for the project
#: frame on every send and adds one Python frame to each.
fast_send_path = pytest.mark.skipif(
    django.VERSION < (5, 0),
    reason="Django 4.2's send takes the capturing path, not the fast one",
)
