"""The visitor's handling of calls: ``send``-like calls, ``connect`` and ``disconnect``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from pytest_signaltrace.scan import cst as nodes
from pytest_signaltrace.scan import shapes
from pytest_signaltrace.scan.facts import RawDisconnect, RawReceiver, RawSender, Ref
from pytest_signaltrace.scan.visitor_maybe import MaybeMixin

if TYPE_CHECKING:
    from pytest_signaltrace.scan.scope import Scope

_SIGNAL_KEYWORDS = frozenset({"sender", "weak", "dispatch_uid"})


class CallsMixin(MaybeMixin):
    """Send sites, ``connect`` receivers and ``disconnect`` calls found in expressions."""

    def visit_bound_send(self, call: cst.Call, func: cst.Name, scope: Scope) -> None:
        """``send_prerun(sender=...)`` after ``send_prerun = signals.task_prerun.send``."""
        owner = self.binding_scope(func.value, scope)
        method = owner.sends.get(func.value) if owner is not None else None
        target = owner.bindings.get(func.value) if owner is not None else None
        if method is None or target is None or not target.endswith("." + method):
            return
        self.add_sender(call, Ref(target.removesuffix("." + method), self.text(func)), method)

    def add_sender(
        self, call: cst.Call, signal: Ref, method: str, candidates: tuple[str, ...] = ()
    ) -> None:
        first, last = self.line(call), self.lines_of(call)[1]
        self.facts.senders.append(
            RawSender(
                signal=signal,
                line=first,
                end_line=last,
                method=method,  # type: ignore[arg-type]
                sender=self.argument(call, "sender", 0),
                sender_keyword="sender" in nodes.keywords(call),
                code=self.code(first),
                candidates=candidates,
            )
        )

    def visit_call(self, call: cst.Call, func: cst.Attribute, scope: Scope) -> None:
        method = func.attr.value
        current = shapes.current()
        if method in current.send_methods:
            signal, candidates = self.send_object(func.value, scope)
            self.add_sender(call, signal, method, candidates)
        elif method in current.connect_methods:
            handler = nodes.argument(call, "receiver", 0)
            if handler is None:
                return
            target, text, def_line = self.handler(handler, scope)
            line = self.lines_of(func.attr)[0]
            first, last = self.line(call), self.lines_of(call)[1]
            self.facts.receivers.append(
                RawReceiver(
                    kind="connect",
                    line=line,
                    decorator=None,
                    signals=(self.ref(func.value, scope),),
                    handler=target,
                    handler_text=text,
                    def_line=def_line,
                    sender=self.argument(call, "sender", 1),
                    dispatch_uid=self.literal_or_text(nodes.argument(call, "dispatch_uid", 3)),
                    weak=nodes.bool_value(nodes.argument(call, "weak", 2)),
                    signal_keywords=bool(nodes.keywords(call) & _SIGNAL_KEYWORDS),
                    excluded=self.has_pragma(first, last, def_line),
                    code=self.code(line),
                )
            )
        elif method in current.disconnect_methods:
            handler = nodes.argument(call, "receiver", 0)
            removed: str | None = None
            removed_text: str | None = None
            if handler is not None:
                removed, removed_text, _ = self.handler(handler, scope)
            first = self.line(call)
            self.facts.disconnects.append(
                RawDisconnect(
                    signal=self.ref(func.value, scope),
                    line=first,
                    handler=removed,
                    handler_text=removed_text,
                    sender=self.argument(call, "sender", 1),
                    dispatch_uid=self.literal_or_text(nodes.argument(call, "dispatch_uid", 2)),
                    signal_keywords=bool(nodes.keywords(call) & _SIGNAL_KEYWORDS),
                    code=self.code(first),
                )
            )
