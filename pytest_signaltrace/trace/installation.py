"""Patch the registered frameworks' ``Signal`` classes so a :class:`Recorder` sees what happens.

:func:`install` registers a post-import hook (:mod:`.importhooks`) for the module of every
signal class the frameworks of :mod:`pytest_signaltrace.frameworks` declare: a class is patched
as soon as its module is imported, or at once if it already is (a framework registered later is
hooked when it is registered). Each patched method is replaced by a plain function that calls
the original (``__wrapped__``, ``__name__`` and ``__qualname__`` copied from it): a wrapt
``FunctionWrapper`` cost about 0.5 us and two extra levels of stack per call, which on a send is
more than all the recording. Patched, per class (see
:class:`~pytest_signaltrace.frameworks.SignalClass`):

* ``__init__`` (creation site), the method every connect form ends in, ``disconnect``
  (:mod:`.connects`);
* every send the class defines (:mod:`.send_patch`) and every coroutine send
  (:mod:`.asend_patch`); a name bound twice in the class body (``send_robust = send``) is
  patched under both names;
* the live-receivers method only where the frames of a failed send cannot tell which receivers
  it had (see :mod:`~pytest_signaltrace.trace.failure`): elsewhere it costs a send nothing.

A send is recorded after it returns or raises, with the receivers that ran: from the returned
``[(receiver, response), ...]`` list, or, when it raised, from the dispatcher's frames in the
traceback. A send's sender is not recorded, only its call site: the caller's raw
``co_filename`` and line (made absolute when the trace is read), and, only when a receiver ran,
the first project frame (the walk outwards is the expensive part of tracing, see
:mod:`~pytest_signaltrace.trace.frames`).

Guarantees: no receiver is ever added (an ORM may ask ``has_listeners()``); return values and
exceptions pass through unchanged (an ``asend*`` call returns an equivalent coroutine); no strong
reference to a receiver, sender or signal outlives the call; a fault inside a wrapper is swallowed,
counted in ``Installation.faults`` and reported once as a :class:`SignalTraceWarning`.

Some modules bind a signal's ``send`` to a global at import (a framework's
:class:`~pytest_signaltrace.frameworks.BoundSends`). A bound method made before the patch calls
the original function, so when such a module was imported before :func:`install`, those globals
are rebound to the patched methods (and restored by :meth:`Installation.uninstall`). Other code
that caches ``sig.send`` before installation is not traced: install early, as the plugin does
from ``pytest_load_initial_conftests``.
"""

from __future__ import annotations

import functools
import sys
import threading
from collections.abc import Callable, Sequence
from types import MethodType, ModuleType
from typing import TYPE_CHECKING, Any

from pytest_signaltrace import frameworks
from pytest_signaltrace.frameworks import BoundSends, Framework, SignalClass
from pytest_signaltrace.record import Record
from pytest_signaltrace.trace.asend_patch import asend_patch
from pytest_signaltrace.trace.connects import (
    Wrapper,
    connect_patch,
    init_wrapper,
    live_receivers_wrapper,
)
from pytest_signaltrace.trace.failure import dispatch_codes, needs_capture
from pytest_signaltrace.trace.faults import FaultLog
from pytest_signaltrace.trace.importhooks import when_imported
from pytest_signaltrace.trace.recorder import Recorder
from pytest_signaltrace.trace.send_patch import send_patch
from pytest_signaltrace.trace.signals import find_existing_signals, signal_classes
from pytest_signaltrace.trace.tracer import Tracer

if TYPE_CHECKING:
    from pytest_signaltrace.trace.durations import ReceiverTimer


class _Patch(Record):
    owner: type
    name: str
    original: Any
    handle: Any
    #: A send (sync or async): module globals bound to ``original`` are rebound to it.
    send: bool = False


