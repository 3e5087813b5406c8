"""The frameworks whose signals are mapped and traced: all the core knows about any of them.

Each framework is one :class:`Framework` (its module here: :mod:`.django`, :mod:`.celery`). The
registry is :data:`BUILTIN` plus the frameworks other packages declare under the entry-point group
:data:`ENTRY_POINT_GROUP` (an object ``Framework``, loaded the first time the registry is read),
plus those passed to :func:`register` (a test, a plugin). The scan reads :func:`catalogue`, the
trace :func:`registered` (and is told of a later :func:`register` through :func:`subscribe`, so a
framework registered from a conftest is still patched), the ``signals`` fixture the same.
"""

from __future__ import annotations

import _thread
from collections.abc import Callable, Iterable
from typing import Any

from pytest_signaltrace.frameworks.blinker import BLINKER
from pytest_signaltrace.frameworks.celery import CELERY
from pytest_signaltrace.frameworks.discovery import ENTRY_POINT_GROUP, declared_frameworks
from pytest_signaltrace.frameworks.django import DJANGO
from pytest_signaltrace.frameworks.protocol import (
    ArgSpec,
    BoundSends,
    Framework,
    QueryWatch,
    SignalClass,
    named_id,
)
from pytest_signaltrace.record import Record

__all__ = [
    "BUILTIN",
    "ENTRY_POINT_GROUP",
    "ArgSpec",
    "BoundSends",
    "Catalogue",
    "Framework",
    "QueryWatch",
    "SignalClass",
    "adopt",
    "catalogue",
    "framework_of",
    "live_signal_classes",
    "named_id",
    "own_mute",
    "own_signal_id",
    "register",
    "registered",
    "subscribe",
]

#: The frameworks that come with the package, in the order their facts are ranked.
BUILTIN: tuple[Framework, ...] = (DJANGO, CELERY, BLINKER)

# threading.RLock() is this C lock; threading itself (2 M instructions) is not needed here.
_lock = _thread.RLock()
_extra: list[Framework] = []
_loaded_entry_points: list[Framework] | None = None
_listeners: list[Callable[[Framework], None]] = []
_cached: tuple[tuple[Framework, ...], Catalogue] | None = None
_registered: tuple[Framework, ...] | None = None


def registered() -> tuple[Framework, ...]:
    """Every framework: built in, from entry points, then registered, first of a name wins."""
    found = _registered
    if found is not None:
        return found
    with _lock:
        return _collect()


def _collect() -> tuple[Framework, ...]:
    global _loaded_entry_points, _registered
    if _loaded_entry_points is None:
        _loaded_entry_points = list(declared_frameworks())
    by_name: dict[str, Framework] = {}
    for framework in (*BUILTIN, *_loaded_entry_points, *_extra):
        by_name.setdefault(framework.name, framework)
    _registered = tuple(by_name.values())
    return _registered


def register(framework: Framework) -> Callable[[], None]:
    """Add ``framework`` to the registry (active traces patch it at once); returns the undo."""
    global _registered
    with _lock:
        _extra.append(framework)
        _registered = None
        listeners = list(_listeners)
    for listener in listeners:
        listener(framework)

    def unregister() -> None:
        global _registered
        with _lock:
            if framework in _extra:
                _extra.remove(framework)
                _registered = None

    return unregister


def adopt(known: Iterable[Framework]) -> None:
    """Register those of ``known`` whose name is not registered yet: a scan worker process
    started without fork learns the parent's registry so."""
    names = {framework.name for framework in registered()}
    for framework in known:
        if framework.name not in names:
            register(framework)


def subscribe(listener: Callable[[Framework], None]) -> Callable[[], None]:
    """Call ``listener(framework)`` for each framework registered from now on; returns the undo."""
    with _lock:
        _listeners.append(listener)

    def unsubscribe() -> None:
        with _lock:
            if listener in _listeners:
                _listeners.remove(listener)

    return unsubscribe


class Catalogue(Record):
    """The registry's facts merged for the scan and the merge, looked up by name."""

    #: Signal id -> framework name, for every built-in signal.
    builtin_signals: dict[str, str]
    #: Public names that re-export a built-in signal -> its definition id.
    aliases: dict[str, str]
    #: Dotted signal class -> framework name.
    signal_classes: dict[str, str]
    receiver_decorators: frozenset[str]
    #: Top-level package -> framework name.
    packages: dict[str, str]
    #: Modules known to define framework signals, most canonical first.
    defining_modules: tuple[str, ...]
    send_methods: frozenset[str]
    connect_methods: frozenset[str]
    #: Method names returning a connecting decorator (``connect_via``).
    connect_decorators: frozenset[str]
    disconnect_methods: frozenset[str]
    #: Modules whose objects ``send`` but are no signals.
    lookalike_modules: tuple[str, ...]
    #: A receiver wrapper's function name -> the closure variable holding the receiver.
    receiver_wrappers: dict[str, str]
    #: Callables returning the one signal of a name in the whole process -> framework name.
    named_signals: dict[str, str]
    #: Classes whose instances make signals by name -> (the method, the framework name).
    signal_factories: dict[str, tuple[str, str]]
    #: A signal id nothing attributes is the first framework's.
    default_framework: str
    #: Changes whenever what the scan would find changes (for caches keyed on the tool).
    fingerprint: str

    def framework_of_signal(self, signal: str) -> str:
        """The framework of a signal id that no scanned definition names."""
        builtin = self.builtin_signals.get(signal)
        if builtin is not None:
            return builtin
        # a dotted id's top-level package; a framework's own ids are "<package>:<name>"
        package = signal.partition(".")[0].partition(":")[0]
        return self.packages.get(package, self.default_framework)


