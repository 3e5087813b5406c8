"""Patch Django's and Celery's ``Signal`` classes so a :class:`Recorder` sees what happens.

:func:`install` registers wrapt post-import hooks for ``django.dispatch.dispatcher`` and
``celery.utils.dispatch.signal``: the classes are patched as soon as those modules are imported,
or at once if they already are. Each patched method is replaced by a plain function that calls
the original (``__wrapped__``, ``__name__`` and ``__qualname__`` copied from it): a wrapt
``FunctionWrapper`` cost about 0.5 us and two extra levels of stack per call, which on a send is
more than all the recording. Patched methods:

* Django ``Signal``: ``__init__`` (creation site), ``connect``, ``disconnect``, ``send``,
  ``send_robust``, ``asend`` and ``asend_robust`` (Django 5.0+);
* Celery ``Signal``: ``__init__``, ``_connect_signal`` (every form of ``connect`` ends there:
  ``@sig.connect``, ``@sig.connect(sender=..., weak=False)``, ``sig.connect(func)``, so the
  decorator ``connect`` returns is left untouched), ``disconnect``, ``send`` and ``send_robust``
  (the same function under two names, patched under both);
* ``_live_receivers`` only where the frames of a failed send cannot tell which receivers it had
  (Django 4.2's ``send``, see :mod:`~pytest_signaltrace.trace.failure`): elsewhere it costs a
  send nothing.

A send is recorded after it returns or raises, with the receivers that ran: from the returned
``[(receiver, response), ...]`` list, or, when it raised, from the dispatcher's frames in the
traceback. A send's sender is not recorded, only its call site: the caller's raw
``co_filename`` and line (made absolute when the trace is read), and, only when a receiver ran,
the first project frame (the walk outwards is the expensive part of tracing, see
:mod:`~pytest_signaltrace.trace.frames`).

Guarantees: no receiver is ever added (Django's ORM asks ``has_listeners()``); return values and
exceptions pass through unchanged (an ``asend*`` call returns an equivalent coroutine); no strong
reference to a receiver, sender or signal outlives the call; a fault inside a wrapper is swallowed,
counted in ``Installation.faults`` and reported once as a :class:`SignalTraceWarning`.

Celery's ``celery.app.trace`` binds ``signals.task_prerun.send`` (and ``task_postrun``,
``task_success``) to module globals at import. A bound method made before the patch calls the
original function, so when ``celery.app.trace`` was imported before :func:`install`, those
globals are rebound to the patched methods (and restored by :meth:`Installation.uninstall`).
Other code that caches ``sig.send`` before installation is not traced: install early, as the
plugin does from ``pytest_load_initial_conftests``.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import operator
import os
import sys
import threading
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from types import CodeType, FrameType, FunctionType, MethodType, ModuleType
from typing import TYPE_CHECKING, Any

import wrapt

from pytest_signaltrace.trace.failure import (
    dispatch_codes,
    needs_capture,
    receivers_before_failure,
)
from pytest_signaltrace.trace.faults import FaultLog
from pytest_signaltrace.trace.frames import (
    WALKS_PER_SITE,
    Site,
    SiteFinder,
    absolute_filename,
    in_sources,
    source_roots,
)
from pytest_signaltrace.trace.recorder import Counter, Recorder
from pytest_signaltrace.trace.signals import find_existing_signals, signal_classes

if TYPE_CHECKING:
    from pytest_signaltrace.trace._fastsend import FastSend

DJANGO_DISPATCHER = "django.dispatch.dispatcher"
CELERY_DISPATCHER = "celery.utils.dispatch.signal"
CELERY_TRACE = "celery.app.trace"

_SYNC_SENDS = ("send", "send_robust")
_ASYNC_SENDS = ("asend", "asend_robust")

#: ``wrapper(original, instance, args, kwargs)``: calls ``original(instance, *args, **kwargs)``.
Wrapper = Callable[[Any, Any, tuple[Any, ...], dict[str, Any]], Any]


class _Capture(threading.local):
    """Per-thread slot where the ``_live_receivers`` patch leaves the result for the send."""

    #: ``[id(signal), live receivers or None]`` while a traced send with receivers runs.
    slot: list[Any] | None = None


@dataclass(frozen=True)
class _Patch:
    owner: type
    name: str
    original: Any
    handle: Any


@dataclass(frozen=True)
class _ArgSpec:
    """Where ``receiver``, ``sender`` and ``dispatch_uid`` sit in a (dis)connect signature."""

    receiver: int
    sender: int
    dispatch_uid: int


_DJANGO_CONNECT = _ArgSpec(0, 1, 3)
_DJANGO_DISCONNECT = _ArgSpec(0, 1, 2)
_CELERY_CONNECT = _ArgSpec(0, 1, 3)  # _connect_signal(receiver, sender, weak, dispatch_uid)
_CELERY_DISCONNECT = _ArgSpec(0, 1, 3)


def install(
    recorder: Recorder, project_roots: Sequence[str], faults: FaultLog | None = None
) -> Installation:
    """Patch the signal classes (now, or when imported) to report to ``recorder``; faults go
    to ``faults`` (by default a new log that warns at the first one)."""
    installation = Installation(recorder, project_roots, faults)
    installation._start()
    return installation


class Installation:
    """The patches applied by :func:`install`; call :meth:`uninstall` to remove them."""

    def __init__(
        self, recorder: Recorder, project_roots: Sequence[str], faults: FaultLog | None = None
    ) -> None:
        self.recorder = recorder
        self.project_roots = tuple(project_roots)
        #: False once uninstalled; wrappers that outlive their patch then pass calls through.
        self.active = True
        self.faults = faults if faults is not None else FaultLog()
        self._own_files = _own_files()
        self.finder = SiteFinder(self.project_roots, self._own_files)
        self._patches: list[_Patch] = []
        self._rebound: list[tuple[ModuleType, str, object, object]] = []
        self._capture = _Capture()
        self._loop_codes: set[CodeType] = set()
        self._async_codes: set[CodeType] = set()
        #: Celery's ``Signal`` classes: their ``send`` is robust (it catches and returns).
        self._celery_classes: tuple[type, ...] = ()
        #: ``id(code) + f_lasti`` of a caller outside the project -> how many of its sends
        #: that ran a receiver looked for the project frame (the codes are in recorder.codes).
        self._walks: dict[int, Counter] = {}
        self._lock = threading.Lock()
        #: The C send patch's class, or ``None`` for the pure-Python one.
        self._fast_send = fast_send_class()
        self._roots = source_roots(self.project_roots)
        #: handler token -> whether its connects drop their dispatch_uid (third-party code)
        self._uid_folds: dict[int, bool] = {}
        recorder.folds_uid = self._folds_uid

    def _folds_uid(self, token: int) -> bool:
        """Whether handler ``token``'s connects are counted without their ``dispatch_uid``: its
        code is outside the project, as ``data.fold_third_party_uids`` decides at the end. Done
        here, the test client's connect with a fresh uid per request is one row, not thousands
        (memory while the tests run, and work at the end)."""
        folds = self._uid_folds.get(token)
        if folds is None:
            path = absolute_filename(self.recorder.handlers.ref(token).path)
            folds = self._uid_folds.setdefault(token, not in_sources(path, self._roots))
        return folds

    @property
    def patched(self) -> list[str]:
        """``module.Class.method`` of every patch in place."""
        return [f"{p.owner.__module__}.{p.owner.__qualname__}.{p.name}" for p in self._patches]

    def uninstall(self) -> None:
        """Restore the original methods and module globals; later calls are not recorded."""
        with self._lock:
            if not self.active:
                return
            self.active = False
            for patch in reversed(self._patches):
                if patch.owner.__dict__.get(patch.name) is patch.handle:
                    setattr(patch.owner, patch.name, patch.original)
                if isinstance(patch.handle, self._fast_send or ()):
                    patch.handle.active = False  # a reference kept elsewhere passes calls through
            for module, name, old, new in reversed(self._rebound):
                if module.__dict__.get(name) is new:
                    setattr(module, name, old)
            handles = {id(p.handle): p for p in self._patches}
            self._patches.clear()
            self._rebound.clear()
        trace_module = sys.modules.get(CELERY_TRACE)
        if trace_module is not None:
            _unbind_wrappers(trace_module, handles)

    # --- hooks --------------------------------------------------------------------------------

    def _start(self) -> None:
        wrapt.register_post_import_hook(self._on_django, DJANGO_DISPATCHER)
        wrapt.register_post_import_hook(self._on_celery, CELERY_DISPATCHER)
        try:
            for signal, name in find_existing_signals(signal_classes()):
                self.recorder.signals.name(signal, name)
        except Exception as exc:
            self.faults.report("finding existing signals", exc)

    def _guarded(self, what: str, action: Callable[[], object]) -> None:
        """Run a post-import hook's work while installed; a fault becomes one warning."""
        if self.active:
            try:
                action()
            except Exception as exc:
                self.faults.report(what, exc)

    def _on_django(self, module: ModuleType) -> None:
        self._guarded("patching Django signals", lambda: self._patch_django(module))

    def _on_celery(self, module: ModuleType) -> None:
        def patch() -> None:
            self._patch_celery(module)
            wrapt.register_post_import_hook(self._on_celery_trace, CELERY_TRACE)

        self._guarded("patching Celery signals", patch)

    def _on_celery_trace(self, module: ModuleType) -> None:
        self._guarded("rebinding celery.app.trace", lambda: self._rebind_bound_sends(module))

    def _patch_django(self, module: ModuleType) -> None:
        cls = module.Signal
        dispatcher = module.__file__ or ""
        django_root = os.path.dirname(os.path.dirname(dispatcher))
        # ModelSignal.connect/_lazy_method call Signal.connect: skip them for the connect site.
        self.finder.add_internal(
            [dispatcher, os.path.join(django_root, "db", "models", "signals.py")]
        )
        self._patch_class(cls, _DJANGO_CONNECT, _DJANGO_DISCONNECT, connect_name="connect")

    def _patch_celery(self, module: ModuleType) -> None:
        cls = module.Signal
        self._celery_classes = (cls,)
        self.finder.add_internal([module.__file__ or ""])
        self._patch_class(cls, _CELERY_CONNECT, _CELERY_DISCONNECT, connect_name="_connect_signal")

    def _patch_class(
        self, cls: type, connect: _ArgSpec, disconnect: _ArgSpec, *, connect_name: str
    ) -> None:
        if any(patch.owner is cls for patch in self._patches):
            return
        sends = [name for name in (*_SYNC_SENDS, *_ASYNC_SENDS) if name in cls.__dict__]
        self._loop_codes |= dispatch_codes(_innermost(cls.__dict__[name]) for name in sends)
        self._async_codes |= dispatch_codes(
            _innermost(cls.__dict__[name]) for name in sends if name in _ASYNC_SENDS
        )
        self._wrap(cls, "__init__", self._init_wrapper())
        self._wrap(cls, connect_name, self._connect_wrapper(connect, record_disconnect=False))
        self._wrap(cls, "disconnect", self._connect_wrapper(disconnect, record_disconnect=True))
        capture = {name: needs_capture(_innermost(cls.__dict__[name])) for name in sends}
        if any(capture.values()):
            self._wrap(cls, "_live_receivers", self._live_receivers_wrapper())
        for name in sends:
            if name in _ASYNC_SENDS:
                self._patch_asend(cls, name, capture[name])
            else:
                self._patch_send(cls, name, capture[name])

    def _wrap(self, cls: type, name: str, wrapper: Wrapper) -> None:
        """Replace ``cls.name`` by a function that hands each call to ``wrapper``."""
        original = cls.__dict__[name]

        def patched(instance: Any, *args: Any, **kwargs: Any) -> Any:
            __tracebackhide__ = True
            return wrapper(original, instance, args, kwargs)

        self._replace(cls, name, original, patched)

    def _replace(self, cls: type, name: str, original: Any, patched: Any) -> None:
        functools.update_wrapper(patched, original)
        setattr(cls, name, patched)
        self._patches.append(_Patch(cls, name, original, patched))

    def _rebind_bound_sends(self, module: ModuleType) -> None:
        """Point module globals bound to an original ``send`` before patching at the patch."""
        originals: dict[int, str] = {}
        for patch in self._patches:
            if patch.name in _SYNC_SENDS or patch.name in _ASYNC_SENDS:
                # Celery's send_robust is send: keep the first name, "send".
                originals.setdefault(id(patch.original), patch.name)
        for name, value in list(module.__dict__.items()):
            if type(value) is MethodType and id(value.__func__) in originals:
                fresh = getattr(value.__self__, originals[id(value.__func__)])
                setattr(module, name, fresh)
                self._rebound.append((module, name, value, fresh))

    # --- wrappers -----------------------------------------------------------------------------

    def _patch_send(self, cls: type, method: str, capture_live: bool) -> None:
        """Replace ``cls.<method>`` (``send``/``send_robust``) by a recording function.

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
        Python frame, which takes most of the patch's cost off the commonest sends. ``record``
        and ``failed`` are the same Python code either way.
        """
        original = cls.__dict__[method]
        if capture_live or not _takes_sender_and_named(original):
            self._replace(cls, method, original, self._slow_send(original, method, capture_live))
            return
        recorder, finder, faults = self.recorder, self.finder, self.faults
        sends, codes, tests, files = recorder.sends, recorder.codes, recorder.tests, finder.files
        signal_ids, handler_ids = recorder.signals.by_id, recorder.handlers.by_code_id
        signal_token, handler_token = recorder.signals.token, recorder.handlers.token
        project_frame, walks = finder.project_frame, self._walks
        quiet = recorder.quiet
        live = quiet.table(method)
        getframe, new_counter = sys._getframe, itertools.count
        where = f"Signal.{method}"
        installation = self
        # Celery's send catches a receiver's exception as send_robust does (see trace.raises).
        robust = method == "send_robust" or cls.__module__ == CELERY_DISPATCHER

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

        if self._fast_send is not None:
            # The same fast path in C (trace/_fastsend.c); record() and failed() do the rest.
            self._replace(cls, method, original, self._fast_send(original, live, record, failed))
            return

        # signal is positional-only, as self is to Django's and Celery's send: a signal's send
        # connected as a receiver is called with signal= among its keyword arguments.
        def send(signal: Any = _UNSET, /, sender: Any = _UNSET, **named: Any) -> Any:
            __tracebackhide__ = True
            if signal is _UNSET or sender is _UNSET:
                # Signal.send(self=s, sender=x), or a call the original refuses: forwarded as
                # is and not recorded, as the C path does
                return _forward(original, signal, sender, named)
            try:
                result = original(signal, sender, **named) if named else original(signal, sender)
            except BaseException as exc:
                failed(signal, _caller(1), exc)
                raise
            if not installation.active:
                return result
            try:
                frame = getframe(1)
            except ValueError:  # no Python caller (a thread's function, run from C)
                record(signal, None, result)
                return result
            if not (type(result) is list and result):  # no receiver ran: the fast path
                counters = live.get(id(signal))
                if counters is not None:
                    counter = counters.get(id(frame.f_code) + frame.f_lasti)
                    if counter is not None:
                        next(counter)
                        return result
            record(signal, frame, result)
            return result

        self._replace(cls, method, original, send)

    def _slow_send(
        self, original: Callable[..., Any], method: str, capture_live: bool
    ) -> Callable[..., Any]:
        """A recording ``send`` for any signature, or capturing ``_live_receivers`` (Django
        4.2's ``send``, whose failure needs that result to tell which receivers ran).

        One Python frame per send, as the fast patch: a receiver that sends, 250 levels deep,
        must not reach the recursion limit only because it is traced."""
        installation, capture = self, self._capture

        def send(signal: Any = _UNSET, /, *args: Any, **kwargs: Any) -> Any:
            __tracebackhide__ = True
            if signal is _UNSET:  # Signal.send(self=s, ...): forwarded as is, not recorded
                return original(*args, **kwargs)
            holder = None
            if capture_live:
                holder = [id(signal), None]
                previous, capture.slot = capture.slot, holder
            try:
                result = original(signal, *args, **kwargs)
            except BaseException as exc:
                if holder is not None:
                    capture.slot = previous
                installation._record_failure(signal, method, _caller(1), exc, holder)
                raise
            if holder is not None:
                capture.slot = previous
                holder[1] = None
            if installation.active:
                installation._record_result(signal, method, _caller(1), result)
            return result

        return send

    def _patch_asend(self, cls: type, method: str, capture_live: bool) -> None:
        """Wrap ``cls.<method>`` (``asend``/``asend_robust``) so the coroutine records the send.

        A wrapt ``FunctionWrapper`` here, not a plain function: it keeps
        ``inspect.iscoroutinefunction`` true on Python 3.11 (asgiref's ``async_to_sync`` checks
        it), and ``asend`` is not hot. The returned coroutine creates Django's only when it starts:
        one closed or cancelled before it runs leaves no un-awaited coroutine behind. Its
        ``__name__``/``__qualname__`` are Django's.
        """
        finder, faults = self.finder, self.faults
        getframe = sys._getframe
        installation = self

        def asend_wrapper(
            wrapped: Callable[..., Any],
            instance: Any,
            args: tuple[Any, ...],
            kwargs: dict[str, Any],
        ) -> Any:
            if not installation.active or instance is None:
                return wrapped(*args, **kwargs)
            try:
                site, project_site = finder.sites(getframe(1))
            except Exception as exc:
                faults.report(f"Signal.{method}", exc)
                site = project_site = None
            coroutine: Any = installation._traced_asend(
                wrapped, args, kwargs, instance, method, site, project_site, capture_live
            )
            coroutine.__name__ = wrapped.__name__
            coroutine.__qualname__ = wrapped.__qualname__
            return coroutine

        original = cls.__dict__[method]
        handle = wrapt.wrap_function_wrapper(cls, method, asend_wrapper)
        self._patches.append(_Patch(cls, method, original, handle))

    async def _traced_asend(
        self,
        wrapped: Callable[..., Coroutine[Any, Any, Any]],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        signal: Any,
        method: str,
        site: Site | None,
        project_site: Site | None,
        capture_live: bool,
    ) -> Any:
        """Create and await Django's ``asend*`` coroutine, recording as the sync patch does."""
        __tracebackhide__ = True
        if not self.active:
            return await wrapped(*args, **kwargs)
        holder = [id(signal), None] if capture_live else None
        capture = self._capture
        previous = capture.slot
        if holder is not None:
            capture.slot = holder  # _live_receivers runs before asend's first await
        try:
            result = await wrapped(*args, **kwargs)
        except BaseException as exc:
            capture.slot = previous
            self._record_failure_at(signal, method, site, project_site, exc, holder)
            raise
        capture.slot = previous
        if holder is not None:
            holder[1] = None
        self._record_at(signal, method, site, project_site, result)
        return result

    def _record_result(
        self, signal: Any, method: str, frame: FrameType | None, result: Any
    ) -> None:
        """Record a send that returned ``result``, called from ``frame`` (the slow path)."""
        try:
            site, project_site = self.finder.sites(frame)
            if not (type(result) is list and result):
                project_site = project_site if project_site == site else None
        except Exception as exc:
            self.faults.report(f"Signal.{method}", exc)
            site = project_site = None
        self._record_at(signal, method, site, project_site, result)

    def _record_at(
        self,
        signal: Any,
        method: str,
        site: Site | None,
        project_site: Site | None,
        result: Any,
    ) -> None:
        try:
            ran = type(result) is list and result
            receivers = map(_first, result) if ran else ()
            self.recorder.record_send(signal, method, site, project_site, receivers)
            if ran and (method.endswith("_robust") or isinstance(signal, self._celery_classes)):
                self.recorder.record_raises(signal, method, result)
        except Exception as exc:
            self.faults.report(f"Signal.{method}", exc)

    def _record_failure(
        self,
        signal: Any,
        method: str,
        frame: FrameType | None,
        exc: BaseException,
        holder: list[Any] | None,
    ) -> None:
        """Record a send that raised ``exc``, called from ``frame``."""
        if not self.active:
            return
        try:
            site, project_site = self.finder.sites(frame)
        except Exception as fault:
            self.faults.report(f"Signal.{method}", fault)
            site = project_site = None
        self._record_failure_at(signal, method, site, project_site, exc, holder)

    def _record_failure_at(
        self,
        signal: Any,
        method: str,
        site: Site | None,
        project_site: Site | None,
        exc: BaseException,
        holder: list[Any] | None,
    ) -> None:
        try:
            captured = None
            if holder is not None:
                captured, holder[1] = holder[1], None
            ran = receivers_before_failure(
                exc.__traceback__, captured, self._loop_codes, self._async_codes
            )
            del captured
            self.recorder.record_send(signal, method, site, project_site, ran)
        except Exception as fault:
            self.faults.report(f"Signal.{method} (failed send)", fault)

    def _live_receivers_wrapper(self) -> Wrapper:
        capture = self._capture

        def live_receivers_wrapper(
            wrapped: Callable[..., Any],
            instance: Any,
            args: tuple[Any, ...],
            kwargs: dict[str, Any],
        ) -> Any:
            result = wrapped(instance, *args, **kwargs)
            holder = capture.slot
            if holder is not None and holder[1] is None and holder[0] == id(instance):
                holder[1] = result
            return result

        return live_receivers_wrapper

    def _connect_wrapper(self, spec: _ArgSpec, *, record_disconnect: bool) -> Wrapper:
        recorder, finder, faults = self.recorder, self.finder, self.faults
        getframe = sys._getframe
        where = "Signal.disconnect" if record_disconnect else "Signal.connect"

        def connect_wrapper(
            wrapped: Callable[..., Any],
            instance: Any,
            args: tuple[Any, ...],
            kwargs: dict[str, Any],
        ) -> Any:
            result = wrapped(instance, *args, **kwargs)
            if not self.active:
                return result
            try:
                frame = getframe(1)
                if _deferred_celery_connect(frame, finder):
                    return result
                receiver = _arg(args, kwargs, spec.receiver, "receiver")
                sender = _arg(args, kwargs, spec.sender, "sender")
                uid = _arg(args, kwargs, spec.dispatch_uid, "dispatch_uid")
                if type(uid) is int and getattr(receiver, "_dispatch_uid", None) == uid:
                    uid = None  # generated by Celery's connect(retry=True): an id(), not stable
                record = (
                    recorder.record_disconnect if record_disconnect else recorder.record_connect
                )
                record(instance, receiver, finder.site(frame), sender, uid)
            except Exception as exc:
                faults.report(where, exc)
            return result

        return connect_wrapper

    def _init_wrapper(self) -> Wrapper:
        recorder, finder, faults = self.recorder, self.finder, self.faults
        own_files = self._own_files
        getframe = sys._getframe

        def init_wrapper(
            wrapped: Callable[..., Any],
            instance: Any,
            args: tuple[Any, ...],
            kwargs: dict[str, Any],
        ) -> Any:
            result = wrapped(instance, *args, **kwargs)
            if not self.active:
                return result
            try:
                frame = _creation_frame(getframe(1), instance, own_files)
                if frame is None:
                    recorder.record_signal_created(instance, None)
                else:
                    code = frame.f_code
                    scope = None if code.co_name == "<module>" else code.co_qualname
                    recorder.record_signal_created(
                        instance,
                        (finder.absolute(code.co_filename), frame.f_lineno),
                        frame.f_globals.get("__name__"),
                        scope,
                    )
            except Exception as exc:
                faults.report("Signal.__init__", exc)
            return result

        return init_wrapper


