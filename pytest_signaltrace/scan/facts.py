"""What one file says about signals, before anything is resolved across modules.

:class:`ModuleFacts` depends on the file's bytes, its module name and its path only, so it can
be cached per file. Names are already resolved *within* the file: a reference such as
``signals.order_placed`` after ``from shop import signals`` is stored as the dotted target
``shop.signals.order_placed``; following re-exports through other modules is the resolver's job.
"""

from __future__ import annotations

import dataclasses
from dataclasses import field
from typing import Any

from pytest_signaltrace.model import ReceiverKind, SendMethod
from pytest_signaltrace.record import Record


class Ref(Record):
    """A reference to something, as written and as resolved inside its file."""

    #: Dotted target (``shop.signals.order_placed``), or ``None`` when it cannot be named.
    target: str | None
    #: The expression as written (``signals.order_placed``, ``self.hooks[0]``).
    text: str
    #: For a signal made where it is used (``signal("n").send()``): the name given, and
    #: ``target`` is the callable that made it.
    name: str | None = None


class RawDefinition(Record):
    """An assignment whose value calls something that may be a signal class."""

    #: Qualified name inside the module: ``order_placed`` or ``Hooks.ready``.
    qualname: str
    line: int
    #: The class called, or the callable that makes a signal by name (``ns.signal``).
    signal_class: Ref
    #: The name given to a callable that makes a signal by name (``ns.signal("created")``).
    name: str | None = None


class RawArgument(Record):
    """One argument of a call that may go to a project's own connect wrapper."""

    #: The keyword, or ``None`` for a positional argument.
    keyword: str | None
    value: Ref
    #: The line of the ``def`` of a function of this file the value names.
    def_line: int | None = None


class RawForward(Record):
    """``plugin.connect(signal, handler)``: a call of what may be a wrapper of ``connect``."""

    #: The dotted target of the function called (``shop.plugins.Plugin.connect``).
    callee: str
    arguments: tuple[RawArgument, ...]


class Forwarder(Record):
    """A function that passes a parameter's signal to ``connect``: ``def connect(self, signal,
    receiver): signal.connect(receiver)``. Its callers' arguments are a receiver."""

    #: The positional parameters as a caller passes them (``self`` of a method left out).
    params: tuple[str, ...]
    #: The parameter holding the signal, and the one holding the receiver (``""``: none).
    signal: str
    handler: str
    #: The wrapper's own handler when no parameter holds it (``def listen_to(signal):
    #: signal.connect(record)``): every call connects this one.
    own: RawArgument | None = None


class RawReceiver(Record):
    """A ``@receiver(...)``, ``@sig.connect`` or ``sig.connect(handler)``, not yet confirmed."""

    kind: ReceiverKind
    line: int
    #: For ``@receiver(...)``: the decorator, which must resolve to Django's ``receiver``.
    decorator: Ref | None
    signals: tuple[Ref, ...]
    #: Handler target (``shop.receivers.Mailer.on_placed``) or ``None`` with ``handler_text``.
    handler: str | None
    handler_text: str
    def_line: int | None = None
    sender: str | None = None
    dispatch_uid: str | None = None
    weak: bool | None = None
    #: Keyword arguments only a signal's ``connect`` takes were given.
    signal_keywords: bool = False
    #: ``# pragma: no signal cover`` on the decorator, the ``connect(`` call or the ``def``.
    excluded: bool = False
    code: str = ""
    #: The call's arguments, when it may call a project's connect wrapper instead.
    forward: RawForward | None = None
    #: The connect wrapper (:class:`Forwarder`, by qualname) whose body this connect is.
    wrapper: str | None = None


class RawSender(Record):
    """A ``x.send(...)``-like call, not yet confirmed to be on a signal."""

    signal: Ref
    line: int
    end_line: int
    method: SendMethod
    sender: str | None = None
    #: ``sender=`` was given by keyword, as only a signal's ``send`` takes it.
    sender_keyword: bool = False
    code: str = ""
    #: Other dotted targets the signal may be, known in the file but not certain (the
    #: default of a parameter: ``def notify(signal=order_placed): signal.send()``).
    candidates: tuple[str, ...] = ()


