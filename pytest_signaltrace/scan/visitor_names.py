"""What both fact extractors share, whatever parser read the file: names bound and looked up
in a file's scopes, imports, pragmas and source lines.

The libcst extractor (:mod:`.visitor`) and the :mod:`ast` one (:mod:`.ast_visitor`) differ only
in the nodes they walk; everything here works on names and lines, so it is written once.
"""

from __future__ import annotations

import builtins

from pytest_signaltrace.scan.facts import ModuleFacts
from pytest_signaltrace.scan.import_lines import Import
from pytest_signaltrace.scan.scope import Scope

_BUILTIN_NAMES = frozenset(dir(builtins))


class NamesMixin:
    """Scopes, imports and lines of the file being walked (set up by the extractor)."""

    facts: ModuleFacts
    module: str
    package: str
    lines: list[str]

    def _prebind(self, scope: Scope) -> None:
        """Bind the ``def``/``class`` names of a scope that the cut left out of the text."""
        for qualname in self.facts.functions:
            rest = qualname[len(scope.prefix) :] if qualname.startswith(scope.prefix) else None
            if rest and "." not in rest:
                scope.bindings[rest] = f"{self.module}.{qualname}"

    def _module_bindings(self, scope: Scope) -> dict[str, str]:
        """The module scope's bindings worth keeping: those naming something else."""
        return {
            name: target
            for name, target in scope.bindings.items()
            if target is not None and target != f"{self.module}.{name}"
        }

    def _bind_import(self, imported: Import, scope: Scope) -> None:
        """Bind the names of one import statement (parsed, or read from its text)."""
        if imported.module is None:  # ``import a.b`` binds ``a``; ``import a.b as c``, ``c``
            for dotted, alias in imported.names:
                if alias is not None:
                    scope.bindings[alias] = dotted
                else:
                    head = dotted.partition(".")[0]
                    scope.bindings[head] = head
            return
        base = self._import_base(imported.level, imported.module)
        if imported.star:
            if scope.kind == "module":
                self.facts.star_imports.append(base)
            return
        for name, alias in imported.names:
            scope.bindings[alias or name] = f"{base}.{name}" if base else name

    def _import_base(self, level: int, module: str) -> str:
        if not level:
            return module
        package = self.package
        for _ in range(level - 1):
            package = package.rpartition(".")[0]
        if module:
            return f"{package}.{module}" if package else module
        return package

    def _lookup(self, name: str, scope: Scope) -> str | None:
        current: Scope | None = scope
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

    def binding_scope(self, name: str, scope: Scope) -> Scope | None:
        """The scope whose binding of ``name`` a lookup from ``scope`` finds."""
        current: Scope | None = scope
        while current is not None:
            if (current.kind != "class" or current is scope) and name in current.bindings:
                return current
            current = current.parent
        return None

    def _made_handler(self, factory: str | None) -> str | None:
        """``make_handler.<locals>.handler``: the one function a factory of this file defines
        inside it (the handler ``make_handler(...)`` returns, as the trace names it), else
        ``None``."""
        if factory is None or not factory.startswith(self.module + "."):
            return None
        prefix = factory[len(self.module) + 1 :] + ".<locals>."
        inner = [
            name
            for name in self.facts.functions
            if name.startswith(prefix) and "." not in name[len(prefix) :]
        ]
        return inner[0] if len(inner) == 1 else None

    def _defined_inside(self, target: str | None, scope: Scope) -> bool:
        """Whether ``target`` is a function or class defined inside the function ``scope``."""
        if target is None or not target.startswith(f"{self.module}.{scope.prefix}"):
            return False
        return target[len(self.module) + 1 :] in self.facts.functions

    def has_pragma(self, first: int, last: int, def_line: int | None) -> bool:
        """Whether a receiver's lines (or its handler's ``def``) carry the exclusion pragma."""
        if not self.facts.pragma_lines:
            return False
        lines = set(range(first, last + 1))
        if def_line is not None:
            lines.add(def_line)
        return not lines.isdisjoint(self.facts.pragma_lines)

    def code(self, line: int) -> str:
        """The file's line ``line``, stripped."""
        return self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""
