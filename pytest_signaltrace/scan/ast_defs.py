"""The :mod:`ast` extractor's signal definitions, receiver decorators, handler references and
candidates: the twin of :mod:`.visitor_defs` and :mod:`.visitor_maybe` (libcst)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from pytest_signaltrace.scan import ast_nodes as nodes
from pytest_signaltrace.scan import shapes
from pytest_signaltrace.scan.facts import RawDefinition, RawReceiver, Ref
from pytest_signaltrace.scan.visitor_names import NamesMixin

if TYPE_CHECKING:
    from pytest_signaltrace.scan.scope import Scope


class AstDefinitionsMixin(NamesMixin):
    """Definitions (``x = Signal()``), decorators (``@receiver``, ``@sig.connect``), handlers,
    and what names may hold (see :mod:`.visitor_maybe`)."""

    # Provided by the extractor.
    def target(self, expr: ast.AST, scope: Scope) -> str | None:
        raise NotImplementedError

    def ref(self, expr: ast.AST, scope: Scope) -> Ref:
        raise NotImplementedError

    def text(self, node: ast.AST) -> str:
        raise NotImplementedError

    def line(self, node: ast.AST) -> int:
        raise NotImplementedError

    def end_line(self, node: ast.AST) -> int:
        raise NotImplementedError

    def own_line(self, node: ast.AST) -> int:
        raise NotImplementedError

    def name_line(self, node: ast.AST) -> int:
        raise NotImplementedError

    def looks_like_signal_class(self, func: ast.expr) -> bool:
        """Whether a call's callee may be a signal class (confirmed later by the resolver)."""
        if isinstance(func, ast.Attribute):
            name = func.attr
        elif isinstance(func, ast.Name):
            name = func.id
        else:
            return False
        # A local class with bases may subclass a signal class.
        return name.endswith(shapes.current().class_names) or bool(self.facts.classes.get(name))

    def made_name(self, call: ast.AST) -> str | None:
        """``"n"`` of ``signal("n")``, ``ns.signal("n")``, else ``None``."""
        if not isinstance(call, ast.Call):
            return None
        func = call.func
        name = (
            func.attr
            if isinstance(func, ast.Attribute)
            else func.id
            if isinstance(func, ast.Name)
            else None
        )
        if name is None or name not in shapes.current().factory_names:
            return None
        return nodes.string_value(nodes.argument(call, "name", 0))

    def visit_definitions(self, small: ast.stmt, scope: Scope) -> None:
        """Record ``x = Signal()``, ``self.x = Hook()``-like assignments, and ``x =
        ns.signal("x")`` (a signal made by name)."""
        if isinstance(small, ast.Assign):
            targets = small.targets
        elif isinstance(small, ast.AnnAssign):
            targets = [small.target]
        else:
            return
        call = small.value
        if not isinstance(call, ast.Call):
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

    def _definition_name(self, target: ast.expr, scope: Scope) -> str | None:
        if isinstance(target, ast.Name) and scope.kind != "function":
            return scope.prefix + target.id
        if (
            isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Name)
            and target.value.id in {"self", "cls"}
            and scope.self_target
        ):
            owner = scope.self_target.removeprefix(self.module + ".")
            return f"{owner}.{target.attr}"
        return None

    def visit_decorator(
        self,
        expr: ast.expr,
        node: ast.FunctionDef | ast.AsyncFunctionDef,
        qualname: str,
        scope: Scope,
    ) -> None:
        """Record ``@receiver(sig)``, ``@receiver([a, b])``, ``@sig.connect(...)``."""
        call = expr if isinstance(expr, ast.Call) else None
        func = call.func if call is not None else expr
        positions: tuple[int | None, int | None, int | None]
        current = shapes.current()
        if isinstance(func, ast.Attribute) and (
            func.attr in current.connect_methods
            or (call is not None and func.attr in current.connect_decorators)
        ):
            decorator_ref = None
            signals: list[ast.expr] = [func.value]
            positions = (0, 1, 2)
        elif call is not None and (first := nodes.argument(call, "signal", 0)) is not None:
            decorator_ref = self.ref(func, scope)
            signals = list(nodes.elements(first))
            positions = (None, None, None)
        else:
            return
        sender_at, weak_at, uid_at = positions
        line, last = self.line(expr), self.end_line(expr)
        def_line = self.facts.functions.get(qualname) or self.name_line(node)
        self.facts.receivers.append(
            RawReceiver(
                kind="decorator",
                line=line,
                decorator=decorator_ref,
                signals=tuple(self.ref(s, scope) for s in signals),
                handler=f"{self.module}.{qualname}",
                handler_text=node.name,
                def_line=def_line,
                sender=self.argument(call, "sender", sender_at),
                dispatch_uid=self.literal_or_text(nodes.argument(call, "dispatch_uid", uid_at)),
                weak=nodes.bool_value(nodes.argument(call, "weak", weak_at)),
                signal_keywords=True,
                excluded=self.has_pragma(line, last, def_line),
                code=self.code(line),
            )
        )

    def handler(self, expr: ast.expr, scope: Scope) -> tuple[str | None, str, int | None]:
        """The handler id, its text, and its ``def`` line when defined in this file."""
        text = self.text(expr)
        if isinstance(expr, ast.Lambda):
            return f"{self.module}.{scope.prefix}<lambda>", text, self.own_line(expr)
        if isinstance(expr, ast.Call) and nodes.positional(expr):
            func = self.target(expr.func, scope)
            if func is not None and func.rpartition(".")[2] == "partial":
                return self.handler(nodes.positional(expr)[0][1], scope)
        if isinstance(expr, ast.Call):
            made = self._made_handler(self.target(expr.func, scope))
            if made is not None:
                return f"{self.module}.{made}", text, self.facts.functions[made]
        target = self.target(expr, scope)
        def_line = None
        if target is not None and target.startswith(self.module + "."):
            def_line = self.facts.functions.get(target[len(self.module) + 1 :])
        return target, text, def_line

    def argument(self, call: ast.Call | None, keyword: str, position: int | None) -> str | None:
        """The text of an argument, or ``None`` when not given."""
        node = nodes.argument(call, keyword, position)
        return None if node is None else self.text(node)

    def literal_or_text(self, node: ast.expr | None) -> str | None:
        """A string literal's value, else the expression's text."""
        if node is None:
            return None
        value = nodes.string_value(node)
        return value if value is not None else self.text(node)

    # -- what a name may hold (:mod:`.visitor_maybe`) -----------------------------------------

    def note_maybe(self, name: str, value: ast.expr, scope: Scope) -> None:
        """Remember what ``name = value`` may hold, when only candidates are known."""
        scope.maybe.pop(name, None)
        found = self.maybe_targets(value, scope)
        if found:
            scope.maybe[name] = found

    def maybe_targets(self, expr: ast.expr, scope: Scope) -> tuple[str, ...]:
        """The candidate targets of an expression the file cannot name exactly, or ``()``."""
        if isinstance(expr, ast.Name):
            owner = self.binding_scope(expr.id, scope)
            if owner is None:
                return ()
            default = owner.defaults.get(expr.id)
            return (default,) if default is not None else owner.maybe.get(expr.id, ())
        if not isinstance(expr, ast.Call):
            return ()
        args = nodes.positional(expr)
        if self._is_getattr(expr.func, scope) and args:
            holder = self.target(args[0][1], scope)
            name = nodes.string_value(nodes.argument(expr, "name", 1))
            if holder is None:
                return ()
            return (f"{holder}.{name}",) if name else (f"{holder}.*",)
        strings = [nodes.string_value(a[1]) for a in args]
        if strings and all(strings) and len(args) <= 3:
            dotted = ".".join(s.strip(".") for s in strings if s)
            if "." in dotted and all(part.isidentifier() for part in dotted.split(".")):
                return (f"*.{dotted}",)  # ``get_class("gifts.signals", "gift_wrapped")``
        return ()

    def send_object(self, expr: ast.expr, scope: Scope) -> tuple[Ref, tuple[str, ...]]:
        """The reference and the candidates of a send site's object (``x`` of ``x.send()``)."""
        if isinstance(expr, ast.Call) and self._is_getattr(expr.func, scope):
            args = nodes.positional(expr)
            name = nodes.string_value(nodes.argument(expr, "name", 1))
            owner = self.target(args[0][1], scope) if args else None
            if owner is not None and name is not None and name.isidentifier():
                return Ref(f"{owner}.{name}", self.text(expr)), ()
        return self.ref(expr, scope), self.maybe_targets(expr, scope)

    def _is_getattr(self, func: ast.expr, scope: Scope) -> bool:
        return (
            isinstance(func, ast.Name)
            and func.id == "getattr"
            and self.binding_scope("getattr", scope) is None
        )
