"""The visitor's handling of signal definitions, receiver decorators and handler references."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from pytest_signaltrace.scan import cst as nodes
from pytest_signaltrace.scan import shapes
from pytest_signaltrace.scan.facts import RawDefinition, RawReceiver, Ref
from pytest_signaltrace.scan.visitor_names import NamesMixin

if TYPE_CHECKING:
    from pytest_signaltrace.scan.scope import Scope


class DefinitionsMixin(NamesMixin):
    """Definitions (``x = Signal()``), decorators (``@receiver``, ``@sig.connect``), handlers."""

    # Provided by the visitor.
    def target(self, expr: cst.CSTNode, scope: Scope) -> str | None:
        raise NotImplementedError

    def ref(self, expr: cst.CSTNode, scope: Scope) -> Ref:
        raise NotImplementedError

    def text(self, node: cst.CSTNode) -> str:
        raise NotImplementedError

    def line(self, node: cst.CSTNode) -> int:
        raise NotImplementedError

    def lines_of(self, node: cst.CSTNode) -> tuple[int, int]:
        raise NotImplementedError

    def looks_like_signal_class(self, func: cst.BaseExpression) -> bool:
        """Whether a call's callee may be a signal class (confirmed later by the resolver)."""
        if isinstance(func, cst.Attribute):
            name = func.attr.value
        elif isinstance(func, cst.Name):
            name = func.value
        else:
            return False
        # A local class with bases may subclass a signal class.
        return name.endswith(shapes.current().class_names) or bool(self.facts.classes.get(name))

    def made_name(self, call: cst.CSTNode) -> str | None:
        """``"n"`` of ``signal("n")``, ``ns.signal("n")``: a call that may make a signal by name
        (a literal name; confirmed later by the resolver), else ``None``."""
        if not isinstance(call, cst.Call):
            return None
        func = call.func
        name = (
            func.attr.value
            if isinstance(func, cst.Attribute)
            else func.value
            if isinstance(func, cst.Name)
            else None
        )
        if name is None or name not in shapes.current().factory_names:
            return None
        return nodes.string_value(nodes.argument(call, "name", 0))

    def visit_definitions(self, small: cst.BaseSmallStatement, scope: Scope) -> None:
        """Record ``x = Signal()``, ``self.x = Hook()``-like assignments, and ``x =
        ns.signal("x")`` (a signal made by name)."""
        if isinstance(small, cst.Assign):
            targets = [t.target for t in small.targets]
        elif isinstance(small, cst.AnnAssign):
            targets = [small.target]
        else:
            return
        call = small.value
        if not isinstance(call, cst.Call):
            return
        name = self.made_name(call)
        if name is None and not self.looks_like_signal_class(call.func):
            return
        for target in targets:
            qualname = self._definition_name(target, scope)
            if qualname is not None:
                self.facts.definitions.append(
                    RawDefinition(qualname, self.line(target), self.ref(call.func, scope), name)
                )

    def _definition_name(self, target: cst.BaseExpression, scope: Scope) -> str | None:
        if isinstance(target, cst.Name) and scope.kind != "function":
            return scope.prefix + target.value
        if (
            isinstance(target, cst.Attribute)
            and isinstance(target.value, cst.Name)
            and target.value.value in {"self", "cls"}
            and scope.self_target
        ):
            owner = scope.self_target.removeprefix(self.module + ".")
            return f"{owner}.{target.attr.value}"
        return None

    def visit_decorator(
        self, decorator: cst.Decorator, node: cst.FunctionDef, qualname: str, scope: Scope
    ) -> None:
        """Record ``@receiver(sig)``, ``@receiver([a, b])``, ``@sig.connect(...)``."""
        expr = decorator.decorator
        call = expr if isinstance(expr, cst.Call) else None
        func = call.func if call is not None else expr
        positions: tuple[int | None, int | None, int | None]
        current = shapes.current()
        if isinstance(func, cst.Attribute) and (
            func.attr.value in current.connect_methods
            or (call is not None and func.attr.value in current.connect_decorators)
        ):
            # ``@task_success.connect``, ``@task_success.connect(sender=..., weak=False)``,
            # ``@sig.connect_via(sender)``.
            decorator_ref = None
            signals: list[cst.BaseExpression] = [func.value]
            positions = (0, 1, 2)
        elif call is not None and (first := nodes.argument(call, "signal", 0)) is not None:
            decorator_ref = self.ref(func, scope)
            signals = list(nodes.elements(first))
            positions = (None, None, None)
        else:
            return
        sender_at, weak_at, uid_at = positions
        line, last = self.line(expr), self.lines_of(expr)[1]
        def_line = self.facts.functions.get(qualname) or self.lines_of(node.name)[0]
        self.facts.receivers.append(
            RawReceiver(
                kind="decorator",
                line=line,
                decorator=decorator_ref,
                signals=tuple(self.ref(s, scope) for s in signals),
                handler=f"{self.module}.{qualname}",
                handler_text=node.name.value,
                def_line=def_line,
                sender=self.argument(call, "sender", sender_at),
                dispatch_uid=self.literal_or_text(nodes.argument(call, "dispatch_uid", uid_at)),
                weak=nodes.bool_value(nodes.argument(call, "weak", weak_at)),
                signal_keywords=True,
                excluded=self.has_pragma(line, last, def_line),
                code=self.code(line),
            )
        )

    def handler(self, expr: cst.BaseExpression, scope: Scope) -> tuple[str | None, str, int | None]:
        """The handler id, its text, and its ``def`` line when defined in this file."""
        text = self.text(expr)
        if isinstance(expr, cst.Lambda):
            return f"{self.module}.{scope.prefix}<lambda>", text, self.lines_of(expr)[0]
        if isinstance(expr, cst.Call) and nodes.positional(expr):
            func = self.target(expr.func, scope)
            if func is not None and func.rpartition(".")[2] == "partial":
                return self.handler(nodes.positional(expr)[0].value, scope)
        if isinstance(expr, cst.Call):
            made = self._made_handler(self.target(expr.func, scope))
            if made is not None:
                return f"{self.module}.{made}", text, self.facts.functions[made]
        target = self.target(expr, scope)
        def_line = None
        if target is not None and target.startswith(self.module + "."):
            def_line = self.facts.functions.get(target[len(self.module) + 1 :])
        return target, text, def_line

    def argument(self, call: cst.Call | None, keyword: str, position: int | None) -> str | None:
        """The text of an argument, or ``None`` when not given."""
        node = nodes.argument(call, keyword, position)
        return None if node is None else self.text(node)

    def literal_or_text(self, node: cst.BaseExpression | None) -> str | None:
        """A string literal's value, else the expression's text."""
        if node is None:
            return None
        value = nodes.string_value(node)
        return value if value is not None else self.text(node)
