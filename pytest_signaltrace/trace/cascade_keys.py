"""The keys of a trace's cascade rows: a receiver that sent a signal while it ran, and the
deepest chains of such sends (see :mod:`.cascade`)."""

# No ``from __future__ import annotations``: NamedTuple and TypedDict compile each string
# annotation (a ForwardRef) when the class is made, at every import.

from collections.abc import Iterable, Mapping
from typing import NamedTuple

from pytest_signaltrace.trace.keys import HandlerRef, SignalRef

#: How many distinct deepest chains a trace keeps (the least in sort order win).
CHAINS_KEPT = 5


class CascadeKey(NamedTuple):
    """``handler``, running as a receiver of ``under`` (which ``parent`` sent, ``None`` when
    nothing did), sent ``signal`` (directly or through calls).

    ``under`` and ``parent`` keep chains apart that a signal alone would join: a ``post_save``
    receiver of one model that saves another sends ``post_save`` again, yet only the receivers
    of the second model run for it; a loop is a chain of these, not of signals.
    """

    handler: HandlerRef
    signal: SignalRef
    under: SignalRef | None = None
    parent: HandlerRef | None = None


class ChainKey(NamedTuple):
    """A chain of nested sends: ``signals[0]`` ran ``handlers[0]``, which sent ``signals[1]``,
    and so on; one more signal than handlers. Its depth is the number of handlers."""

    signals: tuple[SignalRef, ...]
    handlers: tuple[HandlerRef, ...]

    @property
    def depth(self) -> int:
        """How many receivers deep the last send was."""
        return len(self.handlers)


def chain_order(key: ChainKey) -> tuple[object, ...]:
    """A total order of chains that ``None`` fields cannot break."""
    return (
        tuple((s.signal or "", s.path or "", s.line or 0) for s in key.signals),
        key.handlers,
    )


def deepest_chains(
    pairs: Iterable[tuple[ChainKey, frozenset[str]]],
) -> dict[ChainKey, frozenset[str]]:
    """Of ``pairs``, the chains of the greatest depth (tests of equal chains united), at most
    :data:`CHAINS_KEPT` of them, the least in :func:`chain_order`: the same whatever the order
    of the workers or runs they come from."""
    united: dict[ChainKey, frozenset[str]] = {}
    for key, tests in pairs:
        united[key] = united.get(key, frozenset()) | tests
    if not united:
        return {}
    depth = max(key.depth for key in united)
    kept = sorted((key for key in united if key.depth == depth), key=chain_order)
    return {key: united[key] for key in kept[:CHAINS_KEPT]}


def merge_chains(
    left: Mapping[ChainKey, frozenset[str]], right: Mapping[ChainKey, frozenset[str]]
) -> dict[ChainKey, frozenset[str]]:
    """The deepest chains of both."""
    return deepest_chains((*left.items(), *right.items()))
