"""The visitor's handling of calls: ``send``-like calls, ``connect`` and ``disconnect``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from pytest_signaltrace.scan import cst as nodes
from pytest_signaltrace.scan import shapes
from pytest_signaltrace.scan.facts import (
    Forwarder,
    RawArgument,
    RawDisconnect,
    RawForward,
    RawReceiver,
    RawSender,
    Ref,
)
from pytest_signaltrace.scan.visitor_maybe import MaybeMixin

if TYPE_CHECKING:
    from pytest_signaltrace.scan.scope import Scope

_SIGNAL_KEYWORDS = frozenset({"sender", "weak", "dispatch_uid"})


class CallsMixin(MaybeMixin):
    """Send sites, ``connect`` receivers and ``disconnect`` calls found in expressions."""

    #: The functions of the file that may be connect wrappers (:attr:`~.prune.Outline.wrappers`).
    wrappers: frozenset[str] = frozenset()

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

    def _add_connect(
        self,
        call: cst.Call,
        func: cst.Attribute,
        handler: cst.BaseExpression,
        options: cst.Call,
        scope: Scope,
        forward: RawForward | None = None,
        wrapper: str | None = None,
    ) -> None:
        """A ``func.value.<connect>(handler)`` receiver, its sender and options from the call
        ``options`` (the call itself, or ``connect_via(sender)`` of ``connect_via(sender)(fn)``)."""
        target, text, def_line = self.handler(handler, scope)
        line = self.lines_of(func.attr)[0]
        first, last = self.line(call), self.lines_of(call)[1]
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

    def visit_decorator_call(self, call: cst.Call, inner: cst.Call, scope: Scope) -> None:
        """``sig.connect_via(sender)(handler)``: a connecting decorator applied by hand."""
        func = inner.func
        if not isinstance(func, cst.Attribute):
            return
        if func.attr.value not in shapes.current().connect_decorators:
            return
        handler = nodes.argument(call, "fn", 0)
        if handler is not None:
            self._add_connect(call, func, handler, inner, scope)

    def _forward(self, call: cst.Call, func: cst.Attribute, scope: Scope) -> RawForward | None:
        """The arguments of ``x.connect(a, b)``: ``x`` may be a project object whose ``connect``
        passes ``a`` and ``b`` on to a signal's (:meth:`_note_forwarder`)."""
        if len(call.args) < 2 or any(arg.star for arg in call.args):
            return None
        callee = self.target(func, scope)
        if callee is None:
            return None
        arguments = []
        for arg in call.args:
            target, text, def_line = self.handler(arg.value, scope)
            keyword = arg.keyword.value if arg.keyword is not None else None
            arguments.append(RawArgument(keyword, Ref(target, text), def_line))
        return RawForward(callee, tuple(arguments))

    def _note_forwarder(
        self, signal: cst.BaseExpression, handler: cst.BaseExpression, scope: Scope
    ) -> str | None:
        """The qualname of the function ``signal.connect(handler)`` is in when it connects a
        parameter of it (``def connect(self, signal, receiver)``): a connect wrapper, whose
        callers connect their arguments (see :func:`.made.forwarded`); else ``None``."""
        if (
            scope.kind != "function"
            or not isinstance(signal, cst.Name)
            or signal.value not in scope.params
            or self.binding_scope(signal.value, scope) is not scope
            or scope.bindings.get(signal.value) is not None
        ):
            return None
        others = [p for p in scope.params if p != signal.value]
        own: RawArgument | None = None
        target, text, _ = self.handler(handler, scope)
        if isinstance(handler, cst.Name) and handler.value in others:
            received = handler.value
        elif others and not self._defined_inside(target, scope):
            # ``signal.connect(wrap(receiver))``: the parameter after the signal's.
            after = scope.params[scope.params.index(signal.value) + 1 :]
            received = after[0] if after else others[0]
        else:
            # ``signal.connect(record)``, ``record`` its own: every call connects that one.
            received, own = "", RawArgument(None, Ref(target, text))
        qualname = scope.prefix.removesuffix(".<locals>.")
        self.facts.forwarders[qualname] = Forwarder(scope.params, signal.value, received, own)
        return qualname

    def visit_wrapper_call(self, call: cst.Call, func: cst.BaseExpression, scope: Scope) -> None:
        """``listen_to(signal)``: a call of a function of this file that may be a connect
        wrapper (:attr:`~.prune.Outline.wrappers`), whatever its name; kept as the call it is
        until the wrapper is known (see :func:`.made.forwarded`)."""
        if isinstance(func, cst.Attribute):
            name = func.attr.value
            if name in shapes.current().connect_methods:
                return  # ``plugin.connect(signal, fn)``: :meth:`visit_call`'s
        elif isinstance(func, cst.Name):
            name = func.value
        else:
            return
        if name not in self.wrappers or any(arg.star for arg in call.args):
            return
        callee = self.target(func, scope)
        if callee is None or not call.args:
            return
        arguments = []
        for arg in call.args:
            target, text, def_line = self.handler(arg.value, scope)
            keyword = arg.keyword.value if arg.keyword is not None else None
            arguments.append(RawArgument(keyword, Ref(target, text), def_line))
        first, last = self.line(call), self.lines_of(call)[1]
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
                forward=RawForward(callee, tuple(arguments)),
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