_first = operator.itemgetter(0)


#: Set (to anything but ``0`` or empty) to use the pure-Python send patch even where the C
#: extension was built: for comparing the two, and a way out should the extension misbehave.
PURE_PYTHON_ENV = "SIGNALTRACE_PURE_PYTHON"


def fast_send_class() -> type[FastSend] | None:
    """The C send patch's class (``_fastsend.FastSend``), or ``None`` when the extension was not
    built (no compiler at install time) or :data:`PURE_PYTHON_ENV` asks for pure Python."""
    if os.environ.get(PURE_PYTHON_ENV, "0") not in ("", "0"):
        return None
    try:
        from pytest_signaltrace.trace._fastsend import FastSend
    except ImportError:
        return None
    return FastSend


def _caller(depth: int) -> FrameType | None:
    """``sys._getframe(depth)`` as seen by the caller; ``None`` past the outermost frame (a
    function that a thread runs from C has no Python caller)."""
    try:
        return sys._getframe(depth + 1)
    except ValueError:
        return None


def _innermost(function: object) -> object:
    """The function under any wrapt wrappers (another installation's patch)."""
    for _ in range(16):
        inner = getattr(function, "__wrapped__", None)
        if inner is None:
            break
        function = inner
    return function


def _arg(args: tuple[Any, ...], kwargs: dict[str, Any], index: int, name: str) -> Any:
    return args[index] if len(args) > index else kwargs.get(name)


