"""Runtime ids: turn live receivers, senders and signals into strings, ints and code objects.

Nothing here keeps a strong reference to a receiver, a sender or a signal: handlers are interned
by code object, signals are tracked through weak references, senders are described by their type.
Django and Celery are never imported; their signal classes are looked up in ``sys.modules``.
"""

from __future__ import annotations

import functools
import sys
import threading
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from types import CodeType, FunctionType, MethodType, ModuleType
from typing import Any

from pytest_signaltrace.trace.frames import absolute_filename
from pytest_signaltrace.trace.model import HandlerRef, SignalRef

#: Modules whose ``Signal`` classes are traced, and the class attribute to read.
SIGNAL_CLASS_MODULES: tuple[str, ...] = (
    "django.dispatch.dispatcher",
    "celery.utils.dispatch.signal",
)

#: Modules known to *define* framework signals, most canonical first. When a signal that existed
#: before the patches were installed is held by several modules, one of these wins; so
#: ``setting_changed`` is ``django.core.signals.setting_changed``, not the re-export in
#: ``django.test.signals``.
KNOWN_DEFINING_MODULES: tuple[str, ...] = (
    "django.db.models.signals",
    "django.core.signals",
    "django.db.backends.signals",
    "django.contrib.auth.signals",
    "django.test.signals",
    "celery.signals",
)

_MAX_UNWRAP = 32
_MAX_CLASS_DEPTH = 3
_OWN_PACKAGE = "pytest_signaltrace"


def signal_classes() -> tuple[type, ...]:
    """The Django and Celery ``Signal`` classes that are already imported (never imports them)."""
    found: list[type] = []
    for name in SIGNAL_CLASS_MODULES:
        module = sys.modules.get(name)
        cls = getattr(module, "Signal", None) if module is not None else None
        if isinstance(cls, type):
            found.append(cls)
    return tuple(found)


# --- handlers -------------------------------------------------------------------------------


def underlying_function(receiver: object) -> object:
    """The function a receiver runs, found without calling anything or evaluating proxies.

    Bound methods give ``__func__``, ``functools.partial`` its ``func`` (recursively),
    ``functools.wraps`` wrappers their ``__wrapped__``, Celery's ``retry=True`` wrapper the
    retried function, wrapt proxies their ``__wrapped__``, callable instances
    ``type(obj).__call__``. Whatever is left (a builtin, a class) is returned as is.
    """
    obj = receiver
    for _ in range(_MAX_UNWRAP):
        kind = type(obj)
        if kind is MethodType:
            obj = obj.__func__  # type: ignore[attr-defined]
        elif kind is FunctionType:
            inner = obj.__dict__.get("__wrapped__")
            if inner is None:
                inner = _celery_retry_target(obj)  # type: ignore[arg-type]
                if inner is None:
                    return obj
            obj = inner
        elif issubclass(kind, functools.partial):
            obj = obj.func  # type: ignore[attr-defined]
        elif issubclass(kind, type):
            return obj
        elif _has_static_attr(kind, "__wrapped__"):
            obj = obj.__wrapped__  # type: ignore[attr-defined]
        else:
            call = _static_lookup(kind, "__call__")
            if type(call) is FunctionType:
                obj = call
            else:
                return obj
    return obj


def _celery_retry_target(function: FunctionType) -> object | None:
    """The user's function inside Celery's ``connect(retry=True)`` wrapper, else ``None``."""
    code = function.__code__
    if code.co_name != "_try_receiver_over_time" or "retry_fun" not in code.co_freevars:
        return None
    closure = function.__closure__ or ()
    index = code.co_freevars.index("retry_fun")
    if index >= len(closure):
        return None
    return closure[index].cell_contents  # type: ignore[no-any-return]


def _static_lookup(kind: type, name: str) -> object:
    for klass in kind.__mro__:
        value = klass.__dict__.get(name)
        if value is not None:
            return value
    return None


def _has_static_attr(kind: type, name: str) -> bool:
    return any(name in klass.__dict__ for klass in kind.__mro__ if klass is not object)


