"""``signals.muted(signal)``: the receivers of a signal do not run inside the block.

As factory_boy's ``mute_signals``, it empties the signal's ``receivers`` list for the block;
unlike a plain swap of the list, muting nests and overlaps (two ``asyncio.gather`` jobs, two
threads muting the same signal): the receivers come back when the last block ends, not when
the first does. What the block changes is kept:

* a receiver connected inside runs inside (the block mutes the receivers connected when it
  began, as factory_boy does: a test may mute an app's receivers and connect a spy) and stays
  connected after it;
* a receiver disconnected inside stays disconnected after it: while muted, the signal's
  ``disconnect`` looks in the put-aside receivers too (with the signal class's own code, so
  Django's and Celery's lookup keys and ``dispatch_uid`` work as they do unmuted).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

from pytest_signaltrace.record import Record

_LOCK = threading.RLock()


class _Muted(Record, frozen=False):
    """A muted signal: its receivers put aside, and how many blocks mute it."""

    signal: Any
    hidden: list[Any]
    depth: int = 1


#: The signals muted now, by ``id`` (each entry keeps its signal alive while muted).
_MUTED: dict[int, _Muted] = {}


@contextlib.contextmanager
def muted(*signals: Any) -> Iterator[None]:
    """No receiver of ``signals`` runs inside the block (see the module docstring)."""
    entered: list[Any] = []
    try:
        for signal in signals:
            _mute(signal)
            entered.append(signal)
        yield
    finally:
        for signal in reversed(entered):
            _unmute(signal)


def _mute(signal: Any) -> None:
    with _LOCK:
        state = _MUTED.get(id(signal))
        if state is not None:
            state.depth += 1
            return
        with _signal_lock(signal):
            _MUTED[id(signal)] = _Muted(signal, signal.receivers)
            signal.receivers = []
        signal.disconnect = _disconnect_while_muted(signal)
        _clear_cache(signal)


def _unmute(signal: Any) -> None:
    with _LOCK:
        state = _MUTED[id(signal)]
        state.depth -= 1
        if state.depth:
            return
        del _MUTED[id(signal)]
        with contextlib.suppress(AttributeError):
            del signal.disconnect
        with _signal_lock(signal):
            hidden_keys = {_key(entry) for entry in state.hidden}
            inside = [entry for entry in signal.receivers if _key(entry) not in hidden_keys]
            signal.receivers = state.hidden + inside
        _clear_cache(signal)


def _disconnect_while_muted(signal: Any) -> Any:
    """A ``disconnect`` for the muted ``signal`` that removes the receiver from the receivers put
    aside as well as from those connected inside the block: one call of the class's own
    ``disconnect`` (traced once) on both lists joined, then split again."""
    original = type(signal).disconnect

    def disconnect(*args: Any, **kwargs: Any) -> bool:
        with _LOCK:
            state = _MUTED.get(id(signal))
            if state is None:  # unmuted meanwhile
                return bool(original(signal, *args, **kwargs))
            hidden_keys = {_key(entry) for entry in state.hidden}
            inside = [entry for entry in signal.receivers if _key(entry) not in hidden_keys]
            signal.receivers = state.hidden + inside
            try:
                found = original(signal, *args, **kwargs)
            finally:
                remaining = {id(entry) for entry in signal.receivers}
                state.hidden = [entry for entry in state.hidden if id(entry) in remaining]
                signal.receivers = [entry for entry in inside if id(entry) in remaining]
            return bool(found)

    return disconnect


def _signal_lock(signal: Any) -> Any:
    """The lock the signal's own ``connect`` and ``disconnect`` hold (Django's), if any."""
    lock = getattr(signal, "lock", None)
    return lock if hasattr(lock, "__enter__") else contextlib.nullcontext()


def _key(entry: Any) -> Any:
    """A receivers-list entry's lookup key: ``(lookup_key, receiver, ...)`` in Django and
    Celery."""
    return entry[0] if isinstance(entry, tuple) and entry else id(entry)


def _clear_cache(signal: Any) -> None:
    cache = getattr(signal, "sender_receivers_cache", None)
    if cache is not None:
        cache.clear()
