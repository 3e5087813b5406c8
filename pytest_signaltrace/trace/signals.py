"""Signal objects -> small ints, creation sites and definition ids (``module[.Class].attr``).

Signals are tracked through weak references. No framework is ever imported: the signal classes of
the registered frameworks (:mod:`pytest_signaltrace.frameworks`) are looked up in ``sys.modules``,
and values are type-checked with ``type()``, never ``isinstance``, so lazy proxies (Celery's
``current_app``, werkzeug's ``LocalProxy``) are never evaluated.
"""

from __future__ import annotations

import functools
import itertools
import sys
import threading
import weakref
from collections.abc import Iterable, Iterator
from types import ModuleType
from typing import Any

from pytest_signaltrace import frameworks
from pytest_signaltrace.record import Record
from pytest_signaltrace.trace.model import SignalRef

_MAX_CLASS_DEPTH = 3
_OWN_PACKAGE = "pytest_signaltrace"


def signal_classes() -> tuple[type, ...]:
    """The registered frameworks' signal classes already imported (never imports them)."""
    return frameworks.live_signal_classes()


def known_defining_modules() -> tuple[str, ...]:
    """Modules known to *define* framework signals, most canonical first. When a signal that
    existed before the patches were installed is held by several modules, one of these wins; so
    ``setting_changed`` is ``django.core.signals.setting_changed``, not the re-export in
    ``django.test.signals``."""
    return frameworks.catalogue().defining_modules


class _SignalInfo(Record, frozen=False):
    """What is known about one signal object; ``ref`` is a weak reference (or ``None``)."""

    ref: weakref.ref[Any] | None
    creation: tuple[str, int] | None = None
    #: Module and, for a class body, the class qualname of the frame that created it.
    scope: tuple[str, str | None] | None = None
    definition: str | None = None

    def __init__(
        self,
        ref: weakref.ref[Any] | None,
        creation: tuple[str, int] | None = None,
        scope: tuple[str, str | None] | None = None,
        definition: str | None = None,
    ) -> None:
        # Written out (one per signal object, made while tests run): see the Record's docstring.
        self.ref = ref
        self.creation = creation
        self.scope = scope
        self.definition = definition


