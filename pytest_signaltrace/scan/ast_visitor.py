"""Extract :class:`~pytest_signaltrace.scan.facts.ModuleFacts` with the standard library's
:mod:`ast`: the twin of :mod:`.visitor` (libcst), statement for statement.

A file the running Python parses is read here, without importing libcst; any other file (a
newer grammar, Python 2 code, a cut that does not parse, anything unexpected) gives ``None``,
and the caller reads it with :mod:`.visitor`, the extractor of record. Both give the same facts
(``tests/test_scan_ast_equal.py`` and ``benchmarks/ast_equal.py`` compare them).
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

from pytest_signaltrace.scan import ast_nodes as nodes
from pytest_signaltrace.scan.ast_calls import AstCallsMixin
from pytest_signaltrace.scan.ast_parse import AstChunk, AstFile
from pytest_signaltrace.scan.facts import ModuleFacts, Ref
from pytest_signaltrace.scan.import_lines import Import
from pytest_signaltrace.scan.scope import Scope

_COMPOUND = (
    ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try,
    getattr(ast, "TryStar", ast.Try), getattr(ast, "Match", ast.If),
)  # fmt: skip
_BINDING_BLOCKS = (ast.If, ast.Try, getattr(ast, "TryStar", ast.Try), ast.With, ast.AsyncWith)
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def _is_static(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(nodes.name_of(d) == "staticmethod" for d in node.decorator_list)


class AstExtractor(AstCallsMixin):
    """Walks one file parsed by :mod:`ast`. ``run`` fills the ``ModuleFacts`` it was given."""

    def __init__(self, facts: ModuleFacts, parsed: AstFile, package: str) -> None:
        self.facts = facts
        self.module = facts.module
        self.package = package
        self.parsed = parsed
        self.lines = parsed.lines
        self.chunk: AstChunk = parsed.chunks[0] if parsed.chunks else None  # type: ignore[assignment]
        facts.pragma_lines = list(parsed.outline.pragma_lines)
        facts.functions = dict(parsed.outline.functions)
        self.wrappers = parsed.outline.wrappers
        self.text_imports = parsed.outline.imports

    # -- driving -----------------------------------------------------------------------------

    def run(self) -> None:
        """Bind the module's names, then walk its statements chunk by chunk."""
        scope = Scope("module", "")
        self._prebind(scope)
        for chunk in self.parsed.chunks:
            self.chunk = chunk
            self._bind_block(chunk.module.body, scope)
        self.facts.bindings = self._module_bindings(scope)
        for chunk in self.parsed.chunks:
            self.chunk = chunk
            self._visit_block(chunk.module.body, scope)

    def line(self, node: ast.AST) -> int:
        """The line where ``node`` starts, as libcst's visitor says (see :meth:`.start_line`)."""
        return self.chunk.start_line(node)

    def end_line(self, node: ast.AST) -> int:
        """The line where ``node`` ends, its closing parenthesis included."""
        return self.chunk.end_line(node)

    def own_line(self, node: ast.AST) -> int:
        """The line where ``node`` itself starts, its opening parenthesis included."""
        return self.chunk.own_start_line(node)

    def name_line(self, node: ast.AST) -> int:
        """The line of a ``def``/``class`` name, or of an attribute's name (the end of ``a.b``)."""
        if isinstance(node, ast.Attribute):
            return self.chunk.file_line(node.end_lineno)  # type: ignore[arg-type]
        return self.chunk.file_line(node.lineno)  # type: ignore[attr-defined]

    def is_elif(self, node: ast.If) -> bool:
        """Whether ``node`` (alone in an ``if``'s ``orelse``) is an ``elif``."""
        return self.chunk.starts_with(node, "elif")

    # -- pass 1: names bound in a block ------------------------------------------------------

    def _bind_block(self, body: Sequence[ast.stmt], scope: Scope) -> None:
        for stmt in body:
            if isinstance(stmt, (*_FUNCTIONS, ast.ClassDef)):
                qualname = scope.prefix + stmt.name
                scope.bindings[stmt.name] = f"{self.module}.{qualname}"
                if qualname not in self.facts.functions:
                    self.facts.functions[qualname] = self.name_line(stmt)
            elif isinstance(stmt, _BINDING_BLOCKS):
                # Module-level ``try: import x / except ImportError`` and ``if TYPE_CHECKING:``.
                for block in nodes.child_blocks(stmt, self.is_elif):
                    self._bind_block(block, scope)
            elif not isinstance(stmt, _COMPOUND):
                self._bind_small(stmt, scope)

    def _bind_small(self, small: ast.stmt, scope: Scope) -> None:
        if isinstance(small, ast.Import | ast.ImportFrom):
            self._bind_import(nodes.import_of(small), scope)
        elif isinstance(small, ast.Expr) and isinstance(small.value, ast.Name):
            # A placeholder for imports the cut read from their text (:mod:`.import_lines`).
            imported: tuple[Import, ...] = self.text_imports.get(small.value.id, ())
            for one in imported:
                self._bind_import(one, scope)
        elif isinstance(small, ast.Assign):
            for target in small.targets:
                self._bind_target(target, small.value, scope)
        elif isinstance(small, ast.AnnAssign) and small.value is not None:
            self._bind_target(small.target, small.value, scope)

    def _bind_target(self, target: ast.expr, value: ast.expr, scope: Scope) -> None:
        if isinstance(target, ast.Name):
            name = target.id
            scope.bindings[name] = self._bound_value(value, scope, name)
            self.note_maybe(name, value, scope)
            method = nodes.send_method(value)
            if method is not None:
                scope.sends[name] = method
            if scope.kind == "class":
                self._note_attribute(scope.prefix + name, value, scope)
        elif (
            isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Name)
            and target.value.id == "self"
            and scope.self_target
        ):
            # ``self.sig = placed`` in a method: an attribute of the class, like a class one.
            owner = scope.self_target.removeprefix(self.module + ".")
            self._note_attribute(f"{owner}.{target.attr}", value, scope)

    def _note_attribute(self, qualname: str, value: ast.expr, scope: Scope) -> None:
        """Remember what a class attribute may hold (``None`` for a value naming nothing)."""
        if isinstance(value, ast.Constant) and (
            value.value is None or isinstance(value.value, bool)
        ):
            held = None  # libcst's names ``None``, ``True``, ``False``: builtins naming nothing
        elif isinstance(value, ast.Name | ast.Attribute):
            held = self.target(value, scope)
        else:
            return
        values = self.facts.attributes.setdefault(qualname, [])
        if held not in values:
            values.append(held)

    def _bound_value(self, value: ast.expr, scope: Scope, name: str) -> str | None:
        """What an assigned name stands for: an alias of a dotted name, or itself."""
        own = f"{self.module}.{scope.prefix}{name}" if scope.kind != "function" else None
        if isinstance(value, ast.IfExp) and nodes.send_method(value) is not None:
            value = value.body  # ``x.send if x.receivers else None``
        if isinstance(value, ast.Name | ast.Attribute):
            return self.target(value, scope) or own
        if (
            isinstance(value, ast.Call)
            and not self.looks_like_signal_class(value.func)
            and self.made_name(value) is None  # ``x = ns.signal("x")``: a signal, named ``x``
        ):
            func = self.target(value.func, scope)
            args = nodes.positional(value)
            if func is not None and func.rpartition(".")[2] == "partial" and args:
                # ``cb = partial(handler, ...)``: ``cb`` runs ``handler`` (its receiver's name).
                return self.target(args[0][1], scope) or own
            # ``mailer = Mailer()``: the instance stands for its class (method handler ids).
            return func or own
        return own

    # -- pass 2: the walk --------------------------------------------------------------------

    def _visit_block(self, body: Sequence[ast.stmt], scope: Scope) -> None:
        for stmt in body:
            if isinstance(stmt, _FUNCTIONS):
                self._visit_function(stmt, scope)
            elif isinstance(stmt, ast.ClassDef):
                self._visit_class(stmt, scope)
            elif isinstance(stmt, _COMPOUND):
                for node in nodes.header_expressions(stmt, self.is_elif):
                    self._visit_expression(node, scope)
                for block in nodes.child_blocks(stmt, self.is_elif):
                    self._visit_block(block, scope)
            else:
                if scope.kind != "module":
                    self._bind_small(stmt, scope)
                self.visit_definitions(stmt, scope)
                self._visit_expression(stmt, scope)

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope) -> None:
        qualname = scope.prefix + node.name
        for decorator in node.decorator_list:
            self.visit_decorator(decorator, node, qualname, scope)
        inner = Scope(
            "function",
            f"{qualname}.<locals>.",
            parent=scope,
            self_target=(
                f"{self.module}.{scope.prefix[:-1]}" if scope.kind == "class" else scope.self_target
            ),
        )
        self._prebind(inner)
        params = node.args
        positional = [p.arg for p in [*params.posonlyargs, *params.args]]
        if scope.kind == "class" and positional and not _is_static(node):
            positional = positional[1:]  # ``self``/``cls``: the caller does not pass it
        inner.params = tuple(positional)
        every = [*params.posonlyargs, *params.args]
        defaults: list[ast.expr | None] = [None] * (len(every) - len(params.defaults))
        defaults.extend(params.defaults)
        pairs = [*zip(every, defaults, strict=True)]
        pairs.extend(zip(params.kwonlyargs, params.kw_defaults, strict=True))
        for param, default in pairs:
            inner.bindings[param.arg] = None
            if default is not None:
                self._visit_expression(default, scope)
                target = self.target(default, scope)
                if target is not None and isinstance(default, ast.Name | ast.Attribute):
                    inner.defaults[param.arg] = target
        for star in (params.vararg, params.kwarg):
            if star is not None:
                inner.bindings[star.arg] = None
        self._bind_block(node.body, inner)
        self._visit_block(node.body, inner)

    def _visit_class(self, node: ast.ClassDef, scope: Scope) -> None:
        qualname = scope.prefix + node.name
        # Every class, with or without bases: an instance of a class that is not a signal class
        # sends no signal (``Mailer().send()``).
        bases = [b.value if isinstance(b, ast.Starred) else b for b in node.bases]
        self.facts.classes[qualname] = [t for t in (self.target(b, scope) for b in bases) if t]
        inner = Scope("class", f"{qualname}.", parent=scope)
        self._prebind(inner)
        self._bind_block(node.body, inner)
        self._visit_block(node.body, inner)

    def _visit_expression(self, expr: ast.AST, scope: Scope) -> None:
        for node in nodes.walk(expr):
            if isinstance(node, ast.Call):
                if self.wrappers:
                    self.visit_wrapper_call(node, node.func, scope)
                if isinstance(node.func, ast.Attribute):
                    self.visit_call(node, node.func, scope)
                elif isinstance(node.func, ast.Name):
                    self.visit_bound_send(node, node.func, scope)
                elif isinstance(node.func, ast.Call):
                    self.visit_decorator_call(node, node.func, scope)

    # -- names -------------------------------------------------------------------------------

    def target(self, expr: ast.AST, scope: Scope) -> str | None:
        """The dotted name ``expr`` stands for in this file, or ``None``."""
        attributes: list[str] = []
        while True:
            if isinstance(expr, ast.Attribute):
                attributes.append(expr.attr)
                expr = expr.value
            elif isinstance(expr, ast.Call):
                # ``Mailer().on_placed``: an instance stands for its class.
                expr = expr.func
            else:
                break
        if not isinstance(expr, ast.Name):
            return None
        base = self._lookup(expr.id, scope)
        if base is None:
            return None
        return ".".join([base, *reversed(attributes)])

    def ref(self, expr: ast.AST, scope: Scope) -> Ref:
        """A reference: the dotted name and the text of ``expr`` (for a signal made by name
        where it is used, ``signal("n")``, the callable and the name)."""
        name = self.made_name(expr) if isinstance(expr, ast.Call) else None
        if name is not None:
            assert isinstance(expr, ast.Call)
            return Ref(self.target(expr.func, scope), self.text(expr), name)
        return Ref(self.target(expr, scope), self.text(expr))

    def text(self, node: ast.AST) -> str:
        """The source of ``node`` on one line, shortened."""
        return self.chunk.text(node)
