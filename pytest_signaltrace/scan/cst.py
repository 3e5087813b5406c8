"""Small helpers over libcst nodes: walking without recursion, arguments, literals, text."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from typing import cast

import libcst as cst

from pytest_signaltrace.scan import shapes
from pytest_signaltrace.scan.import_lines import Import

#: Fields that hold whitespace or punctuation: never a call to find. (``body`` and ``orelse``
#: are walked: in a lambda or a conditional expression they are expressions.)
_SKIP = frozenset(
    {
        "whitespace_before", "whitespace_after", "whitespace_after_func",
        "whitespace_before_args", "whitespace_after_star", "whitespace_after_arg", "lpar",
        "rpar", "comma", "dot", "equal", "colon", "semicolon", "operator", "header", "footer",
        "leading_lines", "lines_after_decorators", "trailing_whitespace", "lbracket",
        "rbracket", "lbrace", "rbrace",
        "whitespace_before_colon", "whitespace_after_colon", "whitespace_after_lambda",
        "whitespace_before_from", "whitespace_after_from", "whitespace_before_in",
        "whitespace_after_in", "whitespace_before_indicator", "whitespace_after_indicator",
    }
)  # fmt: skip
_FIELDS: dict[type, tuple[str, ...]] = {}
_MAX_TEXT = 160


def _fields(kind: type) -> tuple[str, ...]:
    names = _FIELDS.get(kind)
    if names is None:
        names = tuple(f.name for f in dataclasses.fields(kind) if f.name not in _SKIP)
        _FIELDS[kind] = names
    return names


def walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """``node`` and the nodes of its expressions, not entering nested statement blocks."""
    pending: list[cst.CSTNode] = [node]
    while pending:
        current = pending.pop()
        yield current
        children: list[cst.CSTNode] = []
        for name in _fields(type(current)):
            value = getattr(current, name)
            if isinstance(value, cst.BaseSuite):
                continue  # a nested statement block: the visitor walks it statement by statement
            if isinstance(value, cst.CSTNode):
                children.append(value)
            elif isinstance(value, (tuple, list)):
                children.extend(v for v in value if isinstance(v, cst.CSTNode))
        pending.extend(reversed(children))


def leftmost(node: cst.CSTNode) -> cst.CSTNode:
    """The first atom of an expression (``a`` of ``a.b(c).d``): where ``ast`` says it starts."""
    while True:
        if isinstance(node, cst.Attribute | cst.Subscript):
            node = node.value
        elif isinstance(node, cst.Call):
            node = node.func
        elif isinstance(node, cst.Decorator):
            node = node.decorator
        else:
            return node


def positional(call: cst.Call) -> list[cst.Arg]:
    """The positional arguments of a call (``*args`` included, to keep positions honest)."""
    return [a for a in call.args if a.keyword is None and a.star != "**"]


def argument(
    call: cst.Call | None, keyword: str, position: int | None
) -> cst.BaseExpression | None:
    """The value given for ``keyword``, or at ``position``; ``None`` when not given plainly."""
    if call is None:
        return None
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    if position is not None:
        args = positional(call)
        if position < len(args):
            return None if args[position].star else args[position].value
    return None


def keywords(call: cst.Call) -> set[str]:
    """The keyword names a call passes."""
    return {arg.keyword.value for arg in call.args if arg.keyword is not None}


def string_value(node: cst.BaseExpression | None) -> str | None:
    """The value of a plain string literal, else ``None``."""
    if isinstance(node, cst.SimpleString | cst.ConcatenatedString):
        try:
            value = node.evaluated_value
        except Exception:  # an f-string part or an odd escape: not a plain literal
            return None
        return value if isinstance(value, str) else None
    return None


def bool_value(node: cst.BaseExpression | None) -> bool | None:
    """``True``/``False`` for those literals, else ``None``."""
    if isinstance(node, cst.Name) and node.value in {"True", "False"}:
        return node.value == "True"
    return None


def elements(node: cst.BaseExpression) -> Sequence[cst.BaseExpression]:
    """The items of a list or tuple literal, else the node itself."""
    if isinstance(node, cst.List | cst.Tuple):
        return [e.value for e in node.elements if isinstance(e, cst.Element)]
    return [node]


def name_of(node: cst.CSTNode) -> str | None:
    """``a.b.c`` for a name or a chain of attributes, else ``None``."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