class SignalRegistry:
    """Signal objects -> small ints, with creation sites and definition ids resolved lazily.

    Definition ids follow this rule:

    1. a signal created after installation is looked up in the module (and class body) where
       ``Signal.__init__`` was called: the attribute holding it there names it;
    2. otherwise, (signals that existed before installation, or that were created in one module
       and stored in another) one walk over ``sys.modules`` finds every module-level and
       class-level attribute holding it, and :func:`rank_holder` picks the most canonical.

    A signal found nowhere (a local in a test) keeps ``signal=None`` and its creation site.
    """

    def __init__(self) -> None:
        #: ``id(signal)`` -> token of every live signal seen; read by the send patches' hot path.
        #: A weak reference's callback removes a signal's entry when it dies, before its id can
        #: be reused (signals that cannot be weakly referenced keep theirs).
        self.by_id: dict[int, int] = {}
        self._infos: dict[int, _SignalInfo] = {}
        self._next_token = itertools.count()
        #: Tokens of signals that died since the last :meth:`fold_dead` (appended by the weak
        #: reference's callback: one atomic C call, safe inside the garbage collector).
        self.dead: list[int] = []
        #: ``(definition, creation site)`` -> the token standing for every dead signal folded
        #: into it (see :meth:`fold_dead`).
        self._folded: dict[tuple[str | None, tuple[str, int] | None], int] = {}
        # Reentrant: a finaliser run by the garbage collector inside the locked block (any
        # allocation can trigger it) may send, and so register a signal, on this same thread.
        self._lock = threading.RLock()
        self._resolve_lock = threading.RLock()

    def token(self, signal: object) -> int:
        """The int standing for ``signal``, registering it on first sight."""
        token = self.by_id.get(id(signal))
        if token is not None:
            return token
        return self._register(signal, _SignalInfo(ref=None))

    def created(
        self, signal: object, site: tuple[str, int] | None, scope: tuple[str, str | None] | None
    ) -> int:
        """Register a signal whose ``__init__`` just ran, with where it ran."""
        return self._register(signal, _SignalInfo(ref=None, creation=site, scope=scope), new=True)

    def name(self, signal: object, definition: str) -> None:
        """Give ``signal`` a definition id unless it already has one."""
        info = self._infos[self.token(signal)]
        if info.definition is None:
            info.definition = definition

    def refs(self, tokens: Iterable[int]) -> dict[int, SignalRef]:
        """:class:`SignalRef` for each token, resolving definition ids still unknown."""
        wanted = sorted(set(tokens))
        with self._resolve_lock:
            self._resolve([self._infos[t] for t in wanted if self._infos[t].definition is None])
        result: dict[int, SignalRef] = {}
        for token in wanted:
            info = self._infos[token]
            path, line = info.creation if info.creation is not None else (None, None)
            result[token] = SignalRef(info.definition, path, line)
        return result

    def _register(self, signal: object, info: _SignalInfo, *, new: bool = False) -> int:
        key = id(signal)
        with self._lock:
            token = self.by_id.get(key)
            if token is not None:
                if new:  # seen before its __init__ finished: keep one token, add the site
                    known = self._infos[token]
                    known.creation = known.creation or info.creation
                    known.scope = known.scope or info.scope
                return token
            token = next(self._next_token)
            try:
                forget = functools.partial(_forget, self.by_id, self.dead, key, token)
                info.ref = weakref.ref(signal, forget)
            except TypeError:
                info.ref = None
            self._infos[token] = info
            self.by_id[key] = token
        return token

    def fold_dead(self) -> dict[int, int]:
        """Forget the signals that died since the last call; returns, for each of their tokens,
        the token that now stands for it: one per ``(definition, creation site)``, which is all
        a report tells of a dead signal (it can no longer be looked up by value). Short-lived
        signals (``self.changed = Signal()`` in a model's ``__init__``) then cost one token per
        place that creates them, not one per instance."""
        with self._lock:
            count = len(self.dead)  # a signal dying meanwhile is appended after these
            dead = self.dead[:count]
            del self.dead[:count]
            moved: dict[int, int] = {}
            for token in dead:
                info = self._infos.pop(token, None)
                if info is None:
                    continue
                key = (info.definition, info.creation)
                folded = self._folded.get(key)
                if folded is None:
                    folded = self._folded[key] = next(self._next_token)
                    self._infos[folded] = _SignalInfo(
                        ref=None, creation=info.creation, definition=info.definition
                    )
                moved[token] = folded
            return moved

    def _resolve(self, infos: list[_SignalInfo]) -> None:
        missing: list[tuple[_SignalInfo, object]] = []
        for info in infos:
            signal = info.ref() if info.ref is not None else None
            if signal is None:
                continue
            info.definition = frameworks.own_signal_id(signal) or _lookup_in_scope(
                signal, info.scope
            )
            if info.definition is None:
                missing.append((info, signal))
        if missing:
            found = {id(obj): name for obj, name in find_existing_signals()}
            for info, signal in missing:
                info.definition = found.get(id(signal))


def _forget(by_id: dict[int, int], dead: list[int], key: int, token: int, _ref: object) -> None:
    """A signal died: free its id, note its token for folding (no lock: this runs inside the
    garbage collector)."""
    if by_id.get(key) == token:
        del by_id[key]
    dead.append(token)


def _lookup_in_scope(signal: object, scope: tuple[str, str | None] | None) -> str | None:
    """The ``module[.Class].attr`` holding ``signal`` in the scope that created it."""
    if scope is None:
        return None
    module_name, qualname = scope
    module = sys.modules.get(module_name)
    if module is None:
        return None
    namespace = _module_dict(module)
    prefix = module_name
    for part in qualname.split(".") if qualname else ():
        owner = namespace.get(part) if namespace is not None else None
        if owner is None or not issubclass(type(owner), type):
            return None
        namespace = dict(type.__getattribute__(owner, "__dict__"))
        prefix = f"{prefix}.{part}"
    if namespace is None:
        return None
    names = sorted(name for name, value in namespace.items() if value is signal)
    return f"{prefix}.{names[0]}" if names else None


