"""Static cascades: a send site inside a receiver's body, or inside a function of the same module
that the receiver calls directly, is an edge receiver -> signal.

Found from the static map (its receivers' ``def`` lines and its resolved send sites), reading only
the files that hold both a receiver's ``def`` and a send site, with the standard ``ast`` (a
receiver's span and its direct calls: ``helper(...)``, ``self.helper(...)``, ``cls.helper(...)``).
Nothing is imported. Test code is left out: its receivers are not the project's.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from pytest_signaltrace.model import Receiver, Sender, StaticMap
from pytest_signaltrace.record import Record

#: Files larger than this are not read for cascades (a generated module).
MAX_BYTES = 2_000_000


class StaticEdge(Record, ordered=True):
    """``handler`` sends ``signal`` from ``path:line``, in its body or through ``via``."""

    handler: str
    signal: str
    path: str
    line: int
    #: The function of the same module it calls, when the send is not in its own body.
    via: str = ""


def static_edges(static: StaticMap, rootdir: Path) -> list[StaticEdge]:
    """Every static cascade edge of ``static`` (paths relative to ``rootdir``), sorted."""
    senders: dict[str, list[Sender]] = defaultdict(list)
    for sender in static.senders:
        if not sender.test_only and (sender.signal or sender.signal_candidates):
            senders[sender.path].append(sender)
    receivers: dict[str, list[Receiver]] = defaultdict(list)
    for receiver in static.receivers:
        where = receiver.def_path or receiver.path
        if receiver.def_line is not None and not receiver.test_only and where in senders:
            receivers[where].append(receiver)
    found: set[StaticEdge] = set()
    for path, declared in sorted(receivers.items()):
        tree = _parse(rootdir / path)
        if tree is not None:
            found.update(_file_edges(path, tree, declared, senders[path]))
    return sorted(found)


def _parse(path: Path) -> ast.Module | None:
    try:
        if path.stat().st_size > MAX_BYTES:
            return None
        return ast.parse(path.read_bytes(), str(path))
    except (OSError, SyntaxError, ValueError, RecursionError):
        return None


_Function = ast.FunctionDef | ast.AsyncFunctionDef


def _file_edges(
    path: str, tree: ast.Module, receivers: Iterable[Receiver], senders: list[Sender]
) -> Iterable[StaticEdge]:
    by_line: dict[int, _Function] = {}
    module_functions: dict[str, _Function] = {}
    methods: dict[_Function, dict[str, _Function]] = {}
    for node in tree.body:
        if isinstance(node, _Function):
            module_functions[node.name] = node
        elif isinstance(node, ast.ClassDef):
            members = {n.name: n for n in node.body if isinstance(n, _Function)}
            for member in members.values():
                methods[member] = members
    for inner in ast.walk(tree):
        if isinstance(inner, _Function):
            by_line[inner.lineno] = inner
            for decorator in inner.decorator_list:
                by_line.setdefault(decorator.lineno, inner)
    for receiver in receivers:
        function = by_line.get(receiver.def_line or 0)
        if function is None:
            continue
        for sender in _inside(function, senders):
            yield from _edges(receiver.handler, sender, path, "")
        for name, callee in _direct_callees(function, module_functions, methods.get(function)):
            if callee is function:
                continue
            for sender in _inside(callee, senders):
                yield from _edges(receiver.handler, sender, path, name)


def _edges(handler: str, sender: Sender, path: str, via: str) -> Iterable[StaticEdge]:
    signals = (sender.signal,) if sender.signal else sender.signal_candidates
    for signal in signals:
        yield StaticEdge(handler, signal, path, sender.line, via)


def _inside(function: _Function, senders: list[Sender]) -> list[Sender]:
    end = function.end_lineno or function.lineno
    return [s for s in senders if function.lineno <= s.line <= end]


def _direct_callees(
    function: _Function,
    module_functions: dict[str, _Function],
    siblings: dict[str, _Function] | None,
) -> list[tuple[str, _Function]]:
    """The functions of the same module ``function`` calls by name (``helper()``), and the
    methods of its class it calls on ``self`` or ``cls``."""
    found: dict[str, _Function] = {}
    for node in ast.walk(function):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in module_functions:
            found.setdefault(func.id, module_functions[func.id])
        elif (
            siblings is not None
            and isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id in ("self", "cls")
            and func.attr in siblings
        ):
            found.setdefault(func.attr, siblings[func.attr])
    return sorted(found.items(), key=lambda item: item[0])
