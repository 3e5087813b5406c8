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
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

from pytest_signaltrace.frameworks.protocol import ArgSpec, Framework, SignalClass

# --- the static catalogue (written by the scan's half) ------------------------------------------

# Only what the runtime half needs to name its signals' framework; the scan's half adds the
# rest (NamedSignal, Namespace, Flask's built-ins, the send/connect names).
_SIGNAL_CLASSES = frozenset({"blinker.Signal", "blinker.base.Signal"})

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
    signal_classes=_SIGNAL_CLASSES,
    # Flask signals are blinker signals (flask.signals), sent by Flask itself.
    packages=frozenset({"blinker", "flask"}),
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
