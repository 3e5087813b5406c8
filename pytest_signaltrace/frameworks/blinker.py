"""blinker (and Flask, whose ``flask.signals`` are blinker signals): ``blinker.base.Signal``.

Checked against blinker 1.6-1.9 and Flask 3.x. What the trace relies on:

* every connect form ends in ``Signal.connect(receiver, sender=ANY, weak=True)``:
  ``connect_via(sender)`` is a decorator that calls it, ``connected_to(receiver)`` a context
  manager that calls it (through ``contextlib``) and ``disconnect``; there is no
  ``dispatch_uid``. ``ANY`` is "every sender", recorded as no particular sender;
* ``send(self, sender=None, /, *, _async_wrapper=None, **kwargs)`` (1.7+) and the coroutine
  ``send_async(..., _sync_wrapper=None, ...)`` return ``[(receiver, value), ...]``; neither
  catches a receiver's exception; a failed send's frames hold ``results`` and ``receiver``;
* ``blinker.signal(name)`` is the one ``NamedSignal`` of that name in the default namespace,
  wherever it is called: its id is ``blinker:<name>``. A ``Namespace()`` of one's own (Flask's
  ``_signals``) is per object: its signals are named after the attribute holding them;
* ``muted()`` sets ``is_muted``: the ``signals`` fixture mutes the same way.

Flask's ``current_app``/``request`` and extensions' globals are werkzeug ``LocalProxy``
objects that raise outside a context on ``isinstance``/``getattr``: nothing here touches a
value that is not a signal already checked by ``type()``.

What the scan relies on (it never imports either): ``blinker.signal("n")`` and
``default_namespace.signal("n")`` are the one signal ``blinker:n`` wherever they are called
(several definition rows share the id); ``Namespace().signal("n")`` (also through
``flask.signals.Namespace``, as Flask-Login and Flask-Principal import it, and a project's
subclass) and ``Signal()``/``NamedSignal("n")`` are named where they are held; Flask's own
signals are known by name, re-exported by ``flask``; ``connect``/``connected_to`` connect a
receiver, ``connect_via(sender)`` returns a connecting decorator, ``send``/``send_async`` send.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

from pytest_signaltrace.frameworks.protocol import ArgSpec, Framework, SignalClass

# --- the static catalogue (written by the scan's half) ------------------------------------------

_SIGNAL_CLASSES = frozenset(
    {"blinker.Signal", "blinker.NamedSignal", "blinker.base.Signal", "blinker.base.NamedSignal"}
)
#: Flask's own signals, all in ``flask.signals`` (re-exported by ``flask``).
_FLASK_SIGNALS = (
    "template_rendered",
    "before_render_template",
    "request_started",
    "request_finished",
    "request_tearing_down",
    "got_request_exception",
    "appcontext_tearing_down",
    "appcontext_pushed",
    "appcontext_popped",
    "message_flashed",
)
_BUILTIN_SIGNALS = tuple(f"flask.signals.{name}" for name in _FLASK_SIGNALS)
_ALIASES = {f"flask.{name}": f"flask.signals.{name}" for name in _FLASK_SIGNALS}
#: The one signal of a name in the whole process: ``blinker.signal("n")`` is ``blinker:n``.
_NAMED_SIGNALS = frozenset(
    {
        "blinker.signal",
        "blinker.base.signal",
        "blinker.default_namespace.signal",
        "blinker.base.default_namespace.signal",
    }
)
#: A namespace's signals, one per name and namespace object, named where they are held
#: (``flask.signals`` re-exports blinker's ``Namespace``: Flask-Login and Flask-Principal import
#: it from there).
_SIGNAL_FACTORIES = {
    "blinker.Namespace": "signal",
    "blinker.base.Namespace": "signal",
    "flask.signals.Namespace": "signal",
}
#: Flask's signals are all in the catalogue; blinker defines none of the project's.
_PACKAGES = frozenset({"blinker", "flask"})

# --- the runtime ----------------------------------------------------------------------------------

#: The module that defines the signal classes and the default namespace.
_BASE = "blinker.base"


def _internal_files(base: ModuleType) -> list[str]:
    """``blinker.base`` (``connect_via``'s decorator, ``Namespace.signal``) and ``contextlib``,
    through which ``connected_to`` connects and disconnects: never a connect or creation site."""
    return [base.__file__ or "", contextlib.__file__ or ""]


def process_wide_id(signal: Any) -> str | None:
    """``blinker:<name>`` for a signal of blinker's default namespace (``blinker.signal("n")``),
    else ``None``: a signal of a namespace of one's own is named after the attribute holding it.

    ``signal`` is an instance of a blinker signal class (checked with ``type()`` by the
    caller); only its ``__dict__`` and the namespace dict are read."""
    base = sys.modules.get(_BASE)
    namespace = getattr(base, "default_namespace", None) if base is not None else None
    name = getattr(signal, "__dict__", {}).get("name")
    if type(name) is not str or not isinstance(namespace, dict):
        return None
    return f"blinker:{name}" if namespace.get(name) is signal else None


def mute(signal: Any) -> Callable[[], None]:
    """Mute ``signal`` as its ``muted()`` does (``is_muted``); the undo restores what it was,
    so blocks nest."""
    previous = signal.is_muted
    signal.is_muted = True

    def undo() -> None:
        signal.is_muted = previous

    return undo


BLINKER = Framework(
    name="blinker",
    # static (the scan's half)
    signal_classes=_SIGNAL_CLASSES,
    builtin_signals=_BUILTIN_SIGNALS,
    aliases=_ALIASES,
    defining_modules=("flask.signals",),
    # Flask signals are blinker signals (flask.signals), sent by Flask itself.
    packages=_PACKAGES,
    send_methods=("send", "send_async"),
    connect_methods=("connect", "connected_to"),
    connect_decorators=("connect_via",),
    disconnect_methods=("disconnect",),
    named_signals=_NAMED_SIGNALS,
    signal_factories=_SIGNAL_FACTORIES,
    # runtime (the trace's half)
    classes=(
        SignalClass(
            module=_BASE,
            connect="connect",
            # connect(receiver, sender=ANY, weak=True); disconnect(receiver, sender=ANY)
            connect_args=ArgSpec(receiver=0, sender=1, dispatch_uid=None),
            disconnect_args=ArgSpec(receiver=0, sender=1, dispatch_uid=None),
            sync_sends=("send",),
            async_sends=("send_async",),
            robust_sends=frozenset(),
            # receivers_for is a generator: a failed send's frames tell its receivers anyway.
            live_receivers=None,
            internal_files=_internal_files,
            any_sender="blinker.base.ANY",
            send_options=frozenset({"_async_wrapper", "_sync_wrapper"}),
        ),
    ),
    signal_id=process_wide_id,
    mute=mute,
)
