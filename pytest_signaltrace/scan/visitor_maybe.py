"""What a send site's object may be when the file does not say exactly (issue 22, item 26).

``gift_wrapped = get_class("gifts.signals", "gift_wrapped")`` (a project's class-loading helper),
``getattr(signals, kind)``: the scan cannot name the signal, but it can name the candidates, so
that only the verdicts of those signals become "possibly". Candidates are dotted targets,
resolved later like any other, plus two patterns :class:`~.candidates.Candidates` expands:
``module.*`` (every signal of a module, for ``getattr(module, name)``) and ``*.a.signals.x``
(any signal whose id ends with ``a.signals.x``: helpers name modules by app label).

A literal dict of signals (``SIGNALS[kind].send()``) is left to the fallback, any signal: the
cut of :mod:`.prune` leaves such statements out, and keeping them all would cost more than the
precision is worth.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from pytest_signaltrace.scan import cst as nodes
from pytest_signaltrace.scan.facts import Ref
from pytest_signaltrace.scan.visitor_defs import DefinitionsMixin

if TYPE_CHECKING:
    from pytest_signaltrace.scan.scope import Scope


class MaybeMixin(DefinitionsMixin):
    """Notes what names may hold, and gives a send site's candidates."""

    def note_maybe(self, name: str, value: cst.BaseExpression, scope: Scope) -> None:
        """Remember what ``name = value`` may hold, when only candidates are known."""
        scope.maybe.pop(name, None)
        found = self.maybe_targets(value, scope)
        if found:
            scope.maybe[name] = found

    def maybe_targets(self, expr: cst.BaseExpression, scope: Scope) -> tuple[str, ...]:
        """The candidate targets of an expression the file cannot name exactly, or ``()``."""
        if isinstance(expr, cst.Name):
            owner = self.binding_scope(expr.value, scope)
            if owner is None:
                return ()
            default = owner.defaults.get(expr.value)
            return (default,) if default is not None else owner.maybe.get(expr.value, ())
        if not isinstance(expr, cst.Call):
            return ()
        args = nodes.positional(expr)
        if self._is_getattr(expr.func, scope) and args:
            holder = self.target(args[0].value, scope)
            name = nodes.string_value(nodes.argument(expr, "name", 1))
            if holder is None:
                return ()
            return (f"{holder}.{name}",) if name else (f"{holder}.*",)
        strings = [nodes.string_value(a.value) for a in args]
        if strings and all(strings) and len(args) <= 3:
            dotted = ".".join(s.strip(".") for s in strings if s)
            if "." in dotted and all(part.isidentifier() for part in dotted.split(".")):
                return (f"*.{dotted}",)  # ``get_class("gifts.signals", "gift_wrapped")``
        return ()

    def send_object(self, expr: cst.BaseExpression, scope: Scope) -> tuple[Ref, tuple[str, ...]]:
        """The reference and the candidates of a send site's object (``x`` of ``x.send()``).

        ``getattr(mod, "name")`` with a literal name is ``mod.name`` itself.
        """
        if isinstance(expr, cst.Call) and self._is_getattr(expr.func, scope):
            args = nodes.positional(expr)
            name = nodes.string_value(nodes.argument(expr, "name", 1))
            owner = self.target(args[0].value, scope) if args else None
            if owner is not None and name is not None and name.isidentifier():
                return Ref(f"{owner}.{name}", self.text(expr)), ()
        return self.ref(expr, scope), self.maybe_targets(expr, scope)

    def _is_getattr(self, func: cst.BaseExpression, scope: Scope) -> bool:
        return (
            isinstance(func, cst.Name)
            and func.value == "getattr"
            and self.binding_scope("getattr", scope) is None
        )
