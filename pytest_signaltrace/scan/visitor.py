"""Extract :class:`~pytest_signaltrace.scan.facts.ModuleFacts` from one file's source.

Parsing uses :mod:`ast` (the C parser: positions for free, ~15x faster than a lossless CST on
this workload; see the README's "Why ast" note). The walk only descends into statements whose
lines contain trigger text (``.send(``, ``connect``, ``receiver``, ``Signal`` ...), so the cost
on a large file is the parse plus the few statements that matter.
"""

from __future__ import annotations

import ast
import bisect
import builtins
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal, cast

from pytest_signaltrace.model import SEND_METHODS
from pytest_signaltrace.scan.facts import (
    ModuleFacts,
    RawDefinition,
    RawDisconnect,
    RawReceiver,
    RawSender,
    Ref,
)
from pytest_signaltrace.scan.paths import package_of

#: Text on a line that may make it interesting; the walk skips statements without any.
TRIGGER_PATTERN = re.compile(r"send|connect|receiver|Signal")
#: Leaves a receiver out of the coverage numbers, like coverage.py's ``# pragma: no cover``.
PRAGMA_PATTERN = re.compile(r"#\s*pragma:\s*no\s+signal\s+cover", re.IGNORECASE)
_SIGNAL_KEYWORDS = frozenset({"sender", "weak", "dispatch_uid"})
_MAX_TEXT = 160

ScopeKind = Literal["module", "class", "function"]


@dataclass
class _Scope:
    kind: ScopeKind
    #: Qualified name prefix for things defined in this scope (``""``, ``C.``, ``f.<locals>.``).
    prefix: str
    #: Name -> dotted target; ``None`` for a local variable that names nothing we know.
    bindings: dict[str, str | None] = field(default_factory=dict)
    parent: _Scope | None = None
    #: Dotted path of the class whose method this is, for ``self``/``cls``.
    self_target: str | None = None


def extract_facts(
    source: bytes, module: str, relpath: str, *, is_package: bool, test_only: bool
) -> ModuleFacts:
    """Parse ``source`` and gather what it says about signals.

    A file that does not parse gives facts with ``error`` set and nothing else.
    """
    facts = ModuleFacts(module=module, relpath=relpath, test_only=test_only)
    try:
        tree = ast.parse(source, filename=relpath)
    except SyntaxError as exc:
        facts.error = f"syntax error at line {exc.lineno}: {exc.msg}"
        return facts
    except (ValueError, UnicodeError) as exc:
        facts.error = f"cannot parse: {exc}"
        return facts
    text = source.decode("utf-8", "replace") if _is_utf8(source) else _decode(source)
    _Extractor(facts, text, package_of(module, is_package)).run(tree)
    return facts


def _is_utf8(source: bytes) -> bool:
    try:
        source.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _decode(source: bytes) -> str:
    import io
    import tokenize

    encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    return source.decode(encoding, "replace")