def describe_function(function: object) -> HandlerRef:
    """A :class:`HandlerRef` for what :func:`underlying_function` returned."""
    code = getattr(function, "__code__", None) if type(function) is FunctionType else None
    if issubclass(type(function), type):
        module = function.__dict__.get("__module__")
        qualname = function.__dict__.get("__qualname__", function.__name__)  # type: ignore[attr-defined]
        init = _static_lookup(function, "__init__")  # type: ignore[arg-type]
        code = init.__code__ if type(init) is FunctionType else None
    else:
        module = getattr(function, "__module__", None)
        qualname = getattr(function, "__qualname__", None)
        if not isinstance(qualname, str):
            kind = type(function)
            module, qualname = kind.__module__, kind.__qualname__
    name = f"{module}.{qualname}" if isinstance(module, str) and module else str(qualname)
    if isinstance(code, CodeType):
        return HandlerRef(name, absolute_filename(code.co_filename), code.co_firstlineno)
    return HandlerRef(name, "", 0)


def direct_code(receiver: object) -> CodeType | None:
    """The first Python code object that calling ``receiver`` runs (no ``__wrapped__`` hops)."""
    obj = receiver
    for _ in range(_MAX_UNWRAP):
        kind = type(obj)
        if kind is FunctionType:
            return obj.__code__  # type: ignore[attr-defined, no-any-return]
        if kind is MethodType:
            obj = obj.__func__  # type: ignore[attr-defined]
        elif issubclass(kind, functools.partial):
            obj = obj.func  # type: ignore[attr-defined]
        else:
            call = _static_lookup(kind, "__call__")
            if type(call) is not FunctionType:
                return None
            obj = call
    return None


class HandlerTable:
    """Interns receivers as small ints, cached by the code object of the underlying function.

    The hot path (a plain function or a bound method) is two type checks and a dict lookup.
    """

    #: Marks a code object shared by generic wrappers: never a cache key, always unwrap.
    _GENERIC = -1

    def __init__(self) -> None:
        self._by_code: dict[CodeType, int] = {}
        self._by_ref: dict[HandlerRef, int] = {}
        self._refs: list[HandlerRef] = []
        self._lock = threading.Lock()

    def token(self, receiver: object) -> int:
        """The int standing for the handler that ``receiver`` runs."""
        function = receiver
        if type(function) is MethodType:
            function = function.__func__
        if type(function) is FunctionType and "__wrapped__" not in function.__dict__:
            cached = self._by_code.get(function.__code__)
            if cached is not None and cached >= 0:
                return cached
        return self._slow_token(receiver)

    def ref(self, token: int) -> HandlerRef:
        """The :class:`HandlerRef` for a token."""
        return self._refs[token]

    def _slow_token(self, receiver: object) -> int:
        function = underlying_function(receiver)
        code = function.__code__ if type(function) is FunctionType else None
        if code is not None:
            cached = self._by_code.get(code)
            if cached is not None and cached >= 0:
                self._mark_generic_wrapper(receiver, code)
                return cached
        ref = describe_function(function)
        with self._lock:
            token = self._by_ref.get(ref)
            if token is None:
                token = len(self._refs)
                self._refs.append(ref)
                self._by_ref[ref] = token
            if code is not None:
                self._by_code[code] = token
        self._mark_generic_wrapper(receiver, code)
        return token

    def _mark_generic_wrapper(self, receiver: object, inner: CodeType | None) -> None:
        """Keep Celery's retry wrapper code out of the fast path: it wraps many functions."""
        outer = receiver.__func__ if type(receiver) is MethodType else receiver
        if type(outer) is FunctionType and "__wrapped__" not in outer.__dict__:
            outer_code = outer.__code__
            if outer_code is not inner:
                self._by_code.setdefault(outer_code, self._GENERIC)


# --- senders and dispatch uids --------------------------------------------------------------


