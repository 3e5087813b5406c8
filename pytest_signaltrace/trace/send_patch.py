"""The recording ``send``: what replaces a signal class's ``send`` and ``send_robust``.

The commonest send (no receiver ran, from a caller seen before) costs two int-keyed lookups,
in C where :mod:`._fastsend` was built; so does the next commonest (receivers seen before ran,
from a caller seen before), counted in C from the tables of :class:`ReceiverTables`. Everything
else is recorded by the Python ``record`` and ``failed`` closures below, or by the slower patch
for unusual signatures. ``record`` is the reference: the C paths count exactly what it counts.
"""

# No ``from __future__ import annotations``: NamedTuple and TypedDict compile each string
# annotation (a ForwardRef) when the class is made, at every import.

import inspect
import itertools
import sys
from collections.abc import Callable
from types import CodeType, FrameType, FunctionType, MethodType
from typing import Any, NamedTuple

from pytest_signaltrace.trace.frames import WALKS_PER_SITE
from pytest_signaltrace.trace.nesting import enter, in_flight, leave
from pytest_signaltrace.trace.recorder import Counter, Recorder, SendRow
from pytest_signaltrace.trace.tracer import Tracer, caller

#: A send patch's argument that was not passed (``Signal.send(self=s, sender=x)`` passes none
#: by position).
_UNSET: Any = object()


class ReceiverTables(NamedTuple):
    """What the C patch's receiver path reads and bumps: the tables ``record`` uses, in the
    order ``parse_receiver_tables`` in ``_fastsend.c`` reads them."""

    method: str
    robust: bool
    #: ``SiteFinder.files``: raw filename -> (absolute, is a project file, is internal).
    files: dict[str, tuple[str, bool, bool]]
    #: ``SignalRegistry.by_id``: ``id(signal)`` -> token.
    signal_ids: dict[int, int]
    #: ``HandlerTable.by_code_id``: ``id(code)`` -> handler token.
    handler_ids: dict[int, int]
    #: ``Tracer._walks``: ``id(code) + f_lasti`` -> walks made from that caller.
    walks: dict[int, Counter]
    walks_per_site: int
    #: ``SiteFinder.project_frame``: the first project frame from a frame outwards.
    project_frame: Callable[[FrameType | None], FrameType | None]
    sends: dict[SendRow, Counter]
    codes: dict[int, CodeType]
    tests: dict[tuple[int, tuple[int, ...]], set[str]]
    #: Read for its ``current_test`` on every send.
    recorder: Recorder
    new_counter: Callable[[], Counter]
    #: Reports a fault of the recording, as ``record`` reports its own.
    fault: Callable[[BaseException], None]