class _Extractor:
    """Walks one module. ``run`` fills the ``ModuleFacts`` it was given."""

    def __init__(self, facts: ModuleFacts, text: str, package: str) -> None:
        self.facts = facts
        self.module = facts.module
        self.package = package
        self.lines = text.splitlines()
        self._encoded: dict[int, bytes] = {}
        facts.pragma_lines = [
            number
            for number, line in enumerate(self.lines, start=1)
            if "#" in line and PRAGMA_PATTERN.search(line)
        ]
        self.trigger_lines = [
            number
            for number, line in enumerate(self.lines, start=1)
            if TRIGGER_PATTERN.search(line)
        ]

    # -- driving -----------------------------------------------------------------------------

    def run(self, tree: ast.Module) -> None:
        scope = _Scope("module", "")
        self._bind_block(tree.body, scope)
        self.facts.bindings = {
            name: target
            for name, target in scope.bindings.items()
            if target is not None and target != f"{self.module}.{name}"
        }
        self._visit_block(tree.body, scope)

    def _relevant(self, node: ast.AST) -> bool:
        start = cast(int, getattr(node, "lineno", 0))
        end = cast(int, getattr(node, "end_lineno", start))
        decorators = cast(list[ast.expr], getattr(node, "decorator_list", []))
        if decorators:
            start = min(start, *(d.lineno for d in decorators))
        index = bisect.bisect_left(self.trigger_lines, start)
        return index < len(self.trigger_lines) and self.trigger_lines[index] <= end

    # -- pass 1: names bound in a block ------------------------------------------------------

    def _bind_block(self, body: Sequence[ast.stmt], scope: _Scope) -> None:
        for stmt in body:
            self._bind_statement(stmt, scope)

    def _bind_statement(self, stmt: ast.stmt, scope: _Scope) -> None:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    scope.bindings[alias.asname] = alias.name
                else:
                    head = alias.name.partition(".")[0]
                    scope.bindings[head] = head
        elif isinstance(stmt, ast.ImportFrom):
            base = self._import_base(stmt)
            for alias in stmt.names:
                if alias.name == "*":
                    if scope.kind == "module":
                        self.facts.star_imports.append(base)
                    continue
                bound = f"{base}.{alias.name}" if base else alias.name
                scope.bindings[alias.asname or alias.name] = bound
        elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            qualname = scope.prefix + stmt.name
            scope.bindings[stmt.name] = f"{self.module}.{qualname}"
            self.facts.functions[qualname] = stmt.lineno
            if isinstance(stmt, ast.ClassDef):
                self._register_members(stmt, qualname)
        elif isinstance(stmt, ast.Assign | ast.AnnAssign):
            value = stmt.value
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    scope.bindings[target.id] = self._bound_value(value, scope, target.id)
        elif isinstance(stmt, ast.If | ast.Try | ast.With | ast.AsyncWith):
            # Module-level ``try: import x / except ImportError`` and ``if TYPE_CHECKING:``.
            for block in _child_blocks(stmt):
                self._bind_block(block, scope)

    def _register_members(self, node: ast.ClassDef, qualname: str) -> None:
        """Record the ``def`` lines of a class's methods and nested classes (handler lines)."""
        for stmt in node.body:
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                member = f"{qualname}.{stmt.name}"
                self.facts.functions[member] = stmt.lineno
                if isinstance(stmt, ast.ClassDef):
                    self._register_members(stmt, member)

    def _bound_value(self, value: ast.expr | None, scope: _Scope, name: str) -> str | None:
        """What an assigned name stands for: an alias of a dotted name, or itself."""
        own = f"{self.module}.{scope.prefix}{name}" if scope.kind != "function" else None
        if isinstance(value, ast.Name | ast.Attribute):
            return self._target(value, scope) or own
        if isinstance(value, ast.Call) and not _looks_like_signal_class(value.func):
            # ``mailer = Mailer()``: the instance stands for its class (method handler ids).
            return self._target(value.func, scope) or own
        return own

    def _import_base(self, stmt: ast.ImportFrom) -> str:
        if not stmt.level:
            return stmt.module or ""
        package = self.package
        for _ in range(stmt.level - 1):
            package = package.rpartition(".")[0]
        if stmt.module:
            return f"{package}.{stmt.module}" if package else stmt.module
        return package

    # -- pass 2: the walk --------------------------------------------------------------------

    def _visit_block(self, body: Sequence[ast.stmt], scope: _Scope) -> None:
        for stmt in body:
            if not self._relevant(stmt) and not self._instantiates_local_class(stmt, scope):
                continue
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                self._visit_function(stmt, scope)
            elif isinstance(stmt, ast.ClassDef):
                self._visit_class(stmt, scope)
            else:
                if scope.kind != "module":
                    self._bind_statement(stmt, scope)
                self._visit_definitions(stmt, scope)
                for expr in _own_expressions(stmt):
                    self._visit_expression(expr, scope)
                for block in _child_blocks(stmt):
                    self._visit_block(block, scope)

    def _instantiates_local_class(self, stmt: ast.stmt, scope: _Scope) -> bool:
        """``hook = Hook()`` where ``Hook`` is a class of this module (maybe a signal subclass).

        Such a line has no trigger text, yet may define a signal.
        """
        return (
            scope.kind != "function"
            and isinstance(stmt, ast.Assign | ast.AnnAssign)
            and isinstance(stmt.value, ast.Call)
            and isinstance(stmt.value.func, ast.Name)
            and stmt.value.func.id in self.facts.classes
        )

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: _Scope) -> None:
        qualname = scope.prefix + node.name
        for decorator in node.decorator_list:
            self._visit_decorator(decorator, node, qualname, scope)
        inner = _Scope(
            "function",
            f"{qualname}.<locals>.",
            parent=scope,
            self_target=(
                f"{self.module}.{scope.prefix[:-1]}"
                if scope.kind == "class"
                else scope.self_target
            ),
        )
        self._bind_block(node.body, inner)
        for default in [*node.args.defaults, *node.args.kw_defaults]:
            if default is not None:
                self._visit_expression(default, scope)
        self._visit_block(node.body, inner)

    def _visit_class(self, node: ast.ClassDef, scope: _Scope) -> None:
        qualname = scope.prefix + node.name
        bases = [t for t in (self._target(b, scope) for b in node.bases) if t]
        if bases:
            self.facts.classes[qualname] = bases
        inner = _Scope("class", f"{qualname}.", parent=scope)
        self._bind_block(node.body, inner)
        self._visit_block(node.body, inner)

    def _visit_definitions(self, stmt: ast.stmt, scope: _Scope) -> None:
        if not isinstance(stmt, ast.Assign | ast.AnnAssign) or not isinstance(stmt.value, ast.Call):
            return
        call = stmt.value
        if not _looks_like_signal_class(call.func, self.facts.classes):
            return
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        for target in targets:
            qualname = self._definition_name(target, scope)
            if qualname is not None:
                self.facts.definitions.append(
                    RawDefinition(qualname, stmt.lineno, self._ref(call.func, scope))
                )

    def _definition_name(self, target: ast.expr, scope: _Scope) -> str | None:
        if isinstance(target, ast.Name) and scope.kind != "function":
            return scope.prefix + target.id
        if (
            isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Name)
            and target.value.id in {"self", "cls"}
            and scope.self_target
        ):
            return f"{scope.self_target.removeprefix(self.module + '.')}.{target.attr}"
        return None

    def _visit_expression(self, expr: ast.expr, scope: _Scope) -> None:
        for node in ast.walk(expr):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                self._visit_call(node, node.func, scope)

    # -- the three shapes --------------------------------------------------------------------

    def _visit_call(self, call: ast.Call, func: ast.Attribute, scope: _Scope) -> None:
        method = func.attr
        if method in SEND_METHODS:
            self.facts.senders.append(
                RawSender(
                    signal=self._ref(func.value, scope),
                    line=call.lineno,
                    end_line=call.end_lineno or call.lineno,
                    method=method,
                    sender=self._argument(call, "sender", 0),
                    sender_keyword=any(k.arg == "sender" for k in call.keywords),
                    code=self._code(call.lineno),
                )
            )
        elif method == "connect":
            handler = _argument_node(call, "receiver", 0)
            if handler is None:
                return
            target, text, def_line = self._handler(handler, scope)
            self.facts.receivers.append(
                RawReceiver(
                    kind="connect",
                    line=func.end_lineno or call.lineno,
                    decorator=None,
                    signals=(self._ref(func.value, scope),),
                    handler=target,
                    handler_text=text,
                    def_line=def_line,
                    sender=self._argument(call, "sender", 1),
                    dispatch_uid=self._literal_or_text(_argument_node(call, "dispatch_uid", 3)),
                    weak=_bool_literal(_argument_node(call, "weak", 2)),
                    signal_keywords=_has_signal_keywords(call),
                    excluded=self._has_pragma(call.lineno, call.end_lineno, def_line),
                    code=self._code(func.end_lineno or call.lineno),
                )
            )
        elif method == "disconnect":
            handler = _argument_node(call, "receiver", 0)
            removed: str | None = None
            removed_text: str | None = None
            if handler is not None:
                removed, removed_text, _ = self._handler(handler, scope)
            self.facts.disconnects.append(
                RawDisconnect(
                    signal=self._ref(func.value, scope),
                    line=call.lineno,
                    handler=removed,
                    handler_text=removed_text,
                    sender=self._argument(call, "sender", 1),
                    dispatch_uid=self._literal_or_text(_argument_node(call, "dispatch_uid", 2)),
                    signal_keywords=_has_signal_keywords(call),
                    code=self._code(call.lineno),
                )
            )

    def _visit_decorator(
        self,
        decorator: ast.expr,
        node: ast.FunctionDef | ast.AsyncFunctionDef,
        qualname: str,
        scope: _Scope,
    ) -> None:
        call = decorator if isinstance(decorator, ast.Call) else None
        func = call.func if call is not None else decorator
        if isinstance(func, ast.Attribute) and func.attr == "connect":
            # Celery: ``@task_success.connect``, ``@task_success.connect(sender=..., weak=False)``.
            decorator_ref = None
            signals: list[ast.expr] = [func.value]
            positions: tuple[int | None, int | None, int | None] = (0, 1, 2)
        elif call is not None and (first := _argument_node(call, "signal", 0)) is not None:
            # ``@receiver(sig)``, ``@receiver([a, b])`` or ``@receiver(signal=sig)``.
            decorator_ref = self._ref(func, scope)
            signals = list(first.elts) if isinstance(first, ast.List | ast.Tuple) else [first]
            positions = (None, None, None)
        else:
            return
        sender_at, weak_at, uid_at = positions
        self.facts.receivers.append(
            RawReceiver(
                kind="decorator",
                line=decorator.lineno,
                decorator=decorator_ref,
                signals=tuple(self._ref(s, scope) for s in signals),
                handler=f"{self.module}.{qualname}",
                handler_text=node.name,
                def_line=node.lineno,
                sender=self._argument(call, "sender", sender_at),
                dispatch_uid=self._literal_or_text(_argument_node(call, "dispatch_uid", uid_at)),
                weak=_bool_literal(_argument_node(call, "weak", weak_at)),
                signal_keywords=True,
                excluded=self._has_pragma(decorator.lineno, decorator.end_lineno, node.lineno),
                code=self._code(decorator.lineno),
            )
        )

    # -- names -------------------------------------------------------------------------------

    def _target(self, expr: ast.expr, scope: _Scope) -> str | None:
        """The dotted name ``expr`` stands for in this file, or ``None``."""
        if isinstance(expr, ast.Name):
            return self._lookup(expr.id, scope)
        if isinstance(expr, ast.Attribute):
            base = self._target(expr.value, scope)
            return f"{base}.{expr.attr}" if base else None
        if isinstance(expr, ast.Call):
            # ``Mailer().on_placed``: an instance stands for its class.
            return self._target(expr.func, scope)
        return None

    def _lookup(self, name: str, scope: _Scope) -> str | None:
        current: _Scope | None = scope
        while current is not None:
            if name in {"self", "cls"} and current.self_target and current.kind == "function":
                return current.self_target
            if (current.kind != "class" or current is scope) and name in current.bindings:
                return current.bindings[name]
            current = current.parent
        if name in _BUILTIN_NAMES:
            return None
        # Unknown here: maybe bound by a star import; the resolver looks there.
        return f"{self.module}.{name}"

    def _ref(self, expr: ast.expr, scope: _Scope) -> Ref:
        return Ref(self._target(expr, scope), self._text(expr))

    def _handler(self, expr: ast.expr, scope: _Scope) -> tuple[str | None, str, int | None]:
        """The handler id, its text, and its ``def`` line when defined in this file."""
        text = self._text(expr)
        if isinstance(expr, ast.Lambda):
            qualname = f"{scope.prefix}<lambda>"
            return f"{self.module}.{qualname}", text, expr.lineno
        if isinstance(expr, ast.Call) and expr.args:
            func = self._target(expr.func, scope)
            if func is not None and func.rpartition(".")[2] == "partial":
                return self._handler(expr.args[0], scope)
        target = self._target(expr, scope)
        def_line = None
        if target is not None and target.startswith(self.module + "."):
            def_line = self.facts.functions.get(target[len(self.module) + 1 :])
        return target, text, def_line

    def _has_pragma(self, first: int, last: int | None, def_line: int | None) -> bool:
        """Whether a receiver's lines (or its handler's ``def``) carry the exclusion pragma."""
        if not self.facts.pragma_lines:
            return False
        lines = set(range(first, (last or first) + 1))
        if def_line is not None:
            lines.add(def_line)
        return not lines.isdisjoint(self.facts.pragma_lines)

    # -- text --------------------------------------------------------------------------------

    def _argument(self, call: ast.Call | None, keyword: str, position: int | None) -> str | None:
        node = _argument_node(call, keyword, position) if call is not None else None
        return None if node is None else self._text(node)

    def _literal_or_text(self, node: ast.expr | None) -> str | None:
        if node is None:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        return self._text(node)

    def _code(self, line: int) -> str:
        return self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""

    def _text(self, node: ast.expr) -> str:
        """The source of ``node`` on one line (``ast`` columns are UTF-8 byte offsets)."""
        first, last = node.lineno, node.end_lineno or node.lineno
        end_col = node.end_col_offset if node.end_col_offset is not None else None
        if first == last:
            segment = self._line_bytes(first)[node.col_offset : end_col].decode("utf-8", "replace")
        else:
            parts = [self._line_bytes(first)[node.col_offset :]]
            parts += [self._line_bytes(n) for n in range(first + 1, last)]
            parts.append(self._line_bytes(last)[:end_col])
            segment = b"\n".join(parts).decode("utf-8", "replace")
        segment = " ".join(segment.split())
        return segment if len(segment) <= _MAX_TEXT else segment[: _MAX_TEXT - 3] + "..."

    def _line_bytes(self, line: int) -> bytes:
        encoded = self._encoded.get(line)
        if encoded is None:
            encoded = self.lines[line - 1].encode("utf-8") if 0 < line <= len(self.lines) else b""
            self._encoded[line] = encoded
        return encoded


