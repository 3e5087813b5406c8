"""Runtime ids of receivers, senders and dispatch uids: strings, ints and code objects only.

Nothing here keeps a strong reference to a receiver or a sender: handlers are interned by the code
object of their underlying function, senders are described by their type. Signals are in
:mod:`~pytest_signaltrace.trace.signals`.
"""

from __future__ import annotations

import functools
import threading
from types import CodeType, FunctionType, MethodType

from pytest_signaltrace import frameworks
from pytest_signaltrace.trace.frames import absolute_filename
from pytest_signaltrace.trace.model import HandlerRef

_MAX_UNWRAP = 32


# --- handlers -------------------------------------------------------------------------------


def underlying_function(receiver: object) -> object:
    """The function a receiver runs, found without calling anything or evaluating proxies.

    Bound methods give ``__func__``, ``functools.partial`` its ``func`` (recursively),
    ``functools.wraps`` wrappers their ``__wrapped__``, a framework's receiver wrapper (see
    :attr:`~pytest_signaltrace.frameworks.Framework.receiver_wrappers`) the receiver, wrapt
    proxies their ``__wrapped__``, callable instances ``type(obj).__call__``. Whatever is left (a
    builtin, a class) is returned as is.
    """
    obj = receiver
    for _ in range(_MAX_UNWRAP):
        kind = type(obj)
        if kind is MethodType:
            obj = obj.__func__  # type: ignore[attr-defined]
        elif kind is FunctionType:
            inner = obj.__dict__.get("__wrapped__")
            if inner is None:
                inner = _wrapped_receiver(obj)  # type: ignore[arg-type]
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


def _wrapped_receiver(function: FunctionType) -> object | None:
    """The user's function inside a framework's receiver wrapper, else ``None``."""
    code = function.__code__
    variable = frameworks.catalogue().receiver_wrappers.get(code.co_name)
    if variable is None or variable not in code.co_freevars:
        return None
    closure = function.__closure__ or ()
    index = code.co_freevars.index(variable)
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

    The hot path (a plain function or a bound method) is two type checks and a dict lookup by
    ``id`` of the code object (hashing a code object hashes its bytecode, constants and names:
    0.3 us for a function the size of ``Model.__init__``). The code objects are kept alive by
    ``_by_code``, so their ids stay unique. The code of a wrapper shared by many functions (a
    ``functools.wraps`` decorator's inner function, Celery's retry wrapper) is marked generic on
    first sight, and such receivers are unwrapped on every call.
    """

    #: Marks a code object shared by generic wrappers: never a cache key, always unwrap.
    _GENERIC = -1

    def __init__(self) -> None:
        self._by_code: dict[CodeType, int] = {}
        #: ``id(code)`` -> token, for the code objects in ``_by_code`` that are not generic: the
        #: send patches read it directly.
        self.by_code_id: dict[int, int] = {}
        self._by_ref: dict[HandlerRef, int] = {}
        self._refs: list[HandlerRef] = []
        # Reentrant: hashing a HandlerRef runs Python code, so the garbage collector (and a
        # finaliser that sends) can run inside the locked block on this same thread.
        self._lock = threading.RLock()

    def token(self, receiver: object) -> int:
        """The int standing for the handler that ``receiver`` runs."""
        function = receiver
        if type(function) is functools.partial:  # Django's test client connects one per request
            function = function.func
        if type(function) is MethodType:
            function = function.__func__
        if type(function) is FunctionType:
            cached = self.by_code_id.get(id(function.__code__))
            if cached is not None:
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
            if code is not None and self._by_code.get(code) != self._GENERIC:
                self._by_code[code] = token
                self.by_code_id[id(code)] = token
        self._mark_generic_wrapper(receiver, code)
        return token

    def _mark_generic_wrapper(self, receiver: object, inner: CodeType | None) -> None:
        """Keep a wrapper's code out of the fast path: one decorator wraps many functions."""
        outer = receiver.__func__ if type(receiver) is MethodType else receiver
        if type(outer) is FunctionType:
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
