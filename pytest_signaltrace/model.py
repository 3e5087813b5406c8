"""Frozen, JSON-ready records of the static signal map.

Every record is joined to the others on stable ids (see ``DESIGN.md``):

* a *signal id* is the dotted path of the signal's definition
  (``shop.signals.order_placed``, ``django.db.models.signals.post_save``);
* a *handler id* is ``module.qualname`` of the receiver
  (``shop.receivers.Mailer.on_placed``, ``shop.apps.ShopConfig.ready.<locals>.<lambda>``);
* a location is a path relative to the scanned root (POSIX) and a 1-based line.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from typing import Any, Literal

Framework = Literal["django", "celery"]
SendMethod = Literal["send", "send_robust", "asend", "asend_robust"]
ReceiverKind = Literal["decorator", "connect"]

SEND_METHODS: tuple[SendMethod, ...] = ("send", "send_robust", "asend", "asend_robust")


class SignalCategory(enum.StrEnum):
    """Where a signal is defined, relative to the scanned source."""

    #: Defined in the scanned source.
    CUSTOM = "custom"
    #: One of Django's or Celery's own signals, defined outside the scanned source.
    BUILTIN = "builtin"
    #: Imported from a third-party package (for example ``allauth.account.signals``).
    EXTERNAL = "external"


class SignalStatus(enum.StrEnum):
    """How a signal is used across the scanned source."""

    OK = "ok"
    UNUSED = "unused"
    NEVER_SENT = "never_sent"
    NO_RECEIVERS = "no_receivers"


@dataclass(frozen=True, order=True)
class SkippedFile:
    """A file the scan could not read or parse, and why."""

    path: str
    reason: str


@dataclass(frozen=True, order=True)
class Definition:
    """A signal created in the scanned source: ``order_placed = Signal()``."""

    signal: str
    path: str
    line: int
    framework: Framework
    test_only: bool = False
    #: The signal class as written (``Signal``, ``dispatch.Signal``, ``ModelSignal``).
    signal_class: str = "Signal"


@dataclass(frozen=True, order=True)
class Receiver:
    """A handler attached to a signal by ``@receiver``, ``sig.connect(...)`` or ``@sig.connect``.

    A receiver attached to several signals is one record per signal.
    """

    path: str
    #: The decorator line, or the line of ``connect(``.
    line: int
    signal: str | None
    handler: str
    kind: ReceiverKind
    #: The line of the handler's ``def`` when it is known in the scanned source.
    def_line: int | None = None
    #: The file of that ``def`` (it may differ from ``path``: ``sig.connect(mod.func)``).
    def_path: str | None = None
    sender: str | None = None
    dispatch_uid: str | None = None
    weak: bool | None = None
    test_only: bool = False
    #: The signal expression as written, kept when it could not be resolved.
    expression: str = ""
    #: The source line at ``line``, stripped.
    code: str = ""


@dataclass(frozen=True, order=True)
class Sender:
    """A call that sends a signal: ``send``, ``send_robust``, ``asend`` or ``asend_robust``."""

    path: str
    line: int
    end_line: int
    signal: str | None
    method: SendMethod
    sender: str | None = None
    test_only: bool = False
    expression: str = ""
    code: str = ""


@dataclass(frozen=True, order=True)
class Disconnect:
    """A ``sig.disconnect(...)`` call, recorded apart: it is never a receiver."""

    path: str
    line: int
    signal: str | None
    handler: str | None = None
    sender: str | None = None
    dispatch_uid: str | None = None
    test_only: bool = False
    expression: str = ""
    code: str = ""


@dataclass(frozen=True, order=True)
class SignalInfo:
    """Derived facts about one signal: where it lives and how it is used."""

    signal: str
    framework: Framework
    category: SignalCategory
    status: SignalStatus
    definition_path: str | None = None
    definition_line: int | None = None
    receivers: int = 0
    senders: int = 0
    #: Receivers and senders that live in test code (included in the two counts above).
    test_receivers: int = 0
    test_senders: int = 0


@dataclass(frozen=True)
class StaticMap:
    """Everything the static scan found under one root."""

    root: str
    files_scanned: int
    files_parsed: int
    files_skipped: tuple[SkippedFile, ...] = ()
    definitions: tuple[Definition, ...] = ()
    receivers: tuple[Receiver, ...] = ()
    senders: tuple[Sender, ...] = ()
    disconnects: tuple[Disconnect, ...] = ()
    signals: tuple[SignalInfo, ...] = ()
    #: Handler ids of receivers whose signal is defined in the scanned source but sent nowhere.
    dead_receivers: frozenset[tuple[str, int, str | None]] = field(default_factory=frozenset)

    def is_dead(self, receiver: Receiver) -> bool:
        """Whether ``receiver`` listens to a signal that nothing sends."""
        return (receiver.path, receiver.line, receiver.signal) in self.dead_receivers


def to_jsonable(value: Any) -> Any:
    """Turn records (and enums, tuples, frozensets) into plain JSON-ready values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(to_jsonable(v) for v in value)
    return value
