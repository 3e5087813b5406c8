"""A pytest plugin for finding what a change of the plugin costs: calls made, by function.

Loaded with ``-p callcount`` (``benchmarks/`` on ``PYTHONPATH``; on the command line, so that it
loads before pytest-signaltrace). Through ``sys.setprofile`` it counts every Python and C call
made while a function of ``pytest_signaltrace`` (or of wrapt) is on the stack, and charges it to
each such function on the stack (inclusive counts; a module's body is ``module:<module>``, so
imports are seen as the modules they run). At exit it writes ``$BENCH_CALLCOUNT_FILE.<pid>``
(JSON: ``module:function`` -> [calls of it, calls made below it]). A call count is not a cost,
but it repeats exactly from run to run, so two runs (before and after a change) compare function
by function where timings on a shared machine do not. Slow: a run takes several times as long.
Compare two files with ``python benchmarks/callcount.py A B``.
"""

from __future__ import annotations

import atexit
import json
import os
import sys
import threading
from types import FrameType
from typing import Any

_WATCHED = ("pytest_signaltrace", "/wrapt/")
_counts: dict[str, list[int]] = {}


def _key(frame: FrameType) -> str | None:
    filename = frame.f_code.co_filename
    if not any(part in filename for part in _WATCHED):
        return None
    module = frame.f_globals.get("__name__", filename)
    return f"{module}:{frame.f_code.co_name}"


def _profile(frame: FrameType, event: str, arg: Any) -> None:
    if event != "call" and event != "c_call":
        return
    if event == "call":
        key = _key(frame)
        if key is not None:
            _counts.setdefault(key, [0, 0])[0] += 1
        outer = frame.f_back
    else:
        outer = frame
    seen = set()
    while outer is not None:
        key = _key(outer)
        if key is not None and key not in seen:
            seen.add(key)
            _counts.setdefault(key, [0, 0])[1] += 1
        outer = outer.f_back


def _write() -> None:
    sys.setprofile(None)
    target = os.environ.get("BENCH_CALLCOUNT_FILE")
    if target:
        with open(f"{target}.{os.getpid()}", "w", encoding="utf-8") as handle:
            json.dump(_counts, handle, indent=0, sort_keys=True)


def compare(first: str, second: str, top: int = 60) -> None:
    """Print the functions whose calls below them differ most between two files."""
    with open(first, encoding="utf-8") as handle:
        a: dict[str, list[int]] = json.load(handle)
    with open(second, encoding="utf-8") as handle:
        b: dict[str, list[int]] = json.load(handle)
    rows = sorted(
        set(a) | set(b),
        key=lambda k: -abs(b.get(k, [0, 0])[1] - a.get(k, [0, 0])[1]),
    )
    print(f"{'below A':>10} {'below B':>10} {'B-A':>9} {'calls A':>8} {'calls B':>8}  function")
    for key in rows[:top]:
        x, y = a.get(key, [0, 0]), b.get(key, [0, 0])
        print(f"{x[1]:10d} {y[1]:10d} {y[1] - x[1]:+9d} {x[0]:8d} {y[0]:8d}  {key}")


if __name__ == "__main__":
    compare(*sys.argv[1:3], *(int(n) for n in sys.argv[3:4]))
else:
    sys.setprofile(_profile)
    threading.setprofile(_profile)
    atexit.register(_write)
