"""Turn the facts of every parsed module into the static map's confirmed, resolved records:
definitions, receivers, send sites, ``disconnect`` calls and the connects left unresolved.

Names are resolved across modules by :class:`~.resolve.Resolver`; signals of installed packages
by :class:`~.installed.InstalledSource`; signals made by name and calls of a project's connect
wrapper by :mod:`.made`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from pytest_signaltrace.model import (
    Definition,
    Disconnect,
    Receiver,
    Sender,
    UnresolvedConnect,
)
from pytest_signaltrace.scan import catalogue, lookalikes
from pytest_signaltrace.scan.facts import ModuleFacts, RawReceiver, RawSender, Ref
from pytest_signaltrace.scan.installed import InstalledSource
from pytest_signaltrace.scan.made import Makers, forwarded
from pytest_signaltrace.scan.resolve import Resolver

if TYPE_CHECKING:
    from pytest_signaltrace.scan.candidates import Candidates

#: The last name of an object that says it is a signal: ``signal``, ``sig``, ``post_signal``.
_SIGNAL_NAME = re.compile(r"(?i)signal|^_*sig(s)?$|_sig$")


class MapBuilder:
    """Turns the facts of every parsed module into confirmed, resolved records."""

    def __init__(self, resolver: Resolver, installed: InstalledSource | None = None) -> None:
        self.resolver = resolver
        #: Reads installed packages' source for the signals they re-export.
        self.installed = installed
        #: The first definition of each signal id.
        self.definitions: dict[str, Definition] = {}
        #: Every definition: a signal made by name may be made at several places.
        self.definition_rows: list[Definition] = []
        #: Where a signal made by name is held (``app.signals.placed``) -> its id.
        self._held: dict[str, str] = {}
        self._makers = Makers(resolver)
        #: The connect wrappers some call connects through (:meth:`_forwarded`).
        self._wrappers: set[str] = set()
        self._decorated_signals: set[str] = set()
        #: Class attributes and defaults a send site may send (set by the engine).
        self.candidates: Candidates | None = None
        #: Keep the send sites whose object the scan cannot resolve, whatever their arguments:
        #: set by the engine when the project defines or receives signals.
        self.keep_unknown_sends = False

    def add_definitions(self, all_facts: Iterable[ModuleFacts]) -> None:
        """Confirm the candidate definitions whose class resolves to a signal class."""
        for facts in all_facts:
            for raw in facts.definitions:
                holder = f"{facts.module}.{raw.qualname}"
                signal: str | None = holder
                framework = self.resolver.signal_class_framework(raw.signal_class.target)
                if framework is None:
                    maker = self._makers.of(raw.signal_class.target)
                    if maker is None:
                        continue
                    framework, signal = maker.framework, maker.signal_id(raw.name, holder)
                if signal is None:
                    continue
                definition = Definition(
                    signal=signal,
                    path=facts.relpath,
                    line=raw.line,
                    framework=framework,
                    test_only=facts.test_only,
                    signal_class=raw.signal_class.text,
                )
                if signal != holder:
                    self._held[holder] = signal  # made by name: one signal, many sites
                elif signal in self.definitions:
                    continue
                self.definition_rows.append(definition)
                self.definitions.setdefault(signal, definition)

    def note_decorated_signals(self, all_facts: Iterable[ModuleFacts]) -> None:
        """Remember signals named in ``@receiver(...)``: they are signals whatever they are."""
        for facts in all_facts:
            for raw in facts.receivers:
                if raw.decorator is not None and self._is_receiver_decorator(raw.decorator):
                    for ref in raw.signals:
                        signal = self._decorated_signal(ref)
                        if signal is not None:
                            self._decorated_signals.add(signal)

    def _is_receiver_decorator(self, ref: Ref) -> bool:
        return ref.target is not None and (
            self.resolver.canonical(ref.target) in catalogue.receiver_decorators()
        )

    def signal_id(self, ref: Ref) -> str | None:
        """The id of the signal ``ref`` names, or ``None`` when it names no known signal."""
        if ref.name is not None:
            # ``signal("n").send()``: only a signal known by its name alone is named here.
            maker = self._makers.of(ref.target)
            return maker.signal_id(ref.name, None) if maker is not None else None
        if ref.target is None:
            return None
        canonical = self.resolver.canonical(ref.target)
        if canonical in self._held:
            return self._held[canonical]
        if (
            canonical in self.definitions
            or canonical in catalogue.builtin_signals()
            or canonical in self._decorated_signals
        ):
            return canonical
        module, _ = self.resolver.split_module(canonical)
        if module is None and self.installed is not None:
            found = self.installed.signal(canonical)
            if found is not None:
                return found
        owner = canonical.rpartition(".")[0]
        if module is None and owner and catalogue.looks_like_signals_module(owner):
            return canonical
        return None

    def _decorated_signal(self, ref: Ref) -> str | None:
        """The id of a signal named in ``@receiver(...)``: it is a signal whatever it is."""
        if ref.target is None:
            return None
        canonical = self.resolver.canonical(ref.target)
        if self.installed is not None and self.resolver.split_module(canonical)[0] is None:
            return self.installed.signal(canonical) or canonical
        return canonical

    def receivers(self, facts: ModuleFacts) -> list[Receiver]:
        """The confirmed receivers of one module: one record per signal."""
        records: list[Receiver] = []
        for raw in facts.receivers:
            raw = self._forwarded(raw)
            if raw.decorator is not None:
                if not self._is_receiver_decorator(raw.decorator):
                    continue
                signals = [(self._decorated_signal(ref), ref) for ref in raw.signals]
            else:
                signals = [(s, ref) for ref in raw.signals for s in self._connected_signals(ref)]
            for signal, ref in signals:
                # No signal id: an unresolved connect (see ``unresolved_connects``), or not one.
                if signal is not None:
                    records.append(self._receiver(facts, raw, signal, ref))
        return records

    def _forwarded(self, raw: RawReceiver) -> RawReceiver:
        """The receiver a call of a project's connect wrapper connects, else ``raw``."""
        found = forwarded(raw, self.resolver)
        if found is None:
            return raw
        self._wrappers.add(found[1])
        return found[0]

    def _connected_signals(self, ref: Ref) -> tuple[str, ...]:
        """The signal of ``sig.connect``; for ``self.attr.connect``, every signal the class
        or its subclasses set ``attr`` to (one receiver row each)."""
        signal = self.signal_id(ref)
        if signal is not None:
            return (signal,)
        return self.candidates.of_ref(ref, self.signal_id) if self.candidates is not None else ()

    def unresolved_connects(self, facts: ModuleFacts) -> list[UnresolvedConnect]:
        """The receivers of one module whose signal cannot be named, when they may be real."""
        records: list[UnresolvedConnect] = []
        for raw in facts.receivers:
            if raw.wrapper is not None and f"{facts.module}.{raw.wrapper}" in self._wrappers:
                continue  # a connect wrapper's own connect: its callers are the receivers
            raw = self._forwarded(raw)
            if raw.decorator is not None:
                if not self._is_receiver_decorator(raw.decorator):
                    continue
                unknown = [ref for ref in raw.signals if ref.target is None]
            else:
                unknown = [ref for ref in raw.signals if not self._connected_signals(ref)]
                unknown = [ref for ref in unknown if self._may_connect_a_signal(raw, ref)]
            handler = self.resolver.canonical(raw.handler) if raw.handler else raw.handler_text
            if raw.def_line is None and self.definition_site(handler)[1] is None:
                # A parameter or a name from outside: as written, not a made-up id.
                handler = raw.handler_text
            records += [
                UnresolvedConnect(
                    path=facts.relpath,
                    line=raw.line,
                    handler=handler,
                    expression=ref.text,
                    code=raw.code,
                    test_only=facts.test_only,
                )
                for ref in unknown
            ]
        return records

    def _may_connect_a_signal(self, raw: RawReceiver, ref: Ref) -> bool:
        """Whether ``ref.connect(handler)`` may register a receiver (else it is a look-alike).

        Any one hint is enough: keywords only a signal's ``connect`` takes, a handler defined in
        the scanned source (``pymysql.connect(dsn)`` passes a string), an object named like a
        signal (``signal``, ``self.post_signal``), or ``self`` of a signal class.
        """
        if raw.signal_keywords or raw.def_line is not None:
            return True
        if raw.handler is not None and self.definition_site(
            self.resolver.canonical(raw.handler)
        )[1] is not None:
            return True
        if _SIGNAL_NAME.search(ref.text.rpartition(".")[2]):
            return True
        return self.resolver.signal_class_framework(ref.target) is not None

    def _receiver(
        self, facts: ModuleFacts, raw: RawReceiver, signal: str | None, ref: Ref
    ) -> Receiver:
        handler = self.resolver.canonical(raw.handler) if raw.handler else raw.handler_text
        excluded = raw.excluded
        def_path: str | None
        def_line: int | None
        if raw.def_line is not None:
            def_path, def_line = facts.relpath, raw.def_line
        else:
            def_facts, def_line = self.definition_site(handler)
            def_path = def_facts.relpath if def_facts is not None else None
            excluded = excluded or (def_facts is not None and def_line in def_facts.pragma_lines)
        return Receiver(
            path=facts.relpath,
            line=raw.line,
            signal=signal,
            handler=handler,
            kind=raw.kind,
            def_line=def_line,
            def_path=def_path,
            excluded=excluded,
            sender=raw.sender,
            dispatch_uid=raw.dispatch_uid,
            weak=raw.weak,
            test_only=facts.test_only,
            expression=ref.text,
            code=raw.code,
        )

    def definition_site(self, handler: str) -> tuple[ModuleFacts | None, int | None]:
        """The facts of the module that defines a handler, and the line of its ``def``."""
        module, rest = self.resolver.split_module(handler)
        facts = self.resolver.facts_of(module) if module else None
        line = facts.functions.get(".".join(rest)) if facts is not None else None
        return (facts, line) if line is not None else (None, None)

    def senders(self, facts: ModuleFacts) -> list[Sender]:
        """The confirmed send sites of one module."""
        records = []
        for raw in facts.senders:
            signal = self.signal_id(raw.signal)
            candidates: tuple[str, ...] = ()
            if signal is None and self.candidates is not None:
                candidates, certain = self.candidates.of(raw, self.signal_id, self._known())
                if certain:
                    signal, candidates = candidates[0], ()
            if signal is None and not candidates and not self._may_send_a_signal(raw):
                continue
            records.append(
                Sender(
                    path=facts.relpath,
                    line=raw.line,
                    end_line=raw.end_line,
                    signal=signal,
                    method=raw.method,
                    sender=raw.sender,
                    test_only=facts.test_only,
                    expression=raw.signal.text,
                    code=raw.code,
                    signal_candidates=candidates,
                )
            )
        return records

    def _known(self) -> list[str]:
        """Every signal id the scan knows: defined, built in, or named by ``@receiver``."""
        return sorted({*self.definitions, *catalogue.builtin_signals(), *self._decorated_signals})

    def _may_send_a_signal(self, raw: RawSender) -> bool:
        """Whether an unresolved ``x.send(...)`` may send a signal (else it is a look-alike).

        ``sender=`` by keyword, as only a signal's ``send`` takes it, is enough; so is, in a
        project that uses signals, any object not known to be something else: a sender passed
        by position (``gift_wrapped.send(request)``) is as likely.
        """
        if lookalikes.is_not_signal(raw.signal, self.resolver):
            return False
        if raw.sender_keyword:
            return True
        return self.keep_unknown_sends and not lookalikes.is_not_signal_name(raw.signal.text)

    def disconnects(self, facts: ModuleFacts) -> list[Disconnect]:
        """The confirmed ``disconnect`` calls of one module."""
        records = []
        for raw in facts.disconnects:
            signal = self.signal_id(raw.signal)
            if signal is None and not raw.signal_keywords:
                continue
            handler = raw.handler
            records.append(
                Disconnect(
                    path=facts.relpath,
                    line=raw.line,
                    signal=signal,
                    handler=self.resolver.canonical(handler) if handler else raw.handler_text,
                    sender=raw.sender,
                    dispatch_uid=raw.dispatch_uid,
                    test_only=facts.test_only,
                    expression=raw.signal.text,
                    code=raw.code,
                )
            )
        return records
