"""A small scanned project and hand-made traces of it, for the data file and CLI tests.

:func:`write_project` writes ``shop/signals.py`` (one signal, two receivers, one send site);
:func:`sample_trace` builds the trace a run of it would record, with absolute paths, as the
recorder gives them; :func:`sample_run` puts both in a :class:`RunData`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pytest_signaltrace.datafile.data import RunData
from pytest_signaltrace.scan import scan
from pytest_signaltrace.trace.model import (
    CodeRef,
    ConnectKey,
    HandlerRef,
    ReceiverKey,
    SendKey,
    SignalRef,
    Trace,
)

SIGNALS = """\
from django.dispatch import Signal, receiver

order_placed = Signal()


@receiver(order_placed)
def on_placed(sender, **kwargs):
    pass


@receiver(order_placed)
def on_placed_twice(sender, **kwargs):
    pass


def place():
    order_placed.send(sender=None)
"""

SIGNAL = "shop.signals.order_placed"
HANDLER = "shop.signals.on_placed"
#: A library's file: outside the rootdir, kept absolute in the data file.
LIBRARY_FILE = os.path.abspath(os.path.join(os.sep, "opt", "lib", "dispatch.py"))


def write_project(root: Path) -> Path:
    """Write the sample project under ``root`` and return ``root``."""
    (root / "shop").mkdir(parents=True, exist_ok=True)
    (root / "shop" / "__init__.py").write_text("")
    (root / "shop" / "signals.py").write_text(SIGNALS)
    return root


def sample_trace(root: Path, *, calls: int = 1, test: str = "tests/test_shop.py::test_a") -> Trace:
    """What a run of the sample project records: ``place()`` ran ``calls`` times under ``test``,
    and ``on_placed`` (only) ran each time."""
    path = str(root / "shop" / "signals.py")
    signal = SignalRef(SIGNAL, path, 3)
    handler = ReceiverKey(signal, HandlerRef(HANDLER, path, 7))
    connect = ConnectKey(signal, handler.handler, CodeRef(LIBRARY_FILE, 6), None, None)
    return Trace(
        sends={SendKey(signal, "send", CodeRef(path, 17), CodeRef(path, 17)): calls},
        receiver_calls={handler: calls},
        tests={handler: frozenset({test})},
        connects={connect: 1},
    )


def sample_run(
    root: Path, *, calls: int = 1, test: str = "tests/test_shop.py::test_a", **options: Any
) -> RunData:
    """The data of a run of the sample project (written under ``root`` if needed); ``options``
    go to :meth:`RunData.from_run`."""
    if not (root / "shop" / "signals.py").exists():
        write_project(root)
    static = scan(root, relative_to=root)
    trace = sample_trace(root, calls=calls, test=test)
    options.setdefault("sources", [root])
    return RunData.from_run(static, trace, rootdir=root, **options)
