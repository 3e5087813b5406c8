"""Extract :class:`~pytest_signaltrace.scan.facts.ModuleFacts` from one file's source.

The file is cut down and parsed with libcst (:mod:`.parse`); this module walks the tree in two
passes per scope, like the scan always has: first the names a block binds (imports, aliases,
``def``/``class``), then the statements, where it collects definitions, receivers, send sites
and ``disconnect`` calls with names already resolved inside the file.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import libcst as cst

from pytest_signaltrace.scan import cst as nodes
from pytest_signaltrace.scan.facts import ModuleFacts, Ref
from pytest_signaltrace.scan.parse import ParsedChunk, ParsedFile, ScanError, parse_file
from pytest_signaltrace.scan.paths import package_of
from pytest_signaltrace.scan.scope import Scope
from pytest_signaltrace.scan.visitor_calls import CallsMixin

_SIGNAL_KEYWORDS = frozenset({"sender", "weak", "dispatch_uid"})


def extract_facts(
    source: bytes,
    module: str,
    relpath: str,
    *,
    is_package: bool,
    test_only: bool,
    prune: bool = True,
    wrappers: tuple[str, ...] = (),
) -> ModuleFacts:
    """Parse ``source`` and gather what it says about signals.

    A file that cannot be scanned gives facts with ``error`` set and nothing else.
    ``prune=False`` parses every statement instead of the cut (for tests).
    """
    facts = ModuleFacts(module=module, relpath=relpath, test_only=test_only)
    unparsed = functools.partial(
        ModuleFacts, module=module, relpath=relpath, test_only=test_only, may_send=b"send" in source
    )
    try:
        parsed = parse_file(source, prune=prune, wrappers=wrappers)
        _Extractor(facts, parsed, package_of(module, is_package)).run()
    except ScanError as exc:
        return unparsed(error=str(exc))
    except RecursionError:
        return unparsed(error="too deeply nested: walking it hit Python's recursion limit")
    except Exception as exc:  # nothing one file holds may stop the whole scan
        return unparsed(error=f"the scanner failed on it: {type(exc).__name__}: {_first_line(exc)}")
    return facts


def _is_static(node: cst.FunctionDef) -> bool:
    return any(nodes.name_of(d.decorator) == "staticmethod" for d in node.decorators)


def _first_line(exc: Exception) -> str:
    lines = str(exc).splitlines()
    return lines[0] if lines else ""


class _Extractor(CallsMixin):
    """Walks one file. ``run`` fills the ``ModuleFacts`` it was given."""

    def __init__(self, facts: ModuleFacts, parsed: ParsedFile, package: str) -> None:
        self.facts = facts
        self.module = facts.module
        self.package = package
        self.parsed = parsed
        self.lines = parsed.lines
        self.chunk: ParsedChunk = parsed.chunks[0] if parsed.chunks else None  # type: ignore[assignment]
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

    def lines_of(self, node: cst.CSTNode) -> tuple[int, int]:
        """The file's first and last line of ``node`` (in the chunk being walked)."""
        return self.chunk.lines_of(node)

    def line(self, node: cst.CSTNode) -> int:
        """The line where ``node`` starts, as ``ast`` would say."""
        return self.lines_of(nodes.leftmost(node))[0]

    # -- pass 1: names bound in a block ------------------------------------------------------

    def _bind_block(self, body: Sequence[cst.BaseStatement], scope: Scope) -> None:
        for stmt in body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    self._bind_small(small, scope)
            elif isinstance(stmt, cst.FunctionDef | cst.ClassDef):
                qualname = scope.prefix + stmt.name.value
                scope.bindings[stmt.name.value] = f"{self.module}.{qualname}"
                if self.parsed.whole or qualname not in self.facts.functions:
                    self.facts.functions[qualname] = self.lines_of(stmt.name)[0]
            elif isinstance(stmt, cst.If | cst.Try | cst.TryStar | cst.With):
                # Module-level ``try: import x / except ImportError`` and ``if TYPE_CHECKING:``.
                for block in nodes.child_blocks(stmt):
                    self._bind_block(block, scope)

    def _bind_small(self, small: cst.BaseSmallStatement, scope: Scope) -> None:
        if isinstance(small, cst.Import | cst.ImportFrom):
            self._bind_import(nodes.import_of(small), scope)
        elif isinstance(small, cst.Expr) and isinstance(small.value, cst.Name):
            # A placeholder for imports the cut read from their text (:mod:`.import_lines`).
            for imported in self.text_imports.get(small.value.value, ()):
                self._bind_import(imported, scope)
        elif isinstance(small, cst.Assign):
            for target in small.targets:
                self._bind_target(target.target, small.value, scope)
        elif isinstance(small, cst.AnnAssign) and small.value is not None:
            self._bind_target(small.target, small.value, scope)

    def _bind_target(
        self, target: cst.BaseExpression, value: cst.BaseExpression, scope: Scope
    ) -> None:
        if isinstance(target, cst.Name):
            name = target.value
            scope.bindings[name] = self._bound_value(value, scope, name)
            self.note_maybe(name, value, scope)
            method = nodes.send_method(value)
            if method is not None:
                scope.sends[name] = method
            if scope.kind == "class":
                self._note_attribute(scope.prefix + name, value, scope)
        elif (
            isinstance(target, cst.Attribute)
            and isinstance(target.value, cst.Name)
            and target.value.value == "self"
            and scope.self_target
        ):
            # ``self.sig = placed`` in a method: an attribute of the class, like a class one.
            owner = scope.self_target.removeprefix(self.module + ".")
            self._note_attribute(f"{owner}.{target.attr.value}", value, scope)

    def _note_attribute(self, qualname: str, value: cst.BaseExpression, scope: Scope) -> None:
        """Remember what a class attribute may hold (``None`` for a value naming nothing)."""
        if isinstance(value, cst.Name) and value.value == "None":
            held = None
        elif isinstance(value, cst.Name | cst.Attribute):
            held = self.target(value, scope)
        else:
            return
        values = self.facts.attributes.setdefault(qualname, [])
        if held not in values:
            values.append(held)

    def _bound_value(
        self, value: cst.BaseExpression | None, scope: Scope, name: str
    ) -> str | None:
        """What an assigned name stands for: an alias of a dotted name, or itself."""
        own = f"{self.module}.{scope.prefix}{name}" if scope.kind != "function" else None
        if isinstance(value, cst.IfExp) and nodes.send_method(value) is not None:
            value = value.body  # ``x.send if x.receivers else None``
        if isinstance(value, cst.Name | cst.Attribute):
            return self.target(value, scope) or own
        if (
            isinstance(value, cst.Call)
            and not self.looks_like_signal_class(value.func)
            and self.made_name(value) is None  # ``x = ns.signal("x")``: a signal, named ``x``
        ):
            func = self.target(value.func, scope)
            args = nodes.positional(value)
            if func is not None and func.rpartition(".")[2] == "partial" and args:
                # ``cb = partial(handler, ...)``: ``cb`` runs ``handler`` (its receiver's name).
                return self.target(args[0].value, scope) or own
            # ``mailer = Mailer()``: the instance stands for its class (method handler ids).
            return func or own
        return own

    # -- pass 2: the walk --------------------------------------------------------------------

    def _visit_block(self, body: Sequence[cst.BaseStatement], scope: Scope) -> None:
        for stmt in body:
            if isinstance(stmt, cst.FunctionDef):
                self._visit_function(stmt, scope)
            elif isinstance(stmt, cst.ClassDef):
                self._visit_class(stmt, scope)
            elif isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if scope.kind != "module":
                        self._bind_small(small, scope)
                    self.visit_definitions(small, scope)
                    self._visit_expression(small, scope)
            else:
                for node in nodes.header_expressions(stmt):
                    self._visit_expression(node, scope)
                for block in nodes.child_blocks(stmt):
                    self._visit_block(block, scope)

    def _visit_function(self, node: cst.FunctionDef, scope: Scope) -> None:
        qualname = scope.prefix + node.name.value
        for decorator in node.decorators:
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
        params = node.params
        positional = [p.name.value for p in [*params.posonly_params, *params.params]]
        if scope.kind == "class" and positional and not _is_static(node):
            positional = positional[1:]  # ``self``/``cls``: the caller does not pass it
        inner.params = tuple(positional)
        for param in [*params.posonly_params, *params.params, *params.kwonly_params]:
            inner.bindings[param.name.value] = None
            if param.default is not None:
                self._visit_expression(param.default, scope)
                default = self.target(param.default, scope)
                if default is not None and isinstance(param.default, cst.Name | cst.Attribute):
                    inner.defaults[param.name.value] = default
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                inner.bindings[star.name.value] = None
        self._bind_block(nodes.body(node), inner)
        self._visit_block(nodes.body(node), inner)

    def _visit_class(self, node: cst.ClassDef, scope: Scope) -> None:
        qualname = scope.prefix + node.name.value
        # Every class, with or without bases: an instance of a class that is not a signal class
        # sends no signal (``Mailer().send()``).
        self.facts.classes[qualname] = [
            t for t in (self.target(b.value, scope) for b in node.bases) if t
        ]
        inner = Scope("class", f"{qualname}.", parent=scope)
        self._prebind(inner)
        self._bind_block(nodes.body(node), inner)
        self._visit_block(nodes.body(node), inner)

    def _visit_expression(self, expr: cst.CSTNode, scope: Scope) -> None:
        for node in nodes.walk(expr):
            if isinstance(node, cst.Call):
                if self.wrappers:
                    self.visit_wrapper_call(node, node.func, scope)
                if isinstance(node.func, cst.Attribute):
                    self.visit_call(node, node.func, scope)
                elif isinstance(node.func, cst.Name):
                    self.visit_bound_send(node, node.func, scope)
                elif isinstance(node.func, cst.Call):
                    self.visit_decorator_call(node, node.func, scope)

    # -- names -------------------------------------------------------------------------------

    def target(self, expr: cst.CSTNode, scope: Scope) -> str | None:
        """The dotted name ``expr`` stands for in this file, or ``None``."""
        attributes: list[str] = []
        while True:
            if isinstance(expr, cst.Attribute):
                attributes.append(expr.attr.value)
                expr = expr.value
            elif isinstance(expr, cst.Call):
                # ``Mailer().on_placed``: an instance stands for its class.
                expr = expr.func
            else:
                break
        if not isinstance(expr, cst.Name):
            return None
        base = self._lookup(expr.value, scope)
        if base is None:
            return None
        return ".".join([base, *reversed(attributes)])

    def ref(self, expr: cst.CSTNode, scope: Scope) -> Ref:
        """A reference: the dotted name and the text of ``expr`` (for a signal made by name
        where it is used, ``signal("n")``, the callable and the name)."""
        name = self.made_name(expr) if isinstance(expr, cst.Call) else None
        if name is not None:
            assert isinstance(expr, cst.Call)
            return Ref(self.target(expr.func, scope), self.text(expr), name)
        return Ref(self.target(expr, scope), self.text(expr))

    def text(self, node: cst.CSTNode) -> str:
        """The source of ``node`` on one line, shortened."""
        return nodes.text(self.chunk.module, node)