def _module_dict(module: object) -> dict[str, Any] | None:
    """A module's namespace, read without triggering lazy modules' ``__getattribute__``."""
    if not issubclass(type(module), ModuleType):
        return None
    try:
        namespace = object.__getattribute__(module, "__dict__")
    except AttributeError:
        return None
    return namespace if isinstance(namespace, dict) else None


def rank_holder(
    module: str, path: str, known_modules: tuple[str, ...] | None = None
) -> tuple[Any, ...]:
    """Sort key choosing the canonical holder ``module.path`` of a pre-existing signal.

    Lower is better: a module of ``known_modules`` (by default :func:`known_defining_modules`,
    in that order); then a module named ``...signals`` (the usual name of a defining module);
    then public
    modules before ones with a ``_private`` part and ``__main__``; then module-level before class
    attributes; then fewer dots, a shorter name, and alphabetical order (so the choice is
    deterministic).
    """
    parts = module.split(".")
    ranked = known_defining_modules() if known_modules is None else known_modules
    known = ranked.index(module) if module in ranked else len(ranked)
    private = module == "__main__" or any(part.startswith("_") for part in parts)
    return (
        known,
        parts[-1] != "signals",
        private,
        path.count("."),
        len(parts),
        len(module),
        module,
        path,
    )


def find_existing_signals(
    classes: tuple[type, ...] | None = None,
) -> list[tuple[object, str]]:
    """Walk ``sys.modules`` once; return ``(signal, definition id)`` for every signal found.

    Signals are looked for at module level and as class attributes of classes defined in the
    module (nested up to three levels). A signal held by several modules gets the id of the holder
    ranked first by :func:`rank_holder`. Values are type-checked with ``type()``, never
    ``isinstance``, so lazy proxies (Celery's ``current_app``) are not evaluated. The signals are
    returned for the caller to register; do not keep the list.
    """
    classes = signal_classes() if classes is None else classes
    if not classes:
        return []
    best: dict[int, tuple[tuple[Any, ...], object, str]] = {}
    known = known_defining_modules()
    for module_name, path, value in _iter_holders(classes):
        rank = rank_holder(module_name, path, known)
        current = best.get(id(value))
        if current is None or rank < current[0]:
            best[id(value)] = (rank, value, f"{module_name}.{path}")
    if any(framework.signal_id is not None for framework in frameworks.registered()):
        return [
            (value, frameworks.own_signal_id(value) or name) for _, value, name in best.values()
        ]
    return [(value, name) for _, value, name in best.values()]


def _iter_holders(classes: tuple[type, ...]) -> Iterator[tuple[str, str, object]]:
    for module_name, module in list(sys.modules.items()):
        if module_name.split(".")[0] == _OWN_PACKAGE:
            continue
        namespace = _module_dict(module)
        if namespace is None or namespace.get("__name__") != module_name:
            continue
        for attr, value in list(namespace.items()):
            kind = type(value)
            if issubclass(kind, classes):
                yield module_name, attr, value
            elif issubclass(kind, type) and _defined_in(value, module_name):
                yield from _class_holders(module_name, attr, value, classes, 1)


def _defined_in(cls: type, module_name: str) -> bool:
    module: object = type.__getattribute__(cls, "__dict__").get("__module__")
    return module == module_name


def _class_holders(
    module_name: str, path: str, cls: type, classes: tuple[type, ...], depth: int
) -> Iterator[tuple[str, str, object]]:
    for attr, value in list(type.__getattribute__(cls, "__dict__").items()):
        kind = type(value)
        if issubclass(kind, classes):
            yield module_name, f"{path}.{attr}", value
        elif (
            depth < _MAX_CLASS_DEPTH
            and issubclass(kind, type)
            and _defined_in(value, module_name)
            and value.__qualname__.startswith(cls.__qualname__ + ".")
        ):
            yield from _class_holders(module_name, f"{path}.{attr}", value, classes, depth + 1)
