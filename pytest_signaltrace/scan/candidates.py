"""Which signals a send site may send when its expression is a class attribute or a default.

Real projects send through class attributes (django-oscar's ``add_signal = basket_addition``
on a view, then ``self.add_signal.send(...)``), set to ``None`` on a base class and to a signal
on subclasses, or to a different signal per subclass; or through a parameter's default
(``def notify(signal=order_placed)``). Such a send is never dropped and never left with no
signal: it gets every signal it may send as candidates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pytest_signaltrace.scan.facts import ModuleFacts, RawSender, Ref
from pytest_signaltrace.scan.resolver_view import ResolverView

#: The signal id of a reference, or ``None`` (``mapbuilder.MapBuilder.signal_id``).
SignalOf = Callable[[Ref], "str | None"]

_MAX_CLASSES = 200


def attribute_owners(all_facts: Iterable[ModuleFacts]) -> set[str]:
    """The classes whose attribute a send site uses (``AddView`` of ``self.add_signal``)."""
    owners = set()
    for facts in all_facts:
        refs = [s.signal for s in facts.senders]
        refs += [ref for r in facts.receivers for ref in r.signals]
        for ref in refs:
            if ref.target is not None and ref.text.startswith(("self.", "cls.")):
                owner = ref.target.split(".")[-2:-1]
                if owner:
                    owners.add(owner[0])
    return owners


class Candidates:
    """Class attributes of every parsed module, and the subclasses of every class."""

    def __init__(self, resolver: ResolverView, all_facts: Iterable[ModuleFacts]) -> None:
        self._resolver = resolver
        self._attributes: dict[str, list[str | None]] = {}
        self._subclasses: dict[str, set[str]] = {}
        self._bases: dict[str, list[str]] = {}
        for facts in all_facts:
            for qualname, values in facts.attributes.items():
                self._attributes.setdefault(f"{facts.module}.{qualname}", []).extend(values)
            for qualname, bases in facts.classes.items():
                owner = f"{facts.module}.{qualname}"
                canonical = [resolver.canonical(base) for base in bases]
                self._bases[owner] = canonical
                for base in canonical:
                    self._subclasses.setdefault(base, set()).add(owner)

    def of_ref(self, ref: Ref, signal_of: SignalOf) -> tuple[str, ...]:
        """The sorted candidate signals of a class attribute reference (``self.sig``)."""
        if ref.target is None:
            return ()
        return tuple(sorted(self._attribute_signals(ref.target, signal_of)))

    def of(
        self, raw: RawSender, signal_of: SignalOf, known: Iterable[str] = ()
    ) -> tuple[tuple[str, ...], bool]:
        """The sorted candidate signals of a send site, and whether a single one is certain.

        ``known`` are the signal ids the scan knows (for the patterns of :mod:`.visitor_maybe`).
        """
        found: set[str] = set()
        certain = True
        for target in raw.candidates:
            certain = False  # a parameter's default: the caller may pass another signal
            for candidate in self._expand(target, known):
                signal = signal_of(Ref(candidate, raw.signal.text))
                if signal is not None:
                    found.add(signal)
        if raw.signal.target is not None:
            found |= self._attribute_signals(raw.signal.target, signal_of)
        return tuple(sorted(found)), certain and len(found) == 1

    def _expand(self, target: str, known: Iterable[str]) -> list[str]:
        """The targets a candidate stands for: ``module.*`` every name of the module, and
        ``*.a.signals.x`` every known signal id ending so (see :mod:`.visitor_maybe`)."""
        if target.startswith("*."):
            tail = target[1:]
            return [s for s in known if s == tail[1:] or s.endswith(tail)]
        if not target.endswith(".*"):
            return [target]
        module = self._resolver.canonical(target[:-2])
        facts = self._resolver.facts_of(module)
        if facts is None:
            return [s for s in known if s.rpartition(".")[0] == module]
        names = sorted({*facts.bindings, *(d.qualname for d in facts.definitions)})
        targets = [f"{module}.{name}" for name in names if "." not in name]
        # ``from django.dispatch import Signal`` binds a signal class, not a signal.
        return [t for t in targets if self._resolver.signal_class_framework(t) is None]

    def _attribute_signals(self, target: str, signal_of: SignalOf) -> set[str]:
        owner, _, attribute = self._resolver.canonical(target).rpartition(".")
        if not owner or not attribute:
            return set()
        classes = [owner, *self._descendants(owner)]
        values: list[str | None] = []
        for cls in classes:
            values += self._attributes.get(f"{cls}.{attribute}", [])
        if f"{owner}.{attribute}" not in self._attributes:
            values += self._inherited(owner, attribute)
        signals = set()
        for value in values:
            if value is not None:
                signal = signal_of(Ref(value, value))
                if signal is not None:
                    signals.add(signal)
        return signals

    def _descendants(self, owner: str) -> list[str]:
        found: list[str] = []
        pending = [owner]
        while pending and len(found) < _MAX_CLASSES:
            for sub in sorted(self._subclasses.get(pending.pop(), ())):
                if sub not in found and sub != owner:
                    found.append(sub)
                    pending.append(sub)
        return found

    def _inherited(self, owner: str, attribute: str) -> list[str | None]:
        """The attribute's values on the nearest base class that sets it."""
        pending = list(self._bases.get(owner, []))
        seen: set[str] = set()
        while pending and len(seen) < _MAX_CLASSES:
            base = pending.pop(0)
            if base in seen:
                continue
            seen.add(base)
            values = self._attributes.get(f"{base}.{attribute}")
            if values is not None:
                return values
            pending += self._bases.get(base, [])
        return []
