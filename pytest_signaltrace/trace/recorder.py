"""The thread-safe counters behind a :class:`~pytest_signaltrace.trace.model.Trace`.

The patches call ``record_*`` with live objects; the recorder turns them into small ints at once
(:class:`~pytest_signaltrace.trace.identity.HandlerTable`,
:class:`~pytest_signaltrace.trace.signals.SignalRegistry`) and keeps only ints, strings and code
objects. One ``threading.Lock`` guards the counters and is held only for the dict updates.

``current_test`` is a plain attribute, not a ``contextvars.ContextVar``: pytest runs one test at
a time per process (xdist uses processes), and a receiver that runs in a thread the test started
(a thread pool, a live server, an in-process Celery worker) must still be
attributed to the test. A ``ContextVar`` set in the main thread is invisible in threads started
with ``threading`` or a ``ThreadPoolExecutor`` (only asyncio tasks and asgiref copy the context),
so it would lose exactly those; async tests work with either, one test running at a time. The
cost of the attribute: a thread that outlives its test and keeps sending is attributed to
whichever test is running then, which is also what "ran during" means.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import TypeVar

from pytest_signaltrace.trace.frames import Site
from pytest_signaltrace.trace.identity import HandlerTable, describe_sender, describe_uid
from pytest_signaltrace.trace.model import (
    CodeRef,
    ConnectKey,
    HandlerRef,
    ReceiverKey,
    SendKey,
    SignalRef,
    Trace,
)
from pytest_signaltrace.trace.signals import SignalRegistry

_Handlers = tuple[int, ...]
#: signal, method, site, project site, handlers that ran (in order)
_SendRow = tuple[int, str, Site | None, Site | None, _Handlers]
_CallRow = tuple[int, _Handlers]
_ConnectRow = tuple[int, int | None, Site | None, str | None, str | None]
_K = TypeVar("_K")


class Recorder:
    """Aggregates sends, receiver calls, connects and disconnects; :meth:`snapshot` reads them.

    A send and the handlers it ran are one counter, keyed by the tuple of handler tokens, so the
    hot path takes the lock once and updates one dict entry (plus one set when a test runs);
    :meth:`snapshot` expands them into per-handler counts.
    """

    def __init__(self) -> None:
        #: Node id of the running test, set by the plugin around each test (``None`` outside).
        self.current_test: str | None = None
        self.signals = SignalRegistry()
        self.handlers = HandlerTable()
        self._signal_token = self.signals.token
        self._handler_token = self.handlers.token
        self._lock = threading.Lock()
        self._sends: dict[_SendRow, int] = {}
        self._calls: dict[_CallRow, int] = {}
        self._tests: dict[_CallRow, set[str]] = {}
        self._connects: dict[_ConnectRow, int] = {}
        self._disconnects: dict[_ConnectRow, int] = {}

    def record_signal_created(
        self,
        signal: object,
        site: Site | None,
        module: str | None = None,
        class_qualname: str | None = None,
    ) -> None:
        """A signal was created at ``site`` in ``module`` (in a class body: ``class_qualname``)."""
        scope = None if module is None else (module, class_qualname)
        self.signals.created(signal, site, scope)

    def record_send(
        self,
        signal: object,
        method: str,
        site: Site | None,
        project_site: Site | None,
        receivers: Iterable[object] = (),
    ) -> None:
        """``signal.<method>()`` was called from ``site`` and ran ``receivers`` (in order).

        ``project_site`` is the first frame under a project root. Pass the receivers that ran as
        part of the same call: it costs one lock instead of two.
        """
        handlers = tuple(map(self._handler_token, receivers)) if receivers else ()
        key = (self._signal_token(signal), method, site, project_site, handlers)
        test = self.current_test
        with self._lock:
            self._sends[key] = self._sends.get(key, 0) + 1
            if test is not None and handlers:
                self._add_test((key[0], handlers), test)

    def record_receivers_ran(self, signal: object, receivers: Iterable[object]) -> None:
        """Each of ``receivers`` ran once for ``signal``, outside a recorded send."""
        handlers = tuple(map(self.handlers.token, receivers))
        if not handlers:
            return
        key = (self._signal_token(signal), handlers)
        test = self.current_test
        with self._lock:
            self._calls[key] = self._calls.get(key, 0) + 1
            if test is not None:
                self._add_test(key, test)

    def _add_test(self, key: _CallRow, test: str) -> None:
        nodes = self._tests.get(key)
        if nodes is None:
            self._tests[key] = {test}
        else:
            nodes.add(test)

    def record_connect(
        self,
        signal: object,
        receiver: object,
        site: Site | None,
        sender: object = None,
        dispatch_uid: object = None,
    ) -> None:
        """``signal.connect(receiver, sender=..., dispatch_uid=...)`` was called from ``site``."""
        key = self._connect_row(signal, receiver, site, sender, dispatch_uid)
        with self._lock:
            self._connects[key] = self._connects.get(key, 0) + 1

    def record_disconnect(
        self,
        signal: object,
        receiver: object | None,
        site: Site | None,
        sender: object = None,
        dispatch_uid: object = None,
    ) -> None:
        """``signal.disconnect(...)`` was called from ``site``; ``receiver`` may be ``None``."""
        key = self._connect_row(signal, receiver, site, sender, dispatch_uid)
        with self._lock:
            self._disconnects[key] = self._disconnects.get(key, 0) + 1

    def snapshot(self) -> Trace:
        """A :class:`Trace` of everything recorded so far (the recorder keeps counting)."""
        with self._lock:
            sends = dict(self._sends)
            calls = dict(self._calls)
            tests = {key: frozenset(nodes) for key, nodes in self._tests.items()}
            connects = dict(self._connects)
            disconnects = dict(self._disconnects)
        for row, count in sends.items():
            token, handlers = row[0], row[4]
            if handlers:
                call = (token, handlers)
                calls[call] = calls.get(call, 0) + count
        tokens = {row[0] for rows in (sends, calls, tests, connects, disconnects) for row in rows}
        signals = self.signals.refs(tokens)
        handler = self.handlers.ref
        return Trace(
            sends=_summed(
                (SendKey(signals[row[0]], row[1], _code(row[2]), _code(row[3])), count)
                for row, count in sends.items()
            ),
            receiver_calls=_summed(
                (ReceiverKey(signals[token], handler(h)), count)
                for (token, handlers), count in calls.items()
                for h in handlers
            ),
            tests=_united(
                (ReceiverKey(signals[token], handler(h)), nodes)
                for (token, handlers), nodes in tests.items()
                for h in handlers
            ),
            connects=_summed(
                (_connect_key(signals[row[0]], row, handler), n) for row, n in connects.items()
            ),
            disconnects=_summed(
                (_connect_key(signals[row[0]], row, handler), n) for row, n in disconnects.items()
            ),
        )

    def _connect_row(
        self,
        signal: object,
        receiver: object | None,
        site: Site | None,
        sender: object,
        dispatch_uid: object,
    ) -> _ConnectRow:
        handler = None if receiver is None else self.handlers.token(receiver)
        return (
            self._signal_token(signal),
            handler,
            site,
            describe_sender(sender),
            describe_uid(dispatch_uid),
        )


def _code(site: Site | None) -> CodeRef | None:
    return None if site is None else CodeRef(site[0], site[1])


def _connect_key(
    signal: SignalRef, row: _ConnectRow, handler: Callable[[int], HandlerRef]
) -> ConnectKey:
    _, token, site, sender, uid = row
    return ConnectKey(
        signal=signal,
        handler=None if token is None else handler(token),
        site=_code(site),
        sender=sender,
        dispatch_uid=uid,
    )


def _summed(pairs: Iterable[tuple[_K, int]]) -> dict[_K, int]:
    """Sum counts of keys that became equal (two signal objects with the same definition)."""
    total: dict[_K, int] = {}
    for key, count in pairs:
        total[key] = total.get(key, 0) + count
    return total


def _united(
    pairs: Iterable[tuple[ReceiverKey, frozenset[str]]],
) -> dict[ReceiverKey, frozenset[str]]:
    total: dict[ReceiverKey, frozenset[str]] = {}
    for key, nodes in pairs:
        total[key] = total.get(key, frozenset()) | nodes
    return total
