"""Signals made by a call with their name, and a project's own wrappers of ``connect``.

A framework may make a signal by name (:attr:`~pytest_signaltrace.frameworks.Framework
.named_signals`, :attr:`~pytest_signaltrace.frameworks.Framework.signal_factories`): a call that
returns the one signal of a name in the whole process is that signal wherever it is made, so its
id is the name (``<framework>:<name>``); a method of a registry object (a namespace) makes a
signal named where it is held, as a class does. Which call is which is told here, from the
resolved callee (the registry's class may be a project subclass).

A project may connect through its own function, ``def connect(self, signal, receiver):
signal.connect(receiver)`` (:class:`~.facts.Forwarder`): each call of it is a receiver of the
signal passed, handled by the function passed (:func:`forwarded`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from pytest_signaltrace.frameworks import named_id
from pytest_signaltrace.model import Framework
from pytest_signaltrace.record import Record
from pytest_signaltrace.scan import catalogue
from pytest_signaltrace.scan.facts import RawArgument, RawReceiver
from pytest_signaltrace.scan.resolver_view import ResolverView

_MAX_DEPTH = 10


class Maker(Record):
    """What a callable that makes a signal by name makes."""

    framework: Framework
    #: Whether the name alone is the signal, in the whole process (``blinker:n``).
    process_wide: bool

    def signal_id(self, name: str | None, holder: str | None) -> str | None:
        """The id of the signal made with ``name`` and held as ``holder`` (``module.x``), or
        ``None`` when neither names it."""
        if self.process_wide:
            return named_id(self.framework, name) if name is not None else None
        return holder


class Makers:
    """Tells the callables that make a signal by name, resolving through the project."""

    def __init__(self, resolver: ResolverView) -> None:
        self._resolver = resolver
        self._memo: dict[str, Maker | None] = {}

    def of(self, callee: str | None) -> Maker | None:
        """What ``callee`` (a dotted target: ``blinker.signal``, ``app.signals._ns.signal``)
        makes, or ``None`` when it makes no signal by name."""
        if callee is None:
            return None
        canonical = self._resolver.canonical(callee)
        if canonical not in self._memo:
            self._memo[canonical] = self._maker(canonical)
        return self._memo[canonical]

    def _maker(self, canonical: str) -> Maker | None:
        named = catalogue.named_signals().get(canonical)
        if named is not None:
            return Maker(named, process_wide=True)
        owner, _, method = canonical.rpartition(".")
        framework = self._class_in(owner, catalogue.signal_factories(method), 0)
        return Maker(framework, process_wide=False) if framework is not None else None

    def _class_in(self, dotted: str, table: Mapping[str, Framework], depth: int) -> str | None:
        """The framework of ``dotted`` when it is a class of ``table`` or a project subclass of
        one."""
        if not dotted or not table or depth > _MAX_DEPTH:
            return None
        canonical = self._resolver.canonical(dotted)
        found = table.get(canonical)
        if found is not None:
            return found
        module, rest = self._resolver.split_module(canonical)
        facts = self._resolver.facts_of(module) if module else None
        for base in facts.classes.get(".".join(rest), []) if facts is not None else []:
            found = self._class_in(base, table, depth + 1)
            if found is not None:
                return found
        return None


def forwarded(raw: RawReceiver, resolver: ResolverView) -> tuple[RawReceiver, str] | None:
    """``raw`` as the receiver it connects when its call is of a project's connect wrapper
    (``plugin.connect(signals.created, on_created)``), and the wrapper's dotted name; else
    ``None``."""
    if raw.forward is None:
        return None
    callee = resolver.canonical(raw.forward.callee)
    module, rest = resolver.split_module(callee)
    facts = resolver.facts_of(module) if module else None
    wrapper = facts.forwarders.get(".".join(rest)) if facts is not None else None
    if wrapper is None:
        return None
    signal = _argument(raw.forward.arguments, wrapper.params, wrapper.signal)
    # ``listen_to(signal)``: the wrapper's own handler, found where the wrapper is defined
    # (``def_line`` is of the wrapper's file, not the call's).
    handler = wrapper.own or _argument(raw.forward.arguments, wrapper.params, wrapper.handler)
    if signal is None or handler is None:
        return None
    sender = _argument(raw.forward.arguments, (), "sender")
    weak = _argument(raw.forward.arguments, (), "weak")
    return dataclasses.replace(
        raw,
        signals=(signal.value,),
        handler=handler.value.target,
        handler_text=handler.value.text,
        def_line=handler.def_line if wrapper.own is None else None,
        sender=sender.value.text if sender is not None else None,
        weak={"True": True, "False": False}.get(weak.value.text) if weak is not None else None,
        forward=None,
    ), callee


def _argument(
    arguments: tuple[RawArgument, ...], params: tuple[str, ...], name: str
) -> RawArgument | None:
    """The argument a call passes for the parameter ``name`` (by keyword, or by position)."""
    for argument in arguments:
        if argument.keyword == name:
            return argument
    positional = [a for a in arguments if a.keyword is None]
    if name in params and params.index(name) < len(positional):
        return positional[params.index(name)]
    return None

