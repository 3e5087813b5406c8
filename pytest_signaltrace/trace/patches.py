"""The trace's patches, by concern: :mod:`.installation` (hooks, classes patched, rebinding),
:mod:`.send_patch` and :mod:`.asend_patch` (the recording sends), :mod:`.connects` (creation,
connect, disconnect), :mod:`.tracer` (the state they share, recording a finished send). This
module keeps the names it had before the split."""

from __future__ import annotations

from pytest_signaltrace.trace.installation import Installation, install
from pytest_signaltrace.trace.tracer import PURE_PYTHON_ENV, fast_send_class

__all__ = ["PURE_PYTHON_ENV", "Installation", "fast_send_class", "install"]
