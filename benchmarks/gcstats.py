"""A pytest plugin for ``run.py --gc``: what the garbage collector did in this process.

Loaded with ``-p gcstats`` (``benchmarks/`` on ``PYTHONPATH``). From ``pytest_configure`` to
``pytest_unconfigure`` it counts the collections of each generation and their CPU seconds
(through ``gc.callbacks``), and at the end it appends one JSON line to ``$BENCH_GC_FILE``:
``{"pid", "role", "collections": [g0, g1, g2], "seconds": [...], "collected": [...],
"tracked": N}`` (``tracked``: objects the collector tracks at the end, ``len(gc.get_objects())``).
The trace allocating tracked objects (sets, counters, tuples holding them) makes generation 0
fill sooner, and each object it keeps makes every full collection walk one more object: both
are costs no profile of the plugin's own frames shows.
"""

from __future__ import annotations

import gc
import json
import os
import time
from typing import Any

import pytest

_started: list[float] = []
_collections = [0, 0, 0]
_seconds = [0.0, 0.0, 0.0]
_collected = [0, 0, 0]


def _on_gc(phase: str, info: dict[str, Any]) -> None:
    generation = info["generation"]
    if phase == "start":
        _started.append(time.process_time())
        return
    if _started:
        _seconds[generation] += time.process_time() - _started.pop()
    _collections[generation] += 1
    _collected[generation] += info["collected"]


def pytest_configure(config: pytest.Config) -> None:
    """Start counting (once per process)."""
    if _on_gc not in gc.callbacks:
        gc.callbacks.append(_on_gc)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Write this process's figures as one JSON line."""
    if _on_gc in gc.callbacks:
        gc.callbacks.remove(_on_gc)
    target = os.environ.get("BENCH_GC_FILE")
    if not target:
        return
    role = "worker" if hasattr(config, "workerinput") else "main"
    line = {
        "pid": os.getpid(),
        "role": role,
        "collections": _collections,
        "seconds": _seconds,
        "collected": _collected,
        "tracked": len(gc.get_objects()),
    }
    with open(target, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(line) + "\n")
