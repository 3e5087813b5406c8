"""Call a function once a module has been imported: the post-import hooks of the trace.

:func:`when_imported` replaces ``wrapt.register_post_import_hook``, the only thing of wrapt the
trace needed at start-up: ``import wrapt`` (2.x) imports its whole package, ``asyncio``,
``importlib.metadata`` and ``inspect`` with it, which cost a traced ``python -c pass`` about
four times its own start-up. The ``asend`` wrapper is the package's own too
(:class:`~.asend_patch.AsyncSendPatch`): no traced process imports wrapt.

How: while a hook waits, a finder first on ``sys.meta_path`` answers for the awaited names
only. It asks the finders after it for the spec and wraps the spec's loader, whose
``exec_module`` runs the real one and then the hooks (the module is fully executed). Like
wrapt's, and unlike a finder that re-enters ``importlib.util.find_spec``, it needs no guard
against finding itself. The semantics are wrapt's, so the trace sees the same thing:

* a module already in ``sys.modules`` when its hook is registered: the hook is called at once;
* each hook is called once: the first time the module's code runs to its end; an import that
  fails leaves the hooks waiting, so a retry that succeeds calls them;
* the hook receives what the import returns: ``sys.modules[name]`` after the module ran (a module
  that replaces itself there, as some do, hands over the replacement);
* a reload after the hooks ran calls nothing (hooks are one-shot, the finder no longer answers
  for the name);
* hooks run outside the lock, on the thread that imported the module (an import in a thread
  calls them there), and an exception in a hook propagates to that import (callers guard);
* a spec without a loader (a namespace package itself, not its submodules) or a loader without
  ``exec_module`` (the legacy ``load_module`` protocol) is left alone, and its hooks wait.

:func:`when_imported` returns a function that removes a hook still waiting; the finder leaves
``sys.meta_path`` when no hook waits.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable, Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any

Hook = Callable[[ModuleType], object]

_lock = threading.RLock()
#: Module name -> the hooks waiting for it (a name is removed once its hooks are taken).
_waiting: dict[str, list[Hook]] = {}


def when_imported(name: str, hook: Hook) -> Callable[[], None]:
    """Call ``hook(module)`` once module ``name`` is imported, at once if it already is;
    returns a function that unregisters the hook if it has not run yet."""
    with _lock:
        module = sys.modules.get(name)
        if module is None:
            _waiting.setdefault(name, []).append(hook)
            if _FINDER not in sys.meta_path:
                sys.meta_path.insert(0, _FINDER)
    if module is not None:  # outside the lock: the hook may import, or start a thread that does
        hook(module)
        return _nothing
    return lambda: _remove(name, hook)


def waiting() -> dict[str, int]:
    """How many hooks wait for each module name (for tests and debugging)."""
    with _lock:
        return {name: len(hooks) for name, hooks in _waiting.items()}


def _nothing() -> None:
    pass


def _remove(name: str, hook: Hook) -> None:
    with _lock:
        hooks = _waiting.get(name)
        if hooks is None:
            return
        for index, waiting_hook in enumerate(hooks):
            if waiting_hook is hook:
                del hooks[index]
                break
        if not hooks:
            del _waiting[name]
        if not _waiting:
            _leave_meta_path()


def _leave_meta_path() -> None:
    """Take the finder off ``sys.meta_path`` (called with the lock held)."""
    with contextlib.suppress(ValueError):
        sys.meta_path.remove(_FINDER)


def _loaded(name: str, module: ModuleType) -> None:
    """``name``'s code ran to its end: call the hooks waiting for it."""
    with _lock:
        hooks = _waiting.pop(name, ())
        if not _waiting:
            _leave_meta_path()
    if hooks:
        # what ``import name`` returns: the module may have replaced itself in sys.modules
        current = sys.modules.get(name, module)
        for hook in hooks:
            hook(current)


class _Finder:
    """First on ``sys.meta_path`` while a hook waits; answers only for the awaited names."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        """The spec the other finders give for ``fullname``, its loader wrapped; ``None`` for
        a name no hook waits for (the import goes on as if this finder were not there)."""
        if fullname not in _waiting:  # the import of every other module pays only this
            return None
        spec: ModuleSpec | None = None
        for finder in list(sys.meta_path):
            if isinstance(finder, _Finder):
                continue
            find_spec = getattr(finder, "find_spec", None)
            if find_spec is None:
                continue
            spec = find_spec(fullname, path, target)
            if spec is not None:
                break
        if spec is None:
            return None
        loader = spec.loader
        if (
            loader is not None
            and not isinstance(loader, _HookedLoader)
            and hasattr(loader, "exec_module")
        ):
            spec.loader = _HookedLoader(loader)  # type: ignore[assignment]
        return spec

    def invalidate_caches(self) -> None:
        """Nothing cached here (``importlib.invalidate_caches`` calls it)."""


class _HookedLoader:
    """A spec's loader whose ``exec_module`` calls the waiting hooks after the module ran.

    Anything else (``get_code``, ``get_source``, ``is_package``, resource readers) is the real
    loader's; the module's ``__loader__`` and ``__spec__.loader`` are set back to the real loader
    before its code runs, so nothing after the import sees this one."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader

    def __getattr__(self, name: str) -> Any:
        return getattr(self.loader, name)

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        """The real loader's module (``None``: the default one)."""
        create = getattr(self.loader, "create_module", None)
        return create(spec) if create is not None else None

    def exec_module(self, module: ModuleType) -> None:
        """Run the module's code with the real loader, then the hooks waiting for it."""
        loader = self.loader
        if getattr(module, "__loader__", None) is self:
            with contextlib.suppress(AttributeError):
                module.__loader__ = loader
        spec = getattr(module, "__spec__", None)
        if spec is not None and getattr(spec, "loader", None) is self:
            spec.loader = loader
        loader.exec_module(module)  # a failure propagates, and the hooks keep waiting
        name = spec.name if spec is not None else module.__name__
        _loaded(name, module)


_FINDER = _Finder()
