"""Runtime half of pytest-signaltrace: patch the signal classes, count what runs.

``install(recorder, project_roots)`` patches the signal classes of the registered frameworks
(:mod:`pytest_signaltrace.frameworks`; now or when they are imported); the :class:`Recorder`
aggregates sends, receiver calls, connects and disconnects; ``recorder.snapshot()`` gives a
JSON-ready :class:`Trace`, and ``Trace.merge`` combines the traces of xdist workers. Importing this
package imports no framework.
"""

from __future__ import annotations

from pytest_signaltrace.trace.faults import SignalTraceWarning
from pytest_signaltrace.trace.installation import Installation, install
from pytest_signaltrace.trace.model import (
    CodeRef,
    ConnectKey,
    HandlerRef,
    ReceiverKey,
    SendKey,
    SignalRef,
    Trace,
)
from pytest_signaltrace.trace.recorder import Recorder
from pytest_signaltrace.trace.signals import find_existing_signals

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
