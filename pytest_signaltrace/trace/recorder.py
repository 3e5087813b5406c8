"""The thread-safe counters behind a :class:`~pytest_signaltrace.trace.model.Trace`.

The patches call ``record_*`` (or, on the hot path, update :attr:`Recorder.local` directly) with
live objects; the recorder turns them into small ints at once
(:class:`~pytest_signaltrace.trace.identity.HandlerTable`,
:class:`~pytest_signaltrace.trace.signals.SignalRegistry`) and keeps only ints, strings and
tuples of them. Filenames are kept raw (``co_filename``) and made absolute by :meth:`snapshot`.

No lock is taken while recording: every counter is an ``itertools.count`` in a dict, created
with ``dict.setdefault`` and bumped with ``next()``, and the per-test sets are updated with
``setdefault`` and ``set.add``; each is one C call on builtin keys, which the GIL makes atomic.
:meth:`snapshot` copies the dicts with ``dict.copy()`` (atomic too). Why no lock: a
finaliser (``__del__``, a weakref callback) can run inside any allocation that triggers the
garbage collector; if it sends a signal while this thread holds a non-reentrant lock, the send
waits for that lock forever. And it is cheaper: a locked ``get``/``set`` pair cost twice a
``get`` and a ``next()``.

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
from types import CodeType
from typing import Any, TypeVar

from pytest_signaltrace.trace.cascade import CascadeLog
from pytest_signaltrace.trace.costs import CostTable
from pytest_signaltrace.trace.counters import Counter as Counter  # re-exported: the send patches
from pytest_signaltrace.trace.counters import bump, count_of
from pytest_signaltrace.trace.folding import fold_rows
from pytest_signaltrace.trace.frames import Site
from pytest_signaltrace.trace.identity import HandlerTable, describe_sender, describe_uid
from pytest_signaltrace.trace.model import (
    ConnectKey,
    HandlerRef,
    Raised,
    RaiseKey,
    ReceiverKey,
    SendKey,
    SignalRef,
    Trace,
    merge_raises,
)
from pytest_signaltrace.trace.optional_tables import OptionalRows
from pytest_signaltrace.trace.pairs import summed as _summed
from pytest_signaltrace.trace.pairs import united as _united
from pytest_signaltrace.trace.places import Places
from pytest_signaltrace.trace.quiet import QuietSends
from pytest_signaltrace.trace.raises import RaiseLog
from pytest_signaltrace.trace.senders_seen import SendersSeen
from pytest_signaltrace.trace.signals import SignalRegistry

_Handlers = tuple[int, ...]
#: signal, method, where (caller), project frame, handlers that ran (in order). "Where" is either
#: ``id(code), f_lasti`` of the caller (the send patches' hot path; the code is in
#: ``Recorder.codes``) or ``filename, line`` (``None, None`` when unknown). The project frame is
#: ``True`` (the caller itself), ``None``, or a pair in the same two forms.
SendRow = tuple[int, str, Any, Any, Any, _Handlers]
_CallRow = tuple[int, _Handlers]
_ConnectRow = tuple[int, int | None, Site | None, str | None, str | None]
_K = TypeVar("_K")

#: Fold the rows of dead signals once this many have died (and at each snapshot): often enough
#: that 50,000 short-lived signals keep no more than this many tokens' rows, seldom enough that
#: the walk over the rows costs little per signal.
FOLD_EVERY = 1024


class Recorder:
    """Aggregates sends, receiver calls, connects and disconnects; :meth:`snapshot` reads them.

    A send and the handlers it ran are one counter, keyed by the tuple of handler tokens, so the
    hot path updates one dict entry (plus one set when a test runs); :meth:`snapshot` expands
    them into per-handler counts.
    """

    def __init__(self) -> None:
        #: Node id of the running test, set by the plugin around each test (``None`` outside).
        self.current_test: str | None = None
        self.signals = SignalRegistry()
        self.handlers = HandlerTable()
        self._signal_token = self.signals.token
        self._signal_ids = self.signals.by_id
        self._handler_token = self.handlers.token
        #: Send rows (see :data:`SendRow`) -> counters; the send patches bump them themselves.
        self.sends: dict[SendRow, Counter] = {}
        self._calls: dict[_CallRow, Counter] = {}
        self.connect_counts: dict[_ConnectRow, Counter] = {}
        self.disconnect_counts: dict[_ConnectRow, Counter] = {}
        #: ``(signal token, handlers)`` -> node ids of the tests during which they ran.
        self.tests: dict[_CallRow, set[str]] = {}
        #: ``id(code)`` -> code, for the send rows keyed by code id (kept alive: ids stay unique).
        self.codes: dict[int, CodeType] = {}
        #: Receivers that raised under a robust send.
        self.raises = RaiseLog()
        #: Receiver costs, when the installation times receivers (``--signal-durations``).
        self.costs: CostTable | None = None
        #: Sends that ran no receiver, on the send patches' fast path.
        self.quiet = QuietSends(self.codes)
        #: The senders of signals with a receiver connected for one sender.
        self.senders_seen = SendersSeen()
        #: Sends made while a receiver ran (see :mod:`.cascade`).
        self.cascades = CascadeLog(self.signals, self.handlers, lambda: self.current_test)
        #: Whether the connects of a handler (token) are counted without their
        #: ``dispatch_uid``: a third-party receiver's, such as the test client's, which
        #: connects with a fresh uid on every request (see ``data.fold_third_party_uids``,
        #: which does the same to a trace read from anywhere). Set by the installation.
        self.folds_uid: Callable[[int], bool] = _never
        #: Whether a ``disconnect(dispatch_uid=...)`` without a receiver, called from a site
        #: (``(filename, line)`` or ``None``), is counted without its uid: called from outside
        #: the project, as ``data.fold_third_party_uids`` decides at the end. Django's test
        #: client disconnects ``template_rendered`` with a fresh uid per request: without
        #: this, one row per request (7,300 rows, 2 MB, in django-allauth's suite) until the
        #: end of the run. Set by the installation.
        self.folds_site_uid: Callable[[Site | None], bool] = _never_site
        # Reentrant: a finaliser run inside a fold (any allocation) may create a signal.
        self._fold_lock = threading.RLock()

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
        if len(self.signals.dead) >= FOLD_EVERY:
            self.fold_dead_signals()

    def fold_dead_signals(self) -> None:
        """Merge the rows of the signals that died into one token per definition and creation
        site (all a report can tell of a dead signal), so that memory does not grow with the
        number of short-lived signal instances. Dead signals' rows are never bumped again (a
        send holds its signal), so moving them needs no lock against the hot path; dicts are
        copied before they are walked (atomic under the GIL)."""
        with self._fold_lock:
            moved = self.signals.fold_dead()
            if moved:
                self.senders_seen.fold(moved)
                fold_rows(
                    moved,
                    counters=(self.sends, self._calls, self.connect_counts, self.disconnect_counts),
                    tests=self.tests,
                    raises=self.raises,
                    quiet=self.quiet,
                )
                if self.costs is not None:
                    self.costs.fold(moved)
                self.cascades.fold(moved)

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
        part of the same call: it costs one update instead of two.
        """
        handlers = tuple(map(self._handler_token, receivers)) if receivers else ()
        filename, line = site if site is not None else (None, None)
        self.count_send(
            (self._signal_token(signal), method, filename, line, project_site, handlers)
        )

    def count_send(self, row: SendRow) -> None:
        """Count one send row (see :data:`SendRow`), for the running test too."""
        bump(self.sends, row)
        handlers = row[5]
        test = self.current_test
        if test is not None and handlers:
            self.add_test((row[0], handlers), test)

    def add_test(self, key: _CallRow, test: str) -> None:
        """Note that the handlers of ``key`` ran during ``test``."""
        nodes = self.tests.get(key)
        if nodes is None:
            nodes = self.tests.setdefault(key, set())
        nodes.add(test)

    def record_raises(self, signal: object, method: str, result: list[Any]) -> None:
        """``signal.<method>()``, a robust send, returned ``result``: count the receivers whose
        response is an exception they raised."""
        self.raises.note(
            self._signal_token(signal), method, result, self._handler_token, self.current_test
        )

    def record_receivers_ran(self, signal: object, receivers: Iterable[object]) -> None:
        """Each of ``receivers`` ran once for ``signal``, outside a recorded send."""
        handlers = tuple(map(self.handlers.token, receivers))
        if not handlers:
            return
        key = (self._signal_token(signal), handlers)
        bump(self._calls, key)
        test = self.current_test
        if test is not None:
            self.add_test(key, test)

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
        bump(self.connect_counts, key)
        if key[3] is not None:  # for one sender: who sends the signal tells why it never ran
            self.senders_seen.watch(signal, key[0])

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
        bump(self.disconnect_counts, key)

    def snapshot(self) -> Trace:
        """A :class:`Trace` of everything recorded so far (the recorder keeps counting)."""
        self.fold_dead_signals()
        sends = _counts(self.sends)
        for quiet, counter in self.quiet.counts():
            quiet_row: SendRow = (*quiet, ())
            sends[quiet_row] = sends.get(quiet_row, 0) + count_of(counter)
        calls = _counts(self._calls)
        connects = _counts(self.connect_counts)
        disconnects = _counts(self.disconnect_counts)
        tests = {key: frozenset(nodes) for key, nodes in self.tests.copy().items()}
        raises = _counts(self.raises.counts)
        messages = self.raises.messages.copy()
        raise_tests = self.raises.tests.copy()
        optional = OptionalRows(self.costs, self.senders_seen, self.cascades)
        for row, count in sends.items():
            token, handlers = row[0], row[5]
            if handlers:
                call = (token, handlers)
                calls[call] = calls.get(call, 0) + count
        tokens = {
            row[0] for rows in (sends, calls, tests, connects, disconnects, raises) for row in rows
        } | optional.tokens()
        signals = self.signals.refs(tokens)
        handler = self.handlers.ref
        optional_fields = optional.fields(signals, self.signals.refs, handler)
        where = Places(self.codes.copy())
        return Trace(
            sends=_summed(
                (SendKey(signals[row[0]], row[1], *where.sites(row)), count)
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
                (_connect_key(signals[row[0]], row, handler, where), n)
                for row, n in connects.items()
            ),
            disconnects=_summed(
                (_connect_key(signals[row[0]], row, handler, where), n)
                for row, n in disconnects.items()
            ),
            raises=merge_raises(
                (
                    RaiseKey(signals[row[0]], handler(row[1]), row[2]),
                    Raised(n, messages.get(row, ""), frozenset(raise_tests.get(row, ()))),
                )
                for row, n in raises.items()
            ),
            **optional_fields,
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
        if dispatch_uid is not None and (
            self.folds_uid(handler) if handler is not None else self.folds_site_uid(site)
        ):
            dispatch_uid = None
        # the common cases of the token and descriptions inlined (a request's test client
        # connects and disconnects 8 times): a known signal, no sender, a str or no uid
        token = self._signal_ids.get(id(signal))
        return (
            self._signal_token(signal) if token is None else token,
            handler,
            site,
            None if sender is None else describe_sender(sender),
            dispatch_uid
            if dispatch_uid is None or type(dispatch_uid) is str
            else describe_uid(dispatch_uid),
        )


def _never(_token: int) -> bool:
    return False


def _never_site(_site: Site | None) -> bool:
    return False


def _counts(counters: dict[_K, Counter]) -> dict[_K, int]:
    # dict.copy() clones in C without allocating per item: no garbage collection (and so no
    # finaliser that sends) can change the dict half-way, as list(d.items()) would allow.
    return {key: count_of(counter) for key, counter in counters.copy().items()}


def _connect_key(
    signal: SignalRef, row: _ConnectRow, handler: Callable[[int], HandlerRef], where: Places
) -> ConnectKey:
    _, token, site, sender, uid = row
    return ConnectKey(
        signal=signal,
        handler=None if token is None else handler(token),
        site=where.code(site),
        sender=sender,
        dispatch_uid=uid,
    )
