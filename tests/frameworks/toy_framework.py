"""A toy signal framework, written into test projects: what a third framework's adapter looks like.

``TOYFW`` is the framework itself (a package ``toyfw`` with a minimal ``Signal`` class, a
``receiver`` decorator and one built-in signal, ``booted``); ``ADAPTER`` is the module that
describes it to pytest-signaltrace (``toyfw_signaltrace.FRAMEWORK``); :func:`install_toy` writes
both under ``lib/`` with a ``.dist-info`` declaring the adapter in the entry-point group
``pytest_signaltrace.frameworks``, as an installed package would.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

TOYFW = '''
"""A minimal signal framework: strong receivers, no sender filtering."""


class Signal:
    def __init__(self):
        self.receivers = []

    def connect(self, receiver, sender=None, weak=True, dispatch_uid=None):
        self.receivers.append(receiver)

    def disconnect(self, receiver=None, sender=None, dispatch_uid=None):
        self.receivers = [r for r in self.receivers if r is not receiver]

    def send(self, sender, **named):
        responses = []
        for receiver in list(self.receivers):
            responses.append((receiver, receiver(signal=self, sender=sender, **named)))
        return responses


def receiver(signal):
    def decorate(function):
        signal.connect(function)
        return function

    return decorate


booted = Signal()
'''

ADAPTER = '''
from pytest_signaltrace.frameworks import ArgSpec, Framework, SignalClass

FRAMEWORK = Framework(
    name="toy",
    signal_classes=frozenset({"toyfw.Signal"}),
    builtin_signals=("toyfw.booted",),
    defining_modules=("toyfw",),
    packages=frozenset({"toyfw"}),
    receiver_decorators=frozenset({"toyfw.receiver"}),
    send_methods=("send",),
    classes=(
        SignalClass(
            module="toyfw",
            connect="connect",
            connect_args=ArgSpec(receiver=0, sender=1, dispatch_uid=3),
            disconnect_args=ArgSpec(receiver=0, sender=1, dispatch_uid=2),
            sync_sends=("send",),
            robust_sends=frozenset(),
            live_receivers=None,
        ),
    ),
)
'''

ENTRY_POINTS = """
[pytest_signaltrace.frameworks]
toy = toyfw_signaltrace:FRAMEWORK
"""


def write(root: Path, files: dict[str, str]) -> None:
    """Write dedented ``files`` (relative path -> text) under ``root``."""
    for relpath, text in files.items():
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def install_toy(root: Path) -> Path:
    """Write the toy framework and its adapter under ``root / "lib"``, as if installed there;
    returns that folder (to put on ``PYTHONPATH``)."""
    lib = root / "lib"
    write(
        lib,
        {
            "toyfw/__init__.py": TOYFW,
            "toyfw_signaltrace.py": ADAPTER,
            "toyfw-0.1.dist-info/METADATA": "Metadata-Version: 2.1\nName: toyfw\nVersion: 0.1\n",
            "toyfw-0.1.dist-info/entry_points.txt": ENTRY_POINTS,
        },
    )
    return lib
