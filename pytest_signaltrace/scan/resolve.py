"""Resolve dotted names across the scanned modules (the map's records are built by
:mod:`.mapbuilder`).

A dotted target written in one file (``shop.events.placed``) is followed through the bindings
of the modules it names (``shop.events`` has ``placed = shop.signals.order_placed``) until it
reaches a definition, a built-in signal, or something outside the scanned source.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pytest_signaltrace.model import Framework
from pytest_signaltrace.scan import catalogue
from pytest_signaltrace.scan.facts import ModuleFacts

#: Gives the facts of a project module (parsing it on demand), or ``None`` when unknown.
FactsLookup = Callable[[str], ModuleFacts | None]

_MAX_HOPS = 25


class Resolver:
    """Follows dotted names through the scanned modules' bindings."""

    def __init__(self, modules: Iterable[str], facts_of: FactsLookup) -> None:
        self._modules = frozenset(modules)
        self._facts_of = facts_of
        self._memo: dict[str, str] = {}
        self._signal_classes: dict[str, Framework | None] = {}

    def facts_of(self, module: str) -> ModuleFacts | None:
        """The facts of a scanned module (parsed on demand), or ``None``."""
        return self._facts_of(module)

    def is_project_module(self, name: str) -> bool:
        """Whether ``name`` is a module in the scanned source."""
        return name in self._modules

    def split_module(self, dotted: str) -> tuple[str | None, list[str]]:
        """The longest scanned-module prefix of ``dotted`` and the names after it."""
        parts = dotted.split(".")
        for cut in range(len(parts), 0, -1):
            module = ".".join(parts[:cut])
            if module in self._modules:
                return module, parts[cut:]
        return None, parts

    def canonical(self, dotted: str) -> str:
        """The definition a dotted name stands for, following imports and aliases."""
        found = self._memo.get(dotted)
        if found is None:
            found = self._follow(dotted, 0)
            self._memo[dotted] = found
        return found

    def _follow(self, dotted: str, hops: int) -> str:
        dotted = catalogue.canonical_builtin(dotted)
        if hops > _MAX_HOPS:
            return dotted
        module, rest = self.split_module(dotted)
        if module is None or not rest:
            return dotted
        facts = self._facts_of(module)
        if facts is None:
            return dotted
        head, tail = rest[0], rest[1:]
        bound = facts.bindings.get(head)
        if bound is not None:
            return self._follow(".".join([bound, *tail]), hops + 1)
        if head not in facts.functions and not _defines(facts, head):
            for star in facts.star_imports:
                candidate = self._follow(".".join([star, *rest]), hops + 1)
                if candidate != ".".join([star, *rest]) or self._known_elsewhere(candidate):
                    return candidate
        if len(rest) > 1:
            return self._inherited(facts, rest, hops) or dotted
        return dotted

    def _inherited(self, facts: ModuleFacts, rest: list[str], hops: int) -> str | None:
        """``Child.ready`` (``self.ready`` in a method) when a base class defines ``ready``."""
        owner, attribute = ".".join(rest[:-1]), rest[-1]
        qualname = ".".join(rest)
        if owner not in facts.classes or qualname in facts.functions or _defines(facts, qualname):
            return None
        for base in facts.classes[owner]:
            candidate = self._follow(f"{base}.{attribute}", hops + 1)
            if self._is_defined(candidate):
                return candidate
        return None

    def _is_defined(self, dotted: str) -> bool:
        """Whether ``dotted`` is a signal or function defined in the scanned source, or built in."""
        module, rest = self.split_module(dotted)
        if module is None:
            return dotted in catalogue.builtin_signals()
        facts = self._facts_of(module)
        qualname = ".".join(rest)
        return facts is not None and (qualname in facts.functions or _defines(facts, qualname))

    def _known_elsewhere(self, dotted: str) -> bool:
        module, rest = self.split_module(dotted)
        if module is None:
            return dotted in catalogue.builtin_signals()
        facts = self._facts_of(module)
        return (
            facts is not None
            and bool(rest)
            and (rest[0] in facts.functions or _defines(facts, rest[0]))
        )

    def signal_class_framework(self, dotted: str | None, _depth: int = 0) -> Framework | None:
        """The framework of a signal class (built in, or a project subclass of one)."""
        if dotted is None or _depth > 10:
            return None
        canonical = self.canonical(dotted)
        if canonical in self._signal_classes:
            return self._signal_classes[canonical]
        framework = catalogue.signal_classes().get(canonical)
        if framework is None:
            module, rest = self.split_module(canonical)
            facts = self._facts_of(module) if module else None
            if facts is not None:
                for base in facts.classes.get(".".join(rest), []):
                    framework = self.signal_class_framework(base, _depth + 1)
                    if framework:
                        break
        self._signal_classes[canonical] = framework
        return framework


def _defines(facts: ModuleFacts, name: str) -> bool:
    return any(d.qualname == name for d in facts.definitions)