class RawDisconnect(Record):
    """A ``x.disconnect(...)`` call, not yet confirmed to be on a signal."""

    signal: Ref
    line: int
    handler: str | None
    handler_text: str | None
    sender: str | None = None
    dispatch_uid: str | None = None
    signal_keywords: bool = False
    code: str = ""


class ModuleFacts(Record, frozen=False):
    """Everything the scan needs from one file.

    Filled in by :func:`pytest_signaltrace.scan.visitor.extract_facts`:

    * ``bindings``: module-level names bound by imports or aliases, to dotted targets;
    * ``star_imports``: modules imported with ``from x import *``;
    * ``classes``: every class (by qualname) with the dotted targets of its bases;
    * ``functions``: functions, methods and classes (by qualname) to the line of their ``def``;
    * ``attributes``: class attributes (``Cls.attr``, from the class body or ``self.attr = x``
      in a method) to every dotted target assigned to them (``None``: a value that names
      nothing, such as ``None``);
    * ``definitions``, ``receivers``, ``senders``, ``disconnects``: candidates, confirmed later;
    * ``forwarders``: functions (by qualname) that connect a receiver to a signal they are given.
    """

    module: str
    relpath: str
    test_only: bool
    bindings: dict[str, str] = field(default_factory=dict)
    star_imports: list[str] = field(default_factory=list)
    classes: dict[str, list[str]] = field(default_factory=dict)
    functions: dict[str, int] = field(default_factory=dict)
    attributes: dict[str, list[str | None]] = field(default_factory=dict)
    definitions: list[RawDefinition] = field(default_factory=list)
    receivers: list[RawReceiver] = field(default_factory=list)
    senders: list[RawSender] = field(default_factory=list)
    disconnects: list[RawDisconnect] = field(default_factory=list)
    forwarders: dict[str, Forwarder] = field(default_factory=dict)
    #: Lines that carry ``# pragma: no signal cover``.
    pragma_lines: list[int] = field(default_factory=list)
    #: Set when the file could not be parsed: the reason to report.
    error: str | None = None
    #: Whether its bytes mention ``send`` (kept for a file that could not be parsed: it may
    #: send any signal, see :attr:`~pytest_signaltrace.model.SkippedFile.may_send`).
    may_send: bool = False

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict, for the cache."""
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModuleFacts:
        """Rebuild facts written by :meth:`to_json`."""

        def ref(value: dict[str, Any] | None) -> Ref | None:
            return None if value is None else Ref(**value)

        facts = cls(**{k: v for k, v in data.items() if k not in _NESTED})
        facts.definitions = [
            RawDefinition(d["qualname"], d["line"], Ref(**d["signal_class"]), d.get("name"))
            for d in data["definitions"]
        ]
        facts.receivers = [
            RawReceiver(
                **{
                    **r,
                    "decorator": ref(r["decorator"]),
                    "signals": tuple(Ref(**s) for s in r["signals"]),
                    "forward": _forward(r.get("forward")),
                }
            )
            for r in data["receivers"]
        ]
        facts.senders = [
            RawSender(
                **{**s, "signal": Ref(**s["signal"]), "candidates": tuple(s["candidates"])}
            )
            for s in data["senders"]
        ]
        facts.disconnects = [
            RawDisconnect(**{**d, "signal": Ref(**d["signal"])}) for d in data["disconnects"]
        ]
        facts.forwarders = {
            qualname: Forwarder(
                tuple(f["params"]), f["signal"], f["handler"], _argument(f.get("own"))
            )
            for qualname, f in data.get("forwarders", {}).items()
        }
        return facts


def _forward(data: dict[str, Any] | None) -> RawForward | None:
    if data is None:
        return None
    arguments = tuple(_argument(a) for a in data["arguments"])
    return RawForward(data["callee"], tuple(a for a in arguments if a is not None))


def _argument(data: dict[str, Any] | None) -> RawArgument | None:
    if data is None:
        return None
    return RawArgument(data["keyword"], Ref(**data["value"]), data["def_line"])


_NESTED = frozenset({"definitions", "receivers", "senders", "disconnects", "forwarders"})