def catalogue() -> Catalogue:
    """The merged facts of :func:`registered`, rebuilt only when the registry changed."""
    global _cached
    frameworks = registered()
    cached = _cached
    if cached is not None and cached[0] == frameworks:
        return cached[1]
    built = _build(frameworks)
    _cached = (frameworks, built)
    return built


def _build(frameworks: tuple[Framework, ...]) -> Catalogue:
    builtin: dict[str, str] = {}
    aliases: dict[str, str] = {}
    classes: dict[str, str] = {}
    packages: dict[str, str] = {}
    named: dict[str, str] = {}
    factories: dict[str, tuple[str, str]] = {}
    for framework in frameworks:
        for dotted in sorted(framework.named_signals):
            named.setdefault(dotted, framework.name)
        for cls, method in sorted(framework.signal_factories.items()):
            factories.setdefault(cls, (method, framework.name))
        for signal in framework.builtin_signals:
            builtin.setdefault(signal, framework.name)
        for alias, target in framework.aliases.items():
            aliases.setdefault(alias, target)
        for cls in sorted(framework.signal_classes):
            classes.setdefault(cls, framework.name)
        for package in sorted(framework.packages):
            packages.setdefault(package, framework.name)
    names: dict[str, Any] = {
        "decorators": sorted({d for f in frameworks for d in f.receiver_decorators}),
        "sends": sorted({m for f in frameworks for m in f.send_methods}),
        "connects": sorted({m for f in frameworks for m in f.connect_methods}),
        "connect_decorators": sorted({m for f in frameworks for m in f.connect_decorators}),
        "disconnects": sorted({m for f in frameworks for m in f.disconnect_methods}),
        "lookalikes": sorted({m for f in frameworks for m in f.lookalike_modules}),
    }
    text = repr(
        (
            sorted(builtin.items()),
            sorted(aliases.items()),
            sorted(classes.items()),
            sorted(named.items()),
            sorted(factories.items()),
            names,
        )
    )
    return Catalogue(
        builtin_signals=builtin,
        aliases=aliases,
        signal_classes=classes,
        receiver_decorators=frozenset(names["decorators"]),
        packages=packages,
        defining_modules=tuple(m for f in frameworks for m in f.defining_modules),
        send_methods=frozenset(names["sends"]),
        connect_methods=frozenset(names["connects"]),
        connect_decorators=frozenset(names["connect_decorators"]),
        disconnect_methods=frozenset(names["disconnects"]),
        receiver_wrappers={k: v for f in frameworks for k, v in f.receiver_wrappers.items()},
        lookalike_modules=tuple(m for f in frameworks for m in f.lookalike_modules),
        named_signals=named,
        signal_factories=factories,
        default_framework=frameworks[0].name if frameworks else "",
        fingerprint=_sha256_hex(text.encode())[:16],
    )


def live_signal_classes() -> tuple[type, ...]:
    """Every registered framework's signal classes that are imported (never imports them)."""
    return tuple(cls for framework in registered() for cls in framework.live_classes())


def framework_of(signal: object) -> Framework | None:
    """The framework whose (imported) signal class ``signal`` is an instance of (by ``type()``:
    a lazy proxy is never evaluated)."""
    kind = type(signal)
    for framework in registered():
        if any(issubclass(kind, cls) for cls in framework.live_classes()):
            return framework
    return None


def own_signal_id(signal: object) -> str | None:
    """The id ``signal``'s framework gives it (see :attr:`Framework.signal_id`), else ``None``."""
    framework = framework_of(signal)
    if framework is None or framework.signal_id is None:
        return None
    return framework.signal_id(signal)


def own_mute(signal: object) -> Callable[[Any], Callable[[], None]] | None:
    """How ``signal``'s framework mutes it (see :attr:`Framework.mute`), or ``None`` for a
    dispatcher's way (its ``receivers`` emptied)."""
    framework = framework_of(signal)
    return framework.mute if framework is not None else None


def _sha256_hex(data: bytes) -> str:
    """SHA-256 of ``data`` in hex, from Python's builtin module where it has one: ``hashlib``
    loads OpenSSL, about 11 M instructions of ``signaltrace run``'s process (see
    :mod:`pytest_signaltrace.scan.hashes`, which this tier may not import)."""
    import importlib

    for name in ("_sha2", "_sha256", "hashlib"):  # Python 3.12+, 3.11, a build without them
        try:
            module: Any = importlib.import_module(name)
        except ImportError:
            continue
        return str(module.sha256(data).hexdigest())
    raise ImportError("no SHA-256")  # pragma: no cover - hashlib always has it