_BUILTIN_NAMES = frozenset(dir(builtins))


def _looks_like_signal_class(
    func: ast.expr, local_classes: dict[str, list[str]] | None = None
) -> bool:
    """Whether a call's callee may be a signal class (confirmed later by the resolver)."""
    if isinstance(func, ast.Attribute):
        name = func.attr
    elif isinstance(func, ast.Name):
        name = func.id
    else:
        name = ""
    if name.endswith("Signal"):
        return True
    return bool(local_classes) and name in (local_classes or {})


def _argument_node(call: ast.Call | None, keyword: str, position: int | None) -> ast.expr | None:
    if call is None:
        return None
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    if position is not None and position < len(call.args):
        node = call.args[position]
        return None if isinstance(node, ast.Starred) else node
    return None


def _bool_literal(node: ast.expr | None) -> bool | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, bool):
        return node.value
    return None


def _has_signal_keywords(call: ast.Call) -> bool:
    return any(k.arg in _SIGNAL_KEYWORDS for k in call.keywords)


def _child_blocks(stmt: ast.stmt) -> Iterator[list[ast.stmt]]:
    """The statement lists nested directly in a compound statement."""
    for name in ("body", "orelse", "finalbody"):
        block = getattr(stmt, name, None)
        if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
            yield block
    for handler in getattr(stmt, "handlers", ()):
        yield handler.body
    for case in getattr(stmt, "cases", ()):
        yield case.body


def _own_expressions(stmt: ast.stmt) -> Iterable[ast.expr]:
    """The expressions of a statement that are not inside its nested statement lists."""
    for name, value in ast.iter_fields(stmt):
        if name in {"body", "orelse", "finalbody", "handlers", "cases"}:
            continue
        if isinstance(value, ast.expr):
            yield value
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, ast.expr):
                    yield item
                elif isinstance(item, ast.withitem):
                    yield item.context_expr
                elif isinstance(item, ast.keyword):
                    yield item.value
