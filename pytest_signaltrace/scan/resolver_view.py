"""What the scan's helpers ask of the resolver (``resolve.Resolver``): how a dotted name is
resolved, and what is known of a module or a class.

The map builder (``mapbuilder.py``) uses those helpers (the class-attribute candidates, the
look-alikes, the signals made by name), which name this protocol instead of the resolver: they
depend on the answers, not on how the resolver finds them.
"""

from __future__ import annotations

from typing import Protocol

from pytest_signaltrace.model import Framework
from pytest_signaltrace.scan.facts import ModuleFacts


class ResolverView(Protocol):
    """The resolver's answers about names, as :class:`~.resolve.Resolver` gives them."""

    def canonical(self, dotted: str) -> str:
        """The definition a dotted name stands for, following imports and aliases."""
        ...

    def split_module(self, dotted: str) -> tuple[str | None, list[str]]:
        """The longest scanned-module prefix of ``dotted`` and the names after it."""
        ...

    def facts_of(self, module: str) -> ModuleFacts | None:
        """The facts of a scanned module (parsed on demand), or ``None``."""
        ...

    def signal_class_framework(self, dotted: str | None) -> Framework | None:
        """The framework of a signal class (built in, or a project subclass of one)."""
        ...
