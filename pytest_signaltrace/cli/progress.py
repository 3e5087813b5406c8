"""A throttled progress line on stderr for long scans (``signaltrace scan``, ``signaltrace run``).

Shown only where someone watches: stderr is a terminal, the run is not on CI (``CI`` unset or
false), and the scan has already taken more than :data:`DELAY` seconds (a quick scan prints
nothing). The line is redrawn at most every :data:`INTERVAL` seconds and wiped when done.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping
from typing import TextIO

#: Seconds a scan must have run before its progress is shown.
DELAY = 1.0
#: Seconds between two redraws of the line.
INTERVAL = 0.1

_FALSE_WORDS = ("", "0", "false", "no", "off")


def on_ci(environ: Mapping[str, str]) -> bool:
    """Whether ``CI`` says this runs on a CI service (GitHub Actions, GitLab, ... set it)."""
    return environ.get("CI", "").strip().lower() not in _FALSE_WORDS


def wants_progress(stream: TextIO, environ: Mapping[str, str]) -> bool:
    """Whether progress may be drawn on ``stream``: a terminal, not on CI."""
    try:
        interactive = stream.isatty()
    except (AttributeError, ValueError):  # a replaced or closed stream
        return False
    return interactive and not on_ci(environ)


class ProgressLine:
    """A ``progress(done, total)`` callback for the scan that draws one ``\\r``-redrawn line.

    ``enabled=None`` decides with :func:`wants_progress`; ``clock`` is injectable for tests.
    """

    def __init__(
        self,
        label: str = "scanning",
        *,
        stream: TextIO | None = None,
        enabled: bool | None = None,
        environ: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            enabled = wants_progress(self.stream, os.environ if environ is None else environ)
        self.enabled = enabled
        self.clock = clock
        self.started = clock()
        self.shown = False
        self._last_draw: float | None = None
        self._width = 0
        #: Files of the batches already finished (the scan parses in several batches, each
        #: counted from 1), and the last count of the current one.
        self._base = 0
        self._done = 0

    def __call__(self, done: int, total: int) -> None:
        """Called by the scan after each file parsed; draws when due."""
        if done <= self._done:  # a new batch
            self._base += self._done
        self._done = done
        if not self.enabled:
            return
        now = self.clock()
        if now - self.started < DELAY:
            return
        if self._last_draw is not None and now - self._last_draw < INTERVAL:
            return
        self._last_draw = now
        text = f"signaltrace: {self.label}, parsed {self._base + done}/{self._base + total} files"
        self.stream.write("\r" + text.ljust(self._width))
        self.stream.flush()
        self._width = max(self._width, len(text))
        self.shown = True

    def close(self) -> None:
        """Wipe the line, if one was drawn."""
        if self.shown:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self.shown = False
