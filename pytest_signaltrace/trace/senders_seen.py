"""Who sent the signals that have a receiver connected for one sender only.

A receiver connected for one sender (``sig.connect(fn, sender=Order)``, ``@sig.connect_via(app)``)
that never ran while its signal was sent is not the same finding as one whose signal is sent
nowhere: its signal was sent, for other senders. To say which, the senders of such a signal are
noted, and of no other: a signal is *watched* from its first connect for a particular sender on
(:meth:`SendersSeen.watch`), and the send patches call :meth:`SendersSeen.note` only for the
signals in :attr:`SendersSeen.watched` (an empty dict costs the hot path one truth test).

A sender is described by :func:`~pytest_signaltrace.trace.identity.describe_sender` (by its type:
no proxy is evaluated, no reference kept), once per kind of sender: a string by its value, a
class by its ``id``, an instance by its type's ``id`` plus one.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from pytest_signaltrace.trace.identity import describe_sender

try:  # the C send patch remembers which signals are not watched: told when one becomes so
    from pytest_signaltrace.trace._fastsend import senders_watched as _senders_watched
except ImportError:  # no compiler at install time

    def _senders_watched() -> None:
        pass


#: How a ``None`` sender (blinker's ``sig.send()``) is shown among the senders seen.
NO_SENDER = "None"


class SendersSeen:
    """The described senders of the watched signals, per signal token."""

    def __init__(self) -> None:
        #: ``id(signal)`` -> its senders seen (kind key -> description); read by the send
        #: patches, which call :meth:`note` for a signal in it.
        self.watched: dict[int, dict[Any, str]] = {}
        #: signal token -> the same dict, kept after the signal died.
        self._by_token: dict[int, dict[Any, str]] = {}
        self._refs: dict[int, weakref.ref[Any]] = {}
        self._lock = threading.RLock()

    def watch(self, signal: object, token: int) -> None:
        """Note the senders of ``signal`` (token ``token``) from now on."""
        if id(signal) in self.watched:
            return
        with self._lock:
            seen = self._by_token.setdefault(token, {})
            try:
                self._refs[token] = weakref.ref(signal, _Forget(self.watched, id(signal), seen))
            except TypeError:
                return  # cannot tell when it dies (its id may be reused): not watched
            self.watched[id(signal)] = seen
            _senders_watched()

    def note(self, signal: object, sender: object) -> None:
        """``signal`` was sent by ``sender`` (called by the send patches for watched signals)."""
        seen = self.watched.get(id(signal))
        if seen is None:
            return
        kind = type(sender)
        # an instance by its type's id + 1: odd (objects are aligned), never a class's own id
        key: Any = sender if kind is str else id(sender) if issubclass(kind, type) else id(kind) + 1
        if key not in seen:
            seen.setdefault(key, describe_sender(sender) or NO_SENDER)

    def fold(self, moved: dict[int, int]) -> None:
        """Move the senders of dead signals' tokens to the tokens standing for them now."""
        with self._lock:
            for token in [t for t in self._by_token if t in moved]:
                seen = self._by_token.pop(token)
                self._refs.pop(token, None)
                into = self._by_token.setdefault(moved[token], {})
                for key, description in seen.copy().items():
                    into.setdefault(key, description)

    def described(self) -> dict[int, frozenset[str]]:
        """Signal token -> the descriptions of its senders seen (watched signals only)."""
        return {
            token: frozenset(seen.copy().values()) for token, seen in self._by_token.copy().items()
        }


class _Forget:
    """Weakref callback: a watched signal died, its address may be reused by a new one."""

    def __init__(self, watched: dict[int, dict[Any, str]], key: int, seen: object) -> None:
        self._watched, self._key, self._seen = watched, key, seen

    def __call__(self, _ref: object) -> None:
        if self._watched.get(self._key) is self._seen:
            del self._watched[self._key]