def send_patch(
    tracer: Tracer, original: Any, method: str, *, capture_live: bool, robust: bool
) -> Any:
    """A recording function to replace ``original``, a class's ``send``-like ``method``;
    ``robust``: it catches a receiver's exception and returns it (see :mod:`.raises`).

    The hot path is inlined on purpose (every helper call costs about 0.07 us) and keyed on
    what is cheap to read: the caller's code object (by ``id``, kept alive by the recorder)
    and ``f_lasti``, turned into a filename and line by the snapshot (``f_lineno`` scans the
    line table: microseconds at the end of a long function such as ``Model.__init__``), and
    a receiver by the ``id`` of its code (see :class:`~.identity.HandlerTable`). The first
    project frame is looked for outside the caller only when a receiver ran, within
    :data:`~.frames.WALK_DEPTH` frames, for the first :data:`~.frames.WALKS_PER_SITE` such
    sends from each caller (see :mod:`~pytest_signaltrace.trace.frames`). A caller from an
    internal or a not yet seen file takes the slow path.

    The no-receiver fast path (two int-keyed lookups, see :mod:`.quiet`) runs in C where
    the extension :mod:`._fastsend` was built: it forwards the call unchanged and needs no
    Python frame, which takes most of the patch's cost off the commonest sends. So does
    ``record``'s common path (a caller, signal and receivers already seen; no receiver's
    exception returned by a robust send), from :class:`ReceiverTables`. ``record`` and
    ``failed`` are the same Python code either way, and take every other send.
    """
    named_sender = _takes_sender_and_named(original)
    if capture_live or not (named_sender or _takes_self_first(original)):
        return _slow_send(tracer, original, method, capture_live)
    recorder, finder, faults = tracer.recorder, tracer.finder, tracer.faults
    sends, codes, tests, files = recorder.sends, recorder.codes, recorder.tests, finder.files
    signal_ids, handler_ids = recorder.signals.by_id, recorder.handlers.by_code_id
    signal_token, handler_token = recorder.signals.token, recorder.handlers.token
    project_frame, walks = finder.project_frame, tracer._walks
    quiet = recorder.quiet
    live = quiet.table(method)
    watched, note_sender = recorder.senders_seen.watched, recorder.senders_seen.note
    new_counter = itertools.count
    where = f"Signal.{method}"
    installation = tracer
    nested = tracer.cascade.nested

    def record(signal: Any, frame: FrameType | None, result: Any) -> None:
        """Record a send that the no-receiver fast path did not count."""
        try:
            if frame is None:  # no Python caller (a thread's function, run from C): no site
                installation._record_result(signal, method, frame, result)
                return
            code = frame.f_code
            info = files.get(code.co_filename)
            if info is None or info[2]:  # not seen yet, or internal
                installation._record_result(signal, method, frame, result)
                return
            token = signal_ids.get(id(signal))
            if token is None:
                token = signal_token(signal)
            code_id, lasti = id(code), frame.f_lasti
            if type(result) is list and result:
                if len(result) == 1:  # HandlerTable.token's fast path, inlined
                    receiver = result[0][0]
                    function = receiver.__func__ if type(receiver) is MethodType else receiver
                    handler = (
                        handler_ids.get(id(function.__code__))
                        if type(function) is FunctionType
                        else None
                    )
                    handlers: tuple[int, ...] = (
                        handler_token(receiver) if handler is None else handler,
                    )
                else:
                    found = []
                    for receiver, _ in result:
                        function = (
                            receiver.__func__ if type(receiver) is MethodType else receiver
                        )
                        handler = (
                            handler_ids.get(id(function.__code__))
                            if type(function) is FunctionType
                            else None
                        )
                        found.append(handler_token(receiver) if handler is None else handler)
                    handlers = tuple(found)
                outer = None
                if info[1]:
                    project: Any = True  # the caller itself
                else:
                    # id(code) + f_lasti: unique among live codes (see trace/quiet.py); a
                    # collision with a dead one only takes walks away from a caller
                    caller = code_id + lasti
                    walked = walks.get(caller)
                    if walked is None:
                        walked = walks.setdefault(caller, new_counter())
                    if next(walked) < WALKS_PER_SITE:
                        outer = project_frame(frame.f_back)
                    project = None if outer is None else (id(outer.f_code), outer.f_lasti)
                row: tuple[Any, ...] = (token, method, code_id, lasti, project, handlers)
                test = recorder.current_test
                if test is not None:
                    nodes = tests.get((token, handlers))
                    if nodes is None:
                        nodes = tests.setdefault((token, handlers), set())
                    nodes.add(test)
                if outer is not None:
                    codes[id(outer.f_code)] = outer.f_code
                if robust:
                    for pair in result:
                        if isinstance(pair[1], Exception):
                            recorder.record_raises(signal, method, result)
                            break
            else:  # no receiver ran: look no further than the caller for a project frame
                project = info[1] or None
                if quiet.count_new(signal, token, method, code, lasti, project):
                    return
                row = (token, method, code_id, lasti, project, ())
            counter = sends.get(row)
            if counter is None:  # a new row: keep its code alive, so its id stays unique
                codes[code_id] = code
                counter = sends.setdefault(row, new_counter())
            next(counter)
        except Exception as exc:
            faults.report(where, exc)

    def failed(signal: Any, frame: FrameType | None, exc: BaseException) -> None:
        """Record a send that raised ``exc``."""
        installation._record_failure(signal, method, frame, exc, None)

    if tracer._fast_send is not None:
        # The same fast paths in C (trace/_fastsend.c); record() and failed() do the rest.
        def fault(exc: BaseException) -> None:
            faults.report(where, exc)

        tables = ReceiverTables(
            method=method,
            robust=robust,
            files=files,
            signal_ids=signal_ids,
            handler_ids=handler_ids,
            walks=walks,
            walks_per_site=WALKS_PER_SITE,
            project_frame=project_frame,
            sends=sends,
            codes=codes,
            tests=tests,
            recorder=recorder,
            new_counter=new_counter,
            fault=fault,
        )
        patch = tracer._fast_send(original, live, record, failed, tables, nested)
        patch.watch_senders(watched, note_sender)
        return patch

    tally = _tally(live, record, installation, nested)
    if not named_sender:
        return _positional_send(original, failed, installation, tally)

    # signal is positional-only, as self is to the frameworks' send: a signal's send
    # connected as a receiver is called with signal= among its keyword arguments.
    def send(signal: Any = _UNSET, /, sender: Any = _UNSET, **named: Any) -> Any:
        __tracebackhide__ = True
        if signal is _UNSET or sender is _UNSET:
            # Signal.send(self=s, sender=x), or a call the original refuses: forwarded as
            # is and not recorded, as the C path does
            return _forward(original, signal, sender, named)
        if watched and id(signal) in watched:
            note_sender(signal, sender)
        outer = enter(signal)
        try:
            result = original(signal, sender, **named) if named else original(signal, sender)
        except BaseException as exc:
            leave()
            failed(signal, caller(1), exc)
            raise
        leave()
        return tally(signal, outer, result)

    return send

