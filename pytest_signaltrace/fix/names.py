"""What the names of one file stand for, as far as ``fix`` needs: the module a relative import
names, the signal each element of ``@receiver([a, b])`` is.

The scan records one receiver per signal of a list, all on the decorator's line; to drop only
the dead ones, ``fix`` must tell which element is which. It does so from the file's own imports
and, failing that, from the element's text being the tail of exactly one of the line's signal
ids; an element it cannot tie to exactly one signal leaves the whole decorator alone.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

import libcst as cst


def module_of(root: Path, relpath: str) -> str:
    """The dotted module name of ``relpath`` (under ``root``), from its package folders (those
    with an ``__init__.py``); ``""`` for a file outside any package that is not a module."""
    parts = relpath.split("/")
    name = parts[-1].removesuffix(".py")
    names = [] if name == "__init__" else [name]
    folder = root.joinpath(*parts[:-1])
    for part in reversed(parts[:-1]):
        if not (folder / "__init__.py").is_file():
            break
        names.insert(0, part)
        folder = folder.parent
    return ".".join(names)


def package_for(module: str, relpath: str, tree: cst.Module) -> str:
    """The package name relative imports of ``tree`` resolve against: the real one when it is
    deep enough for every ``from .`` in the file, else a stand-in of the depth needed (the names
    are only compared within the file: never written)."""
    real = (
        module
        if relpath.endswith("/__init__.py") or relpath == "__init__.py"
        else (module.rpartition(".")[0])
    )
    deepest = max((len(node.relative) for node in _import_froms(tree)), default=0)
    if deepest and (not real or real.count(".") + 1 < deepest):
        return ".".join(f"_p{i}" for i in range(deepest))
    return real


def aliases(tree: cst.Module, package: str) -> dict[str, str]:
    """Module-level import aliases: local name -> the absolute dotted name it stands for."""
    found: dict[str, str] = {}
    for statement in tree.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    full = _dotted(alias.name) or ""
                    if alias.asname is not None:
                        found[_dotted(alias.asname.name) or ""] = full
                    else:
                        head = full.split(".", 1)[0]
                        found[head] = head
            elif isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                base = _absolute(small, package)
                if base is None:
                    continue
                for alias in small.names:
                    name = _dotted(alias.name) or ""
                    local = _dotted(alias.asname.name) if alias.asname is not None else name
                    found[local or name] = f"{base}.{name}" if base else name
    return found


def match_elements(
    elements: Sequence[cst.BaseExpression],
    signals: Collection[str],
    names: Mapping[str, str],
    module: str,
) -> list[str] | None:
    """The signal id of each element, or ``None`` when one cannot be tied to exactly one of
    ``signals``."""
    matched: list[str] = []
    for element in elements:
        text = _dotted(element)
        if text is None:
            return None
        head, _, rest = text.partition(".")
        full = names.get(head, f"{module}.{head}" if module else head)
        if rest:
            full = f"{full}.{rest}"
        if full in signals:
            matched.append(full)
            continue
        tails = [s for s in signals if s == text or s.endswith("." + text)]
        if len(tails) != 1:
            return None
        matched.append(tails[0])
    return matched


def _dotted(node: cst.BaseExpression | cst.BaseAssignTargetExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None


def _absolute(node: cst.ImportFrom, package: str) -> str | None:
    module = _dotted(node.module) if node.module is not None else ""
    if module is None:
        return None
    level = len(node.relative)
    if not level:
        return module
    parts = package.split(".") if package else []
    if level - 1 > len(parts):
        return None
    base = parts[: len(parts) - (level - 1)]
    return ".".join([*base, module] if module else base)


def _import_froms(tree: cst.Module) -> list[cst.ImportFrom]:
    found: list[cst.ImportFrom] = []

    class _Gather(cst.CSTVisitor):
        def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
            found.append(node)

    tree.visit(_Gather())
    return found