def describe_sender(sender: object) -> str | None:
    """Describe a sender by its type only: never evaluates a lazy proxy or calls ``repr``."""
    if sender is None:
        return None
    kind = type(sender)
    if kind is str:
        return sender  # type: ignore[return-value]
    if issubclass(kind, type):
        module = sender.__dict__.get("__module__")
        qualname = sender.__dict__.get("__qualname__", getattr(sender, "__name__", "?"))
        return f"{module}.{qualname}" if module else str(qualname)
    return f"<{kind.__module__}.{kind.__qualname__} object>"


def describe_uid(dispatch_uid: object) -> str | None:
    """A stable string for a ``dispatch_uid``: itself, ``repr`` of plain values, else its type."""
    if dispatch_uid is None:
        return None
    if type(dispatch_uid) is str:
        return dispatch_uid
    if _is_plain(dispatch_uid):
        return repr(dispatch_uid)
    return f"<{type(dispatch_uid).__qualname__}>"


def _is_plain(value: object) -> bool:
    if type(value) in (str, int, bool, float, type(None)):
        return True
    return type(value) is tuple and all(_is_plain(item) for item in value)


# --- signals ----------------------------------------------------------------------------------


@dataclass
class _SignalInfo:
    """What is known about one signal object; ``ref`` is a weak reference (or ``None``)."""

    ref: weakref.ref[Any] | None
    creation: tuple[str, int] | None = None
    #: Module and, for a class body, the class qualname of the frame that created it.
    scope: tuple[str, str | None] | None = None
    definition: str | None = None


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
        self._by_id: dict[int, tuple[weakref.ref[Any] | None, int]] = {}
        self._infos: list[_SignalInfo] = []
        self._lock = threading.Lock()
        self._resolve_lock = threading.Lock()

    def token(self, signal: object) -> int:
        """The int standing for ``signal``, registering it on first sight."""
        entry = self._by_id.get(id(signal))
        if entry is not None and (entry[0] is None or entry[0]() is signal):
            return entry[1]
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
        try:
            info.ref = weakref.ref(signal)
        except TypeError:
            info.ref = None
        with self._lock:
            entry = self._by_id.get(id(signal))
            if entry is not None and (entry[0] is None or entry[0]() is signal):
                if new:  # seen before its __init__ finished: keep one token, add the site
                    known = self._infos[entry[1]]
                    known.creation = known.creation or info.creation
                    known.scope = known.scope or info.scope
                return entry[1]
            token = len(self._infos)
            self._infos.append(info)
            self._by_id[id(signal)] = (info.ref, token)
        return token

    def _resolve(self, infos: list[_SignalInfo]) -> None:
        missing: list[tuple[_SignalInfo, object]] = []
        for info in infos:
            signal = info.ref() if info.ref is not None else None
            if signal is None:
                continue
            info.definition = _lookup_in_scope(signal, info.scope)
            if info.definition is None:
                missing.append((info, signal))
        if missing:
            found = {id(obj): name for obj, name in find_existing_signals()}
            for info, signal in missing:
                info.definition = found.get(id(signal))


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


def rank_holder(module: str, path: str) -> tuple[Any, ...]:
    """Sort key choosing the canonical holder ``module.path`` of a pre-existing signal.

    Lower is better: a module of :data:`KNOWN_DEFINING_MODULES` (in that order); then a module
    named ``...signals`` (the Django and Celery convention for defining modules); then public
    modules before ones with a ``_private`` part and ``__main__``; then module-level before class
    attributes; then fewer dots, a shorter name, and alphabetical order (so the choice is
    deterministic).
    """
    parts = module.split(".")
    known = (
        KNOWN_DEFINING_MODULES.index(module)
        if module in KNOWN_DEFINING_MODULES
        else len(KNOWN_DEFINING_MODULES)
    )
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
    for module_name, path, value in _iter_holders(classes):
        rank = rank_holder(module_name, path)
        current = best.get(id(value))
        if current is None or rank < current[0]:
            best[id(value)] = (rank, value, f"{module_name}.{path}")
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