def _deferred_celery_connect(frame: FrameType | None, finder: SiteFinder) -> bool:
    """Whether this connect replays one deferred on a ``PromiseProxy`` sender (already recorded)."""
    while frame is not None and finder.is_internal(frame.f_code.co_filename):
        if frame.f_code.co_name == "_connect_proxy":
            return True
        frame = frame.f_back
    return False


def _creation_frame(
    frame: FrameType | None, instance: object, own_files: frozenset[str]
) -> FrameType | None:
    """The frame that created ``instance``: skip wrapt, this package and subclass ``__init__``."""
    while frame is not None:
        code = frame.f_code
        if code.co_filename in own_files or (
            code.co_name == "__init__"
            and code.co_argcount > 0
            and frame.f_locals.get(code.co_varnames[0]) is instance
        ):
            frame = frame.f_back
        else:
            return frame
    return None


#: A send patch's argument that was not passed (``Signal.send(self=s, sender=x)`` passes none
#: by position).
_UNSET: Any = object()


def _forward(original: Callable[..., Any], signal: Any, sender: Any, named: dict[str, Any]) -> Any:
    """Call ``original`` with the arguments a send patch was given, leaving out the unset ones."""
    __tracebackhide__ = True
    if sender is not _UNSET:
        named["sender"] = sender
    return original(**named) if signal is _UNSET else original(signal, **named)


def _takes_sender_and_named(function: object) -> bool:
    """Whether ``function``'s signature is ``(self, sender, **named)``, as Django's and Celery's."""
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


def _own_files() -> frozenset[str]:
    """Filenames of this package's and wrapt's modules, raw and absolute."""
    names: set[str] = set()
    for module_name, module in list(sys.modules.items()):
        if module_name.startswith(("pytest_signaltrace.trace", "wrapt")):
            filename = getattr(module, "__file__", None)
            if isinstance(filename, str):
                names.update({filename, os.path.abspath(filename)})
    # The ``signals`` fixture wraps the sends on top of these patches: its frames are never a
    # call site (named without importing it: it is imported only when a test asks for it).
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    names.add(os.path.join(package, "plugin", "fixture.py"))
    return frozenset(names)


def _unbind_wrappers(module: ModuleType, handles: dict[int, _Patch]) -> None:
    """Replace module globals bound to a removed patch by methods bound to the original."""
    for name, value in list(module.__dict__.items()):
        if type(value) is MethodType:
            patch = handles.get(id(value.__func__))
            if patch is not None:
                setattr(module, name, MethodType(patch.original, value.__self__))
