"""The :mod:`ast` extractor's handling of calls: the twin of :mod:`.visitor_calls` (libcst)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from pytest_signaltrace.scan import ast_nodes as nodes
from pytest_signaltrace.scan import shapes
from pytest_signaltrace.scan.ast_defs import AstDefinitionsMixin
from pytest_signaltrace.scan.facts import (
    Forwarder,
    RawArgument,
    RawDisconnect,
    RawForward,
    RawReceiver,
    RawSender,
    Ref,
)

if TYPE_CHECKING:
    from pytest_signaltrace.scan.scope import Scope

_SIGNAL_KEYWORDS = frozenset({"sender", "weak", "dispatch_uid"})


class AstCallsMixin(AstDefinitionsMixin):
    """Send sites, ``connect`` receivers and ``disconnect`` calls found in expressions."""

    #: The functions of the file that may be connect wrappers (:attr:`~.prune.Outline.wrappers`).
    wrappers: frozenset[str] = frozenset()

    def visit_bound_send(self, call: ast.Call, func: ast.Name, scope: Scope) -> None:
        """``send_prerun(sender=...)`` after ``send_prerun = signals.task_prerun.send``."""
        owner = self.binding_scope(func.id, scope)
        method = owner.sends.get(func.id) if owner is not None else None
        target = owner.bindings.get(func.id) if owner is not None else None
        if method is None or target is None or not target.endswith("." + method):
            return
        self.add_sender(call, Ref(target.removesuffix("." + method), self.text(func)), method)

    def add_sender(
        self, call: ast.Call, signal: Ref, method: str, candidates: tuple[str, ...] = ()
    ) -> None:
        first, last = self.line(call), self.end_line(call)
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

    def _add_connect(
        self,
        call: ast.Call,
        func: ast.Attribute,
        handler: ast.expr,
        options: ast.Call,
        scope: Scope,
        forward: RawForward | None = None,
        wrapper: str | None = None,
    ) -> None:
        """A ``func.value.<connect>(handler)`` receiver (see :meth:`.CallsMixin._add_connect`)."""
        target, text, def_line = self.handler(handler, scope)
        line = self.name_line(func)
        first, last = self.line(call), self.end_line(call)
        via = options is not call
        self.facts.receivers.append(
            RawReceiver(
                kind="connect",
                line=line,
                decorator=None,
                signals=(self.ref(func.value, scope),),
                handler=target,
                handler_text=text,
                def_line=def_line,
                sender=self.argument(options, "sender", 0 if via else 1),
                dispatch_uid=self.literal_or_text(nodes.argument(options, "dispatch_uid", 3)),
                weak=nodes.bool_value(nodes.argument(options, "weak", 1 if via else 2)),
                signal_keywords=via or bool(nodes.keywords(call) & _SIGNAL_KEYWORDS),
                excluded=self.has_pragma(first, last, def_line),
                code=self.code(line),
                forward=forward,
                wrapper=wrapper,
            )
        )

    def visit_decorator_call(self, call: ast.Call, inner: ast.Call, scope: Scope) -> None:
        """``sig.connect_via(sender)(handler)``: a connecting decorator applied by hand."""
        func = inner.func
        if not isinstance(func, ast.Attribute):
            return
        if func.attr not in shapes.current().connect_decorators:
            return
        handler = nodes.argument(call, "fn", 0)
        if handler is not None:
            self._add_connect(call, func, handler, inner, scope)

    def _arguments(self, call: ast.Call, scope: Scope) -> tuple[RawArgument, ...]:
        arguments = []
        for keyword, value, _ in nodes.args(call):
            target, text, def_line = self.handler(value, scope)
            arguments.append(RawArgument(keyword, Ref(target, text), def_line))
        return tuple(arguments)

    def _forward(self, call: ast.Call, func: ast.Attribute, scope: Scope) -> RawForward | None:
        """The arguments of ``x.connect(a, b)`` (see :meth:`.CallsMixin._forward`)."""
        given = nodes.args(call)
        if len(given) < 2 or any(star for _, _, star in given):
            return None
        callee = self.target(func, scope)
        if callee is None:
            return None
        return RawForward(callee, self._arguments(call, scope))

    def _note_forwarder(self, signal: ast.expr, handler: ast.expr, scope: Scope) -> str | None:
        """The qualname of the connect wrapper ``signal.connect(handler)`` is in, else ``None``
        (see :meth:`.CallsMixin._note_forwarder`)."""
        if (
            scope.kind != "function"
            or not isinstance(signal, ast.Name)
            or signal.id not in scope.params
            or self.binding_scope(signal.id, scope) is not scope
            or scope.bindings.get(signal.id) is not None
        ):
            return None
        others = [p for p in scope.params if p != signal.id]
        own: RawArgument | None = None
        target, text, _ = self.handler(handler, scope)
        if isinstance(handler, ast.Name) and handler.id in others:
            received = handler.id
        elif others and not self._defined_inside(target, scope):
            after = scope.params[scope.params.index(signal.id) + 1 :]
            received = after[0] if after else others[0]
        else:
            received, own = "", RawArgument(None, Ref(target, text))
        qualname = scope.prefix.removesuffix(".<locals>.")
        self.facts.forwarders[qualname] = Forwarder(scope.params, signal.id, received, own)
        return qualname

    def visit_wrapper_call(self, call: ast.Call, func: ast.expr, scope: Scope) -> None:
        """``listen_to(signal)``: a call of a possible connect wrapper of this file (see
        :meth:`.CallsMixin.visit_wrapper_call`)."""
        if isinstance(func, ast.Attribute):
            name = func.attr
            if name in shapes.current().connect_methods:
                return
        elif isinstance(func, ast.Name):
            name = func.id
        else:
            return
        given = nodes.args(call)
        if name not in self.wrappers or any(star for _, _, star in given):
            return
        callee = self.target(func, scope)
        if callee is None or not given:
            return
        arguments = self._arguments(call, scope)
        first, last = self.line(call), self.end_line(call)
        self.facts.receivers.append(
            RawReceiver(
                kind="connect",
                line=first,
                decorator=None,
                signals=(),
                handler=None,
                handler_text=self.text(func),
                excluded=self.has_pragma(first, last, None),
                code=self.code(first),
                forward=RawForward(callee, arguments),
            )
        )

    def visit_call(self, call: ast.Call, func: ast.Attribute, scope: Scope) -> None:
        """A ``x.send(...)``, ``x.connect(...)`` or ``x.disconnect(...)`` call."""
        method = func.attr
        current = shapes.current()
        if method in current.send_methods:
            signal, candidates = self.send_object(func.value, scope)
            self.add_sender(call, signal, method, candidates)
        elif method in current.connect_methods:
            handler = nodes.argument(call, "receiver", 0)
            if handler is None:
                return
            forward = self._forward(call, func, scope)
            wrapper = self._note_forwarder(func.value, handler, scope)
            self._add_connect(call, func, handler, call, scope, forward, wrapper)
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