def install(
    recorder: Recorder,
    project_roots: Sequence[str],
    faults: FaultLog | None = None,
    *,
    durations: bool = False,
) -> Installation:
    """Patch the signal classes (now, or when imported) to report to ``recorder``; faults go
    to ``faults`` (by default a new log that warns at the first one). ``durations``: time the
    receivers too (see :mod:`.durations`; off, nothing of it is installed)."""
    installation = Installation(recorder, project_roots, faults)
    if durations:
        from pytest_signaltrace.trace.durations import ReceiverTimer  # off: not even imported

        installation.timer = ReceiverTimer(recorder, installation.faults)
    installation._start()
    return installation


class Installation(Tracer):
    """The patches applied by :func:`install`; call :meth:`uninstall` to remove them."""

    def __init__(
        self, recorder: Recorder, project_roots: Sequence[str], faults: FaultLog | None = None
    ) -> None:
        super().__init__(recorder, project_roots, faults)
        self._patches: list[_Patch] = []
        self._rebound: list[tuple[ModuleType, str, object, object]] = []
        #: Modules whose globals may hold bound sends (hooked once each).
        self._bound_modules: dict[str, BoundSends] = {}
        self._hooked: set[str] = set()
        self._lock = threading.Lock()
        self._unsubscribe: Callable[[], None] | None = None
        #: Unregister the post-import hooks still waiting (called by :meth:`uninstall`).
        self._unhook: list[Callable[[], None]] = []
        #: Times the receivers (``--signal-durations``); ``None``: off.
        self.timer: ReceiverTimer | None = None

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
            if self._unsubscribe is not None:
                self._unsubscribe()
            for unhook in self._unhook:  # a module imported later is not patched: no hook left
                unhook()
            self._unhook.clear()
            if self.timer is not None:
                self.timer.close()
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
        for module_name in self._bound_modules:
            bound_module = sys.modules.get(module_name)
            if bound_module is not None:
                _unbind_wrappers(bound_module, handles)

    # --- hooks --------------------------------------------------------------------------------

    def _start(self) -> None:
        for framework in frameworks.registered():
            self._hook(framework)
        self._unsubscribe = frameworks.subscribe(self._on_registered)
        self._name_existing_signals()

    def _on_registered(self, framework: Framework) -> None:
        """A framework registered after installation (from a conftest, a test): hook it now."""
        if self.active:
            self._hook(framework)
            self._name_existing_signals()

    def _name_existing_signals(self) -> None:
        try:
            for signal, name in find_existing_signals(signal_classes()):
                self.recorder.signals.name(signal, name)
        except Exception as exc:
            self.faults.report("finding existing signals", exc)

    def _hook(self, framework: Framework) -> None:
        for spec in framework.classes:
            hook = functools.partial(self._on_class_module, framework, spec)
            self._unhook.append(when_imported(spec.module, hook))

    def _guarded(self, what: str, action: Callable[[], object]) -> None:
        """Run a post-import hook's work while installed; a fault becomes one warning."""
        if self.active:
            try:
                action()
            except Exception as exc:
                self.faults.report(what, exc)

    def _on_class_module(self, framework: Framework, spec: SignalClass, module: ModuleType) -> None:
        def patch() -> None:
            self._patch_module(spec, module)
            for bound in framework.bound_sends:
                if bound.module not in self._bound_modules:
                    self._bound_modules[bound.module] = bound
                    self._unhook.append(when_imported(bound.module, self._on_bound_module))

        self._guarded(f"patching {framework.name.capitalize()} signals", patch)

    def _on_bound_module(self, module: ModuleType) -> None:
        self._guarded(f"rebinding {module.__name__}", lambda: self._rebind_bound_sends(module))

    def _patch_module(self, spec: SignalClass, module: ModuleType) -> None:
        cls = getattr(module, spec.class_name)
        self.finder.add_internal(spec.internal_files(module))
        self._patch_class(cls, spec)

    def _patch_class(self, cls: type, spec: SignalClass) -> None:
        if any(patch.owner is cls for patch in self._patches):
            return
        self._robust.append((cls, spec.robust_sends))
        sends = [name for name in (*spec.sync_sends, *spec.async_sends) if name in cls.__dict__]
        self._loop_codes |= dispatch_codes(_innermost(cls.__dict__[name]) for name in sends)
        self._async_codes |= dispatch_codes(
            _innermost(cls.__dict__[name]) for name in sends if name in spec.async_sends
        )
        self._wrap(cls, "__init__", init_wrapper(self))
        for name, disconnect in ((spec.connect, False), (spec.disconnect, True)):
            original = cls.__dict__[name]
            patched = connect_patch(self, spec, original, record_disconnect=disconnect)
            self._replace(cls, name, original, patched)
        capture = {name: needs_capture(_innermost(cls.__dict__[name])) for name in sends}
        # a class without a live-receivers method (blinker's) has no list to time: left alone
        timer = self.timer if spec.live_receivers is not None else None
        if timer is not None and spec.live_receivers is not None:
            # under the capture's patch: a failed send's receivers are the wrappers it called
            original = cls.__dict__[spec.live_receivers]
            timed = timer.live_receivers_patch(original)
            self._replace(cls, spec.live_receivers, original, timed)
        if spec.live_receivers is not None and any(capture.values()):
            self._wrap(cls, spec.live_receivers, live_receivers_wrapper(self))
        for name in sends:
            original = cls.__dict__[name]
            if timer is not None:  # the timing send goes under the recording one
                asynchronous = name in spec.async_sends
                timed = (timer.asend_wrapper if asynchronous else timer.send_wrapper)(original)
                self._replace(cls, name, original, timed, send=True)
                original = timed
            if name in spec.async_sends:
                handle = asend_patch(self, cls, name, capture[name])
                self._patches.append(_Patch(cls, name, original, handle, send=True))
            else:
                patched = send_patch(
                    self,
                    original,
                    name,
                    capture_live=capture[name],
                    robust=name in spec.robust_sends,
                )
                self._replace(cls, name, original, patched, send=True)

    def _wrap(self, cls: type, name: str, wrapper: Wrapper) -> None:
        """Replace ``cls.name`` by a function that hands each call to ``wrapper``."""
        original = cls.__dict__[name]

        def patched(instance: Any, *args: Any, **kwargs: Any) -> Any:
            __tracebackhide__ = True
            return wrapper(original, instance, args, kwargs)

        self._replace(cls, name, original, patched)

    def _replace(
        self, cls: type, name: str, original: Any, patched: Any, *, send: bool = False
    ) -> None:
        functools.update_wrapper(patched, original)
        setattr(cls, name, patched)
        self._patches.append(_Patch(cls, name, original, patched, send))

    def _rebind_bound_sends(self, module: ModuleType) -> None:
        """Point module globals bound to an original ``send`` before patching at the patch."""
        originals: dict[int, str] = {}
        for patch in self._patches:
            if patch.send:
                # send_robust = send in a class body: keep the first name, "send".
                originals.setdefault(id(patch.original), patch.name)
        for name, value in list(module.__dict__.items()):
            if type(value) is MethodType and id(value.__func__) in originals:
                fresh = getattr(value.__self__, originals[id(value.__func__)])
                setattr(module, name, fresh)
                self._rebound.append((module, name, value, fresh))


def _innermost(function: object) -> object:
    """The function under any wrapt wrappers (another installation's patch)."""
    for _ in range(16):
        inner = getattr(function, "__wrapped__", None)
        if inner is None:
            break
        function = inner
    return function


def _unbind_wrappers(module: ModuleType, handles: dict[int, _Patch]) -> None:
    """Replace module globals bound to a removed patch by methods bound to the original."""
    for name, value in list(module.__dict__.items()):
        if type(value) is MethodType:
            patch = handles.get(id(value.__func__))
            if patch is not None:
                setattr(module, name, MethodType(patch.original, value.__self__))
