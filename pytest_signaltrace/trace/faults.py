"""Faults inside the tracing code: swallowed, counted, and reported once with a warning."""

from __future__ import annotations

import contextlib
import threading
import warnings


class SignalTraceWarning(UserWarning):
    """Something went wrong inside pytest-signaltrace; the traced program was not affected."""


class FaultLog:
    """Counts faults and warns about the first one; never raises, even under ``-W error``."""

    def __init__(self) -> None:
        self.count = 0
        #: ``repr`` of the first fault and where it happened, or ``None``.
        self.first: str | None = None
        self._lock = threading.Lock()

    def report(self, where: str, exc: BaseException) -> None:
        """Record a fault caught in ``where``; warn if it is the first one."""
        with self._lock:
            self.count += 1
            first = self.count == 1
            if first:
                self.first = f"{where}: {exc!r}"
        if first:
            # A warning filter set to "error" turns this into an exception: it must not leak out.
            with contextlib.suppress(Exception):
                warnings.warn(
                    SignalTraceWarning(
                        f"pytest-signaltrace: internal error in {where} ({exc!r}); "
                        "the call went through unchanged, the signal trace may be incomplete"
                    ),
                    stacklevel=2,
                )
