"""Frozen, JSON-ready records of signal cascades: receivers that send signals, the loops they
close and the chains they make (the report's ``cascades``; built by :mod:`.cascades`).

Shared like :mod:`pytest_signaltrace.model`, which holds them in its ``Report``: they import
nothing of the package. Ids are the report's: a signal id, a handler id (``module.qualname``).
"""

from __future__ import annotations

from typing import Literal

from pytest_signaltrace.record import Record

#: What an edge rests on, as for receivers: the static scan, the runtime trace, or both.
CascadeEvidence = Literal["static", "runtime", "static+runtime"]


class CascadeEdge(Record, ordered=True):
    """``handler``, running as a receiver, sends ``signal``: in its body or in a function of
    its module that it calls directly (static), or while it ran (runtime)."""

    handler: str
    signal: str
    evidence: CascadeEvidence
    #: Sends of ``signal`` made while ``handler`` ran (0: never seen at run time).
    calls: int = 0
    #: The send site the scan found (the first one), else where the handler is defined.
    path: str = ""
    line: int = 0
    #: The function of the handler's module that sends it, when not the handler itself.
    via: str = ""
    #: Node ids of the tests during which it happened.
    tests: tuple[str, ...] = ()


class SignalChain(Record, ordered=True):
    """Signals and receivers alternating: ``chain[0]`` ran ``chain[1]``, which sent
    ``chain[2]``... A loop ends with its first signal."""

    chain: tuple[str, ...]
    evidence: CascadeEvidence = "static"
    #: Node ids of the tests during which it was seen (the deepest chains at run time).
    tests: tuple[str, ...] = ()

    @property
    def depth(self) -> int:
        """How many receivers deep it goes."""
        return len(self.chain) // 2

    @property
    def signals(self) -> tuple[str, ...]:
        """The signals of the chain, in order."""
        return self.chain[0::2]

    @property
    def handlers(self) -> tuple[str, ...]:
        """The receivers of the chain, in order."""
        return self.chain[1::2]


class Cascades(Record):
    """Everything the report says about cascades."""

    edges: tuple[CascadeEdge, ...] = ()
    #: Cycles signal -> receiver -> ... -> the same signal (each once, from its least signal).
    loops: tuple[SignalChain, ...] = ()
    #: The longest chains of the graph (static and runtime edges), longest first.
    longest: tuple[SignalChain, ...] = ()
    #: The deepest chains of nested sends seen at run time, with their tests.
    deepest: tuple[SignalChain, ...] = ()
