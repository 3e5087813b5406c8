"""What every patch of an installation shares: the recorder, the site finder, the fault log, the
per-thread capture slot, and the recording of a send once it returned or raised.

The patch builders (:mod:`.send_patch`, :mod:`.asend_patch`, :mod:`.connects`) take a
:class:`Tracer`; :class:`~.installation.Installation` is one, plus the patches it put in.
"""

from __future__ import annotations

import importlib.util
import operator
import os
import sys
import threading
from collections.abc import Sequence
from types import CodeType, FrameType
from typing import TYPE_CHECKING, Any

from pytest_signaltrace.trace.cascade import CascadeWatch
from pytest_signaltrace.trace.failure import receivers_before_failure
from pytest_signaltrace.trace.faults import FaultLog
from pytest_signaltrace.trace.frames import (
    Site,
    SiteFinder,
    absolute_filename,
    in_sources,
    source_roots,
)
from pytest_signaltrace.trace.recorder import Counter, Recorder

if TYPE_CHECKING:
    from pytest_signaltrace.trace._fastsend import FastSend

#: Set (to anything but ``0`` or empty) to use the pure-Python send patch even where the C
#: extension was built: for comparing the two, and a way out should the extension misbehave.
PURE_PYTHON_ENV = "SIGNALTRACE_PURE_PYTHON"

_first = operator.itemgetter(0)


class Capture(threading.local):
    """Per-thread slot where the ``_live_receivers`` patch leaves the result for the send."""

    #: ``[id(signal), live receivers or None]`` while a traced send with receivers runs.
    slot: list[Any] | None = None


class Tracer:
    """The state the patches of one installation share, and how a finished send is recorded."""

    def __init__(
        self, recorder: Recorder, project_roots: Sequence[str], faults: FaultLog | None = None
    ) -> None:
        self.recorder = recorder
        self.project_roots = tuple(project_roots)
        #: False once uninstalled; wrappers that outlive their patch then pass calls through.
        self.active = True
        self.faults = faults if faults is not None else FaultLog()
        self._own_files = own_files()
        self.finder = SiteFinder(self.project_roots, self._own_files)
        self._capture = Capture()
        self._loop_codes: set[CodeType] = set()
        self._async_codes: set[CodeType] = set()
        #: ``(signal class, its sends that catch a receiver's exception and return it)``.
        self._robust: list[tuple[type, frozenset[str]]] = []
        #: ``id(code) + f_lasti`` of a caller outside the project -> how many of its sends
        #: that ran a receiver looked for the project frame (the codes are in recorder.codes).
        self._walks: dict[int, Counter] = {}
        #: The C send patch's class, or ``None`` for the pure-Python one.
        self._fast_send = fast_send_class()
        self._roots = source_roots(self.project_roots)
        #: handler token -> whether its connects drop their dispatch_uid (third-party code)
        self._uid_folds: dict[int, bool] = {}
        recorder.folds_uid = self._folds_uid
        #: raw filename -> whether it lies outside the project's sources
        self._outside_files: dict[str, bool] = {}
        recorder.folds_site_uid = self._folds_site_uid
        #: Finds the receiver behind a send made while another runs (cascades).
        self.cascade = CascadeWatch(
            recorder.cascades,
            recorder.signals,
            recorder.handlers,
            self._loop_codes,
            self._robust,
            self.faults,
            self.finder.is_project_file,
        )

    def _folds_uid(self, token: int) -> bool:
        """Whether handler ``token``'s connects are counted without their ``dispatch_uid``: its
        code is outside the project, as ``data.fold_third_party_uids`` decides at the end. Done
        here, the test client's connect with a fresh uid per request is one row, not thousands
        (memory while the tests run, and work at the end)."""
        folds = self._uid_folds.get(token)
        if folds is None:
            path = self.recorder.handlers.ref(token).path
            folds = self._uid_folds.setdefault(token, self._outside_project(path))
        return folds

    def _folds_site_uid(self, site: Site | None) -> bool:
        """Whether a ``disconnect(dispatch_uid=...)`` without a receiver, called from ``site``,
        is counted without its uid: called from outside the project (or from nowhere known),
        as ``data.fold_third_party_uids`` decides at the end. Django's test client disconnects
        with a fresh uid per request: one row, not one per request."""
        return site is None or self._outside_project(site[0])

    def _outside_project(self, filename: str) -> bool:
        """Whether the raw ``filename`` lies outside the project's sources (once per file)."""
        outside = self._outside_files.get(filename)
        if outside is None:
            path = absolute_filename(filename)
            outside = self._outside_files.setdefault(filename, not in_sources(path, self._roots))
        return outside

    def _is_robust(self, signal: Any, method: str) -> bool:
        """Whether ``signal.<method>`` caught a receiver's exception and returned it."""
        return any(method in names and isinstance(signal, cls) for cls, names in self._robust)

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
            if ran and self._is_robust(signal, method):
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


def caller(depth: int) -> FrameType | None:
    """``sys._getframe(depth)`` as seen by the caller; ``None`` past the outermost frame (a
    function that a thread runs from C has no Python caller)."""
    try:
        return sys._getframe(depth + 1)
    except ValueError:
        return None


def own_files() -> frozenset[str]:
    """Filenames of this package's and wrapt's modules, raw and absolute."""
    names: set[str] = set()
    for module_name, module in list(sys.modules.items()):
        if module_name.startswith(("pytest_signaltrace.trace", "wrapt")):
            filename = getattr(module, "__file__", None)
            if isinstance(filename, str):
                names.update({filename, os.path.abspath(filename)})
    names.update(_wrapt_files())
    # The ``signals`` fixture wraps the sends on top of these patches: its frames are never a
    # call site (named without importing it: it is imported only when a test asks for it).
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    names.add(os.path.join(package, "plugin", "fixture.py"))
    return frozenset(names)


def _wrapt_files() -> list[str]:
    """The ``.py`` files of wrapt's package, raw and absolute, imported or not.

    The trace no longer imports wrapt, but a project's own wrapt wrappers (decorated receivers,
    patched senders) stand between its code and the signal: their frames stay internal, as
    when the trace imported wrapt itself. Found without importing it (``find_spec`` of a
    top-level package imports nothing)."""
    try:
        module = sys.modules.get("wrapt")
        origin = getattr(module, "__file__", None) if module is not None else None
        if origin is None:
            spec = importlib.util.find_spec("wrapt")
            origin = spec.origin if spec is not None else None
        if not isinstance(origin, str):
            return []
        folder = os.path.dirname(origin)
        files = [os.path.join(folder, n) for n in os.listdir(folder) if n.endswith(".py")]
    except (OSError, ImportError, ValueError):
        return []
    return [*files, *(os.path.abspath(name) for name in files)]
