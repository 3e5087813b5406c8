"""Faults inside the tracing code: swallowed, counted, and reported once with a warning.

Two ways to report them:

* right away (the default, for library use such as ``signaltrace run``'s child processes): the
  first fault is one :class:`SignalTraceWarning`, the rest are only counted;
* deferred (``FaultLog(deferred=True)``, the pytest plugin): nothing is warned while the tests
  run, so a fault is never caught by a test's ``recwarn`` nor turned into an error by
  ``-W error``; the plugin reports :meth:`FaultLog.summary` once at the end of the run.
"""

from __future__ import annotations

import contextlib
import threading
import warnings

#: How many distinct faults are described in the summary (the rest are only counted).
_MAX_DESCRIBED = 5


class SignalTraceWarning(UserWarning):
    """Something went wrong inside pytest-signaltrace; the traced program was not affected."""


class FaultLog:
    """Counts faults and remembers the first few distinct ones; never raises (``-W error``)."""

    def __init__(self, *, deferred: bool = False) -> None:
        self.count = 0
        #: ``repr`` of the first fault and where it happened, or ``None``.
        self.first: str | None = None
        #: ``where: repr(exc)`` of each distinct fault, in the order they happened.
        self.distinct: list[str] = []
        self.deferred = deferred
        self._lock = threading.Lock()

    def report(self, where: str, exc: BaseException) -> None:
        """Record a fault caught in ``where``; warn now if it is the first one (not deferred)."""
        # Only cheap work here: this can run in any thread, inside any user's signal send.
        description = f"{where}: {exc!r}"
        with self._lock:
            self.count += 1
            first = self.count == 1
            if first:
                self.first = description
            if description not in self.distinct and len(self.distinct) < _MAX_DESCRIBED:
                self.distinct.append(description)
        if first and not self.deferred:
            # A warning filter set to "error" turns this into an exception: it must not leak out.
            with contextlib.suppress(Exception):
                warnings.warn(
                    SignalTraceWarning(
                        f"pytest-signaltrace: internal error in {where} ({exc!r}); "
                        "the call went through unchanged, the signal trace may be incomplete"
                    ),
                    stacklevel=2,
                )

    def absorb(self, other: FaultLog | None, prefix: str = "") -> None:
        """Add the faults of ``other`` (another process's, or another component's) to these."""
        if other is None or other is self:
            return
        self.add_descriptions(other.distinct, other.count, prefix)

    def add_descriptions(self, descriptions: list[str], count: int, prefix: str = "") -> None:
        """Add ``count`` faults described by ``descriptions`` (as :attr:`distinct` holds them)."""
        with self._lock:
            self.count += count
            for description in descriptions:
                description = f"{prefix}{description}"
                if self.first is None:
                    self.first = description
                if description not in self.distinct and len(self.distinct) < _MAX_DESCRIBED:
                    self.distinct.append(description)

    def summary(self) -> str | None:
        """One line naming every distinct fault (``None`` when there was none)."""
        with self._lock:
            count, distinct = self.count, list(self.distinct)
        if not count:
            return None
        described = "; ".join(distinct)
        noun = "internal error in" if count == 1 else f"{count} internal errors:"
        return (
            f"pytest-signaltrace: {noun} {described}; "
            "the tests ran unchanged, the signal trace may be incomplete"
        )
