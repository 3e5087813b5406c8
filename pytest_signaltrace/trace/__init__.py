"""Runtime half of pytest-signaltrace: patch the signal classes, count what runs.

``install(recorder, project_roots)`` patches the signal classes of the registered frameworks
(:mod:`pytest_signaltrace.frameworks`; now or when they are imported); the :class:`Recorder`
aggregates sends, receiver calls, connects and disconnects; ``recorder.snapshot()`` gives a
JSON-ready :class:`Trace`, and ``Trace.merge`` combines the traces of xdist workers. Importing this
package imports no framework.

The patches (:mod:`.installation`, the import hooks, the send patches) and the recorder are imported
on first use: a process that only reads traces (the xdist controller, ``signaltrace report``)
imports :mod:`.model` through this package and would pay for all of them (about 100 M
instructions, 30 ms) for nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_signaltrace.trace.model import (
    CodeRef,
    ConnectKey,
    HandlerRef,
    ReceiverKey,
    SendKey,
    SignalRef,
    Trace,
)

if TYPE_CHECKING:
    from pytest_signaltrace.trace.faults import SignalTraceWarning
    from pytest_signaltrace.trace.installation import Installation, install
    from pytest_signaltrace.trace.recorder import Recorder
    from pytest_signaltrace.trace.signals import find_existing_signals

_LAZY = {
    "Installation": "installation",
    "install": "installation",
    "Recorder": "recorder",
    "find_existing_signals": "signals",
    # (with threading: `signaltrace run`'s process merges traces and never warns)
    "SignalTraceWarning": "faults",
}

__all__ = [
    "CodeRef",
    "ConnectKey",
    "HandlerRef",
    "Installation",
    "ReceiverKey",
    "Recorder",
    "SendKey",
    "SignalRef",
    "SignalTraceWarning",
    "Trace",
    "find_existing_signals",
    "install",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"{__name__}.{module}"), name)