def _tally(
    live: dict[int, dict[int, Any]],
    record: Callable[[Any, FrameType | None, Any], None],
    installation: Tracer,
    nested: Callable[[Any, FrameType | None, int, Any], None],
) -> Callable[[Any, int, Any], Any]:
    """What the pure-Python sends do once the original returned: count a quiet send from a
    caller seen before, hand a nested one to the cascade log, ``record`` the rest; returns the
    result. Called from a send patch, whose caller is two frames out."""
    getframe = sys._getframe

    def tally(signal: Any, outer: int, result: Any) -> Any:
        if not installation.active:
            return result
        try:
            frame = getframe(2)
        except ValueError:  # no Python caller (a thread's function, run from C)
            record(signal, None, result)
            return result
        if outer or in_flight[0]:
            nested(signal, frame, outer, None)
        if not (type(result) is list and result):  # no receiver ran: the fast path
            counters = live.get(id(signal))
            if counters is not None:
                counter = counters.get(id(frame.f_code) + frame.f_lasti)
                if counter is not None:
                    next(counter)
                    return result
        record(signal, frame, result)
        return result

    return tally


def _positional_send(
    original: Callable[..., Any],
    failed: Callable[[Any, FrameType | None, BaseException], None],
    installation: Tracer,
    tally: Callable[[Any, int, Any], Any],
) -> Callable[..., Any]:
    """The pure-Python fast patch of a send whose ``self`` is positional-only and whose other
    arguments may be anything (``send(self, sender=None, /, *, option=None, **named)``): the
    call is forwarded as it came, the rest is :func:`send_patch`'s."""
    watched = installation.recorder.senders_seen.watched
    note_sender = installation.recorder.senders_seen.note

    def send(signal: Any = _UNSET, /, *args: Any, **named: Any) -> Any:
        __tracebackhide__ = True
        if signal is _UNSET:  # a call the original refuses: forwarded, not recorded
            return original(*args, **named)
        if watched and id(signal) in watched:
            note_sender(signal, args[0] if args else named.get("sender"))
        outer = enter(signal)
        try:
            result = original(signal, *args, **named)
        except BaseException as exc:
            leave()
            failed(signal, caller(1), exc)
            raise
        leave()
        return tally(signal, outer, result)

    return send


def _slow_send(
    tracer: Tracer, original: Callable[..., Any], method: str, capture_live: bool
) -> Callable[..., Any]:
    """A recording ``send`` for any signature, or capturing the live receivers (a send whose
    failure needs that result to tell which receivers ran, as Django 4.2's).

    One Python frame per send, as the fast patch: a receiver that sends, 250 levels deep,
    must not reach the recursion limit only because it is traced."""
    installation, capture, nested = tracer, tracer._capture, tracer.cascade.nested
    watched = tracer.recorder.senders_seen.watched
    note_sender = tracer.recorder.senders_seen.note

    def send(signal: Any = _UNSET, /, *args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        if signal is _UNSET:  # Signal.send(self=s, ...): forwarded as is, not recorded
            return original(*args, **kwargs)
        if watched and id(signal) in watched:
            note_sender(signal, args[0] if args else kwargs.get("sender"))
        holder = None
        if capture_live:
            holder = [id(signal), None]
            previous, capture.slot = capture.slot, holder
        outer = enter(signal)
        try:
            result = original(signal, *args, **kwargs)
        except BaseException as exc:
            leave()
            if holder is not None:
                capture.slot = previous
            installation._record_failure(signal, method, caller(1), exc, holder)
            raise
        leave()
        if holder is not None:
            capture.slot = previous
            holder[1] = None
        if installation.active:
            frame = caller(1)
            if outer or in_flight[0]:
                nested(signal, frame, outer, None)
            installation._record_result(signal, method, frame, result)
        return result

    return send


def _forward(original: Callable[..., Any], signal: Any, sender: Any, named: dict[str, Any]) -> Any:
    """Call ``original`` with the arguments a send patch was given, leaving out the unset ones."""
    __tracebackhide__ = True
    if sender is not _UNSET:
        named["sender"] = sender
    return original(**named) if signal is _UNSET else original(signal, **named)


def _takes_self_first(function: object) -> bool:
    """Whether ``function``'s first parameter is positional-only (``self``, always the signal:
    the C patch and :func:`_positional_send` read it so) and it takes any keywords."""
    code = getattr(function, "__code__", None)
    return (
        isinstance(code, CodeType)
        and code.co_posonlyargcount >= 1
        and bool(code.co_flags & inspect.CO_VARKEYWORDS)
    )


def _takes_sender_and_named(function: object) -> bool:
    """Whether ``function``'s signature is ``(self, sender, **named)``, as a dispatcher's."""
    code = getattr(function, "__code__", None)
    if not isinstance(code, CodeType) or getattr(function, "__defaults__", None):
        return False
    return (
        code.co_argcount == 2
        and code.co_posonlyargcount <= 1  # self, as this module's own send patch has it
        and code.co_kwonlyargcount == 0
        and bool(code.co_flags & inspect.CO_VARKEYWORDS)
        and not code.co_flags & inspect.CO_VARARGS
        and code.co_varnames[1] == "sender"
    )