def import_of(stmt: cst.Import | cst.ImportFrom) -> Import:
    """A parsed import statement as :mod:`.import_lines` reads one from its text."""
    if isinstance(stmt, cst.Import):
        return Import(None, 0, tuple((name_of(a.name) or "", _alias(a)) for a in stmt.names))
    module = (name_of(stmt.module) if stmt.module is not None else None) or ""
    if isinstance(stmt.names, cst.ImportStar):
        return Import(module, len(stmt.relative), (), star=True)
    names = tuple((name_of(a.name) or "", _alias(a)) for a in stmt.names)
    return Import(module, len(stmt.relative), names)


def _alias(alias: cst.ImportAlias) -> str | None:
    asname = alias.asname.name if alias.asname is not None else None
    return asname.value if isinstance(asname, cst.Name) else None


def text(module: cst.Module, node: cst.CSTNode) -> str:
    """The source of ``node`` on one line, shortened."""
    segment = " ".join(module.code_for_node(node).split())
    return segment if len(segment) <= _MAX_TEXT else segment[: _MAX_TEXT - 3] + "..."


def child_blocks(stmt: cst.CSTNode) -> Iterator[Sequence[cst.BaseStatement]]:
    """The statement lists nested directly in a compound statement."""
    pending: list[cst.CSTNode | None] = [stmt]
    while pending:
        node = pending.pop(0)
        if node is None:
            continue
        body = getattr(node, "body", None)
        if isinstance(body, cst.IndentedBlock):
            yield body.body
        elif isinstance(body, cst.SimpleStatementSuite):
            yield [cst.SimpleStatementLine(body=body.body)]
        orelse = getattr(node, "orelse", None)
        if orelse is not None:
            pending.append(orelse)
        for handler in getattr(node, "handlers", ()):
            pending.append(handler)
        final = getattr(node, "finalbody", None)
        if final is not None:
            pending.append(final)
        for case in getattr(node, "cases", ()):
            pending.append(case)


def send_method(value: cst.BaseExpression) -> str | None:
    """``send`` for ``x.send`` (or ``x.send if x.receivers else None``), else ``None``."""
    if isinstance(value, cst.IfExp):
        value = value.body
    if isinstance(value, cst.Attribute) and value.attr.value in shapes.current().send_methods:
        return value.attr.value
    return None


def body(node: cst.FunctionDef | cst.ClassDef) -> Sequence[cst.BaseStatement]:
    body = node.body
    if isinstance(body, cst.IndentedBlock):
        return body.body
    return [cst.SimpleStatementLine(body=cast(cst.SimpleStatementSuite, body).body)]


def header_expressions(stmt: cst.BaseStatement) -> list[cst.CSTNode]:
    """The expressions in a compound statement's headers (``if`` tests, ``with`` items ...)."""
    found: list[cst.CSTNode] = []
    pending: list[cst.CSTNode | None] = [stmt]
    while pending:
        node = pending.pop(0)
        if node is None:
            continue
        for name in ("test", "iter", "target", "subject", "type", "guard"):
            value = getattr(node, name, None)
            if isinstance(value, cst.CSTNode):
                found.append(value)
        for item in getattr(node, "items", ()):
            found.append(item.item)
        orelse = getattr(node, "orelse", None)
        if isinstance(orelse, cst.If):
            pending.append(orelse)
        pending.extend(getattr(node, "handlers", ()))
    return found
