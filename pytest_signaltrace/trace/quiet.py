"""Counters for sends that ran no receiver, found with two int-keyed dict lookups.

Most sends in a suite run no receiver (``pre_init``/``post_init`` of every model instance,
``request_started``), and they need no handler tokens and no project frame: what is counted is
the signal, the method and the caller's instruction. :class:`QuietSends` keeps, per method, a
dict from ``id(signal)`` to that signal's counters, keyed by ``id(code) + f_lasti`` of the caller.
The sum is unique among live code objects (CPython stores the bytecode inside the code object,
and ``f_lasti`` is a byte offset into it, so it stays within the object's memory) and the code is
kept alive in ``Recorder.codes``; a collision with another (code, offset) pair is checked for
once, when a counter is created, and sends the row to the general table instead. An entry of
``id(signal)`` is removed when the signal dies (a weakref callback), so a new signal at the same
address never counts into a dead one's counters.

The send patch's fast path is then: ``live.get(id(signal))``, ``.get(id(code) + f_lasti)``,
``next()``; everything else (a signal or caller not seen yet, an internal caller) takes the
general path, which calls :meth:`QuietSends.count_new`.
"""

from __future__ import annotations

import itertools
import threading
import weakref
from collections.abc import Iterator
from types import CodeType
from typing import Any

from pytest_signaltrace.trace.counters import Counter, count_of

#: ``(signal token, method, id(code), f_lasti, project)``: a quiet row (no handlers).
QuietRow = tuple[int, str, int, int, Any]


class QuietSends:
    """Sends that ran no receiver, per method, signal and caller instruction."""

    def __init__(self, codes: dict[int, CodeType]) -> None:
        #: Where the codes of counted callers are kept alive (``Recorder.codes``).
        self._codes = codes
        #: method -> ``id(signal)`` -> ``id(code) + f_lasti`` -> counter; read by the patches.
        self.live: dict[str, dict[int, dict[int, Counter]]] = {}
        #: ``(token, method)`` -> the same counters, kept after the signal died.
        self._rows: dict[tuple[int, str], dict[int, Counter]] = {}
        #: ``id(code) + f_lasti`` -> ``(id(code), f_lasti, project)``.
        self._places: dict[int, tuple[int, int, Any]] = {}
        self._refs: dict[tuple[int, str], weakref.ref[Any]] = {}
        # Reentrant: a finaliser that sends can run inside the block on this thread.
        self._lock = threading.RLock()

    def table(self, method: str) -> dict[int, dict[int, Counter]]:
        """The live counters of ``method`` (the dict the send patch reads)."""
        return self.live.setdefault(method, {})

    def count_new(
        self, signal: object, token: int, method: str, code: CodeType, lasti: int, project: Any
    ) -> bool:
        """Count a send of ``signal`` from instruction ``lasti`` of ``code`` that ran no
        receiver, creating its counter; ``False`` if it cannot be kept here (the caller then
        counts it as a general row)."""
        place = id(code) + lasti
        with self._lock:
            known = self._places.get(place)
            if known is None:
                self._codes[id(code)] = code  # before the key is used: its id stays unique
                known = self._places.setdefault(place, (id(code), lasti, project))
            if known != (id(code), lasti, project):
                return False
            counters = self._counters(signal, token, method)
            if counters is None:
                return False
            counter = counters.get(place)
            if counter is None:
                counter = counters.setdefault(place, itertools.count())
        next(counter)
        return True

    def _counters(self, signal: object, token: int, method: str) -> dict[int, Counter] | None:
        live = self.table(method)
        key = id(signal)
        counters = live.get(key)
        if counters is not None:
            return counters
        counters = self._rows.setdefault((token, method), {})
        try:
            ref = weakref.ref(signal, _Forget(live, key, counters))
        except TypeError:
            return None  # cannot tell when it dies: no fast path for it
        self._refs[(token, method)] = ref
        live[key] = counters
        return counters

    def fold(self, moved: dict[int, int]) -> None:
        """Move the counters of dead signals' tokens to the tokens that stand for them now
        (see ``SignalRegistry.fold_dead``), summing counters of the same caller."""
        with self._lock:
            for (token, method), counters in list(self._rows.items()):
                folded = moved.get(token)
                if folded is None:
                    continue
                del self._rows[(token, method)]
                self._refs.pop((token, method), None)
                into = self._rows.setdefault((folded, method), {})
                for place, counter in counters.copy().items():
                    known = into.get(place)
                    total = count_of(counter) + (0 if known is None else count_of(known))
                    into[place] = itertools.count(total)

    def counts(self) -> Iterator[tuple[QuietRow, Counter]]:
        """Every quiet row and its counter (``dict.copy()`` first: atomic under the GIL)."""
        places = self._places.copy()
        for (token, method), counters in self._rows.copy().items():
            for place, counter in counters.copy().items():
                code_id, lasti, project = places[place]
                yield (token, method, code_id, lasti, project), counter


class _Forget:
    """Weakref callback: a signal died, its address may be reused by a new one."""

    def __init__(self, live: dict[int, dict[int, Counter]], key: int, counters: object) -> None:
        self._live, self._key, self._counters = live, key, counters

    def __call__(self, _ref: object) -> None:
        if self._live.get(self._key) is self._counters:
            del self._live[self._key]
