"""Small helpers over :mod:`ast` nodes, each the twin of one in :mod:`.cst` (libcst's nodes).

The :mod:`ast` extractor must find the same things in the same order as the libcst one, so
:func:`walk` visits an expression's nodes in libcst's order (source order, where :mod:`ast`
keeps a call's keywords or a dict's keys apart), and :func:`child_blocks` and
:func:`header_expressions` give a compound statement's parts in the order :mod:`.cst` does.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence

from pytest_signaltrace.scan import shapes
from pytest_signaltrace.scan.import_lines import Import

#: An argument of a call as libcst has it: ``(keyword, value, star)``, ``star`` being ``""``,
#: ``"*"`` or ``"**"``.
Arg = tuple[str | None, ast.expr, str]
_COMPOUND_HEADERS = ("test", "iter", "target", "subject", "type", "guard")


def walk(node: ast.AST) -> Iterator[ast.AST]:
    """``node`` and its nodes, in libcst's order (see :func:`.cst.walk`)."""
    pending: list[ast.AST] = [node]
    while pending:
        current = pending.pop()
        yield current
        pending.extend(reversed(_children(current)))


def _children(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.Call):
        return [node.func, *(value for _, value, _ in args(node))]
    if isinstance(node, ast.Dict):
        found: list[ast.AST] = []
        for key, value in zip(node.keys, node.values, strict=True):
            if key is not None:
                found.append(key)
            found.append(value)
        return found
    if isinstance(node, ast.arguments):
        return _parameter_defaults(node)
    if isinstance(node, ast.expr_context | ast.operator | ast.cmpop | ast.unaryop | ast.boolop):
        return []
    return list(ast.iter_child_nodes(node))


def _parameter_defaults(params: ast.arguments) -> list[ast.AST]:
    """Defaults in libcst's order of parameters: plain, ``*``, keyword-only, ``**``, then
    positional-only."""
    every = [*params.posonlyargs, *params.args]
    defaults: list[ast.expr | None] = [None] * (len(every) - len(params.defaults))
    defaults.extend(params.defaults)
    posonly = defaults[: len(params.posonlyargs)]
    plain = defaults[len(params.posonlyargs) :]
    ordered = [*plain, *params.kw_defaults, *posonly]
    return [d for d in ordered if d is not None]


def args(call: ast.Call) -> list[Arg]:
    """A call's arguments in source order, as libcst lists them."""
    found: list[tuple[tuple[int, int], Arg]] = []
    for arg in call.args:
        if isinstance(arg, ast.Starred):
            found.append(((arg.lineno, arg.col_offset), (None, arg.value, "*")))
        else:
            found.append(((arg.lineno, arg.col_offset), (None, arg, "")))
    for keyword in call.keywords:
        star = "" if keyword.arg is not None else "**"
        found.append(((keyword.lineno, keyword.col_offset), (keyword.arg, keyword.value, star)))
    if call.keywords and call.args:
        found.sort(key=lambda item: item[0])
    return [arg for _, arg in found]


def positional(call: ast.Call) -> list[Arg]:
    """The positional arguments of a call (``*args`` included, to keep positions honest)."""
    return [a for a in args(call) if a[0] is None and a[2] != "**"]


def argument(call: ast.Call | None, keyword: str, position: int | None) -> ast.expr | None:
    """The value given for ``keyword``, or at ``position``; ``None`` when not given plainly."""
    if call is None:
        return None
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    if position is not None:
        given = positional(call)
        if position < len(given):
            return None if given[position][2] else given[position][1]
    return None


def keywords(call: ast.Call) -> set[str]:
    """The keyword names a call passes."""
    return {kw.arg for kw in call.keywords if kw.arg is not None}


def string_value(node: ast.AST | None) -> str | None:
    """The value of a plain string literal, else ``None``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def bool_value(node: ast.AST | None) -> bool | None:
    """``True``/``False`` for those literals, else ``None``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, bool):
        return node.value
    return None


def elements(node: ast.expr) -> Sequence[ast.expr]:
    """The items of a list or tuple literal, else the node itself."""
    if isinstance(node, ast.List | ast.Tuple):
        return [e for e in node.elts if not isinstance(e, ast.Starred)]
    return [node]


def name_of(node: ast.AST) -> str | None:
    """``a.b.c`` for a name or a chain of attributes, else ``None``."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def import_of(stmt: ast.Import | ast.ImportFrom) -> Import:
    """A parsed import statement as :mod:`.import_lines` reads one from its text."""
    if isinstance(stmt, ast.Import):
        return Import(None, 0, tuple((a.name, a.asname) for a in stmt.names))
    module = stmt.module or ""
    if len(stmt.names) == 1 and stmt.names[0].name == "*":
        return Import(module, stmt.level or 0, (), star=True)
    return Import(module, stmt.level or 0, tuple((a.name, a.asname) for a in stmt.names))


def child_blocks(stmt: ast.stmt, elif_: object) -> Iterator[list[ast.stmt]]:
    """The statement lists nested directly in a compound statement, in :func:`.cst.child_blocks`'
    order (body, then ``else``, handlers, ``finally``, cases; an ``elif`` is followed like
    libcst's nested ``If``). ``elif_(node)`` tells an ``elif`` from ``else: if``."""
    pending: list[ast.AST] = [stmt]
    while pending:
        node = pending.pop(0)
        if isinstance(node, _Block):
            yield node.body
            continue
        body = getattr(node, "body", None)
        if isinstance(body, list):
            yield body
        orelse = getattr(node, "orelse", None)
        if orelse:
            if (
                isinstance(node, ast.If)
                and len(orelse) == 1
                and isinstance(orelse[0], ast.If)
                and elif_(orelse[0])  # type: ignore[operator]
            ):
                pending.append(orelse[0])
            else:
                pending.append(_Block(orelse))
        pending.extend(getattr(node, "handlers", ()))
        final = getattr(node, "finalbody", None)
        if final:
            pending.append(_Block(final))
        pending.extend(getattr(node, "cases", ()))


class _Block(ast.AST):
    """An ``else:`` or ``finally:`` block, which :mod:`ast` keeps as a bare list."""

    def __init__(self, body: list[ast.stmt]) -> None:
        super().__init__()
        self.body = body


def header_expressions(stmt: ast.stmt, elif_: object) -> list[ast.AST]:
    """The expressions in a compound statement's headers, as :func:`.cst.header_expressions`."""
    found: list[ast.AST] = []
    pending: list[ast.AST] = [stmt]
    while pending:
        node = pending.pop(0)
        for name in _COMPOUND_HEADERS:
            value = getattr(node, name, None)
            if isinstance(value, ast.AST):
                found.append(value)
        for item in getattr(node, "items", ()):
            found.append(item.context_expr)
        orelse = getattr(node, "orelse", None)
        if (
            isinstance(node, ast.If)
            and orelse
            and len(orelse) == 1
            and isinstance(orelse[0], ast.If)
            and elif_(orelse[0])  # type: ignore[operator]
        ):
            pending.append(orelse[0])
        pending.extend(getattr(node, "handlers", ()))
    return found


def send_method(value: ast.AST) -> str | None:
    """``send`` for ``x.send`` (or ``x.send if x.receivers else None``), else ``None``."""
    if isinstance(value, ast.IfExp):
        value = value.body
    if isinstance(value, ast.Attribute) and value.attr in shapes.current().send_methods:
        return value.attr
    return None
