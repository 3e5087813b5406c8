"""Counters of the trace's rows: ``itertools.count`` objects, bumped without a lock.

Shared by the recorder's general tables and the quiet sends' fast path (``quiet.py``), and by
the send patches, which bump the recorder's counters themselves.
"""

from __future__ import annotations

import itertools
from typing import TypeAlias, TypeVar

#: A counter: ``next()`` on it is one C call, atomic under the GIL.
Counter: TypeAlias = "itertools.count[int]"

_K = TypeVar("_K")


def bump(counters: dict[_K, Counter], key: _K) -> None:
    """Add one to ``counters[key]`` (atomic: no lock, safe in any thread and in finalisers)."""
    counter = counters.get(key)
    if counter is None:
        counter = counters.setdefault(key, itertools.count())
    next(counter)


def count_of(counter: Counter) -> int:
    """How many times ``counter`` was bumped: its ``repr`` is ``count(N)``."""
    return int(repr(counter)[6:-1])
