"""The report's cascades: the static edges (:mod:`pytest_signaltrace.scan.cascades`) and the
runtime ones (the trace's ``cascades``) as one edge list, then the graph they make with the
receivers (signal -> receiver -> signal ...): its loops, its longest chains, and the deepest
chains seen at run time.

Only the project's receivers make edges (a handler whose code is outside the sources is a
library's, as for receiver rows). The searches are bounded (:data:`MAX_CHAIN`,
:data:`MAX_FOUND`) so a large, dense graph still reports quickly; what they return is sorted,
so equal inputs give equal reports.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Protocol

from pytest_signaltrace.merge.cascade_model import (
    CascadeEdge,
    CascadeEvidence,
    Cascades,
    SignalChain,
)
from pytest_signaltrace.model import ReceiverRow, StaticMap
from pytest_signaltrace.scan.cascades import StaticEdge, static_edges
from pytest_signaltrace.trace.keys import CodeRef, SignalRef
from pytest_signaltrace.trace.model import Trace

#: The most receivers a chain or loop found in the graph may hold.
MAX_CHAIN = 12
#: The most loops, and the most longest chains, reported.
MAX_FOUND = 50
#: How many longest chains the report keeps.
LONGEST_KEPT = 5


class ProjectPaths(Protocol):
    """Where the run's files are (the merge's ``PathMapper``)."""

    rootdir: Path

    def site(self, ref: CodeRef | None) -> tuple[str, int] | None:
        """A project ``(path, line)`` (rootdir-relative) for a runtime location, or ``None``."""


def cascades_of(
    static: StaticMap,
    trace: Trace,
    paths: ProjectPaths,
    receivers: Sequence[ReceiverRow],
    signal_id: Callable[[SignalRef], str | None],
) -> Cascades:
    """The cascades of a run: ``signal_id`` gives the static id of a runtime signal,
    ``receivers`` are the report's rows."""
    project_site = paths.site
    edges = _edges(static_edges(static, paths.rootdir), trace, project_site, signal_id)
    graph = _Graph(receivers, edges, _runtime_steps(trace, project_site, signal_id))
    return Cascades(
        edges=tuple(edges),
        loops=tuple(graph.loops()),
        longest=tuple(graph.longest()),
        deepest=tuple(_deepest(trace, project_site, signal_id)),
    )


def _edges(
    found: Iterable[StaticEdge],
    trace: Trace,
    project_site: Callable[[CodeRef | None], tuple[str, int] | None],
    signal_id: Callable[[SignalRef], str | None],
) -> list[CascadeEdge]:
    static: dict[tuple[str, str], StaticEdge] = {}
    for edge in found:  # sorted: the first send site of a pair is kept
        static.setdefault((edge.handler, edge.signal), edge)
    calls: dict[tuple[str, str], int] = defaultdict(int)
    tests: dict[tuple[str, str], set[str]] = defaultdict(set)
    sites: dict[tuple[str, str], tuple[str, int]] = {}
    for key in {*trace.cascades, *trace.cascade_tests}:
        site = project_site(CodeRef(key.handler.path, key.handler.line))
        signal = signal_id(key.signal)
        if site is None or signal is None:
            continue
        pair = (key.handler.handler, signal)
        calls[pair] += trace.cascades.get(key, 0)
        tests[pair].update(trace.cascade_tests.get(key, ()))
        sites.setdefault(pair, site)
    rows = []
    for pair in sorted({*static, *calls}):
        handler, signal = pair
        first = static.get(pair)
        evidence: CascadeEvidence = (
            "static+runtime" if first and pair in calls else "static" if first else "runtime"
        )
        path, line = (first.path, first.line) if first else sites[pair]
        rows.append(
            CascadeEdge(
                handler=handler,
                signal=signal,
                evidence=evidence,
                calls=calls.get(pair, 0),
                path=path,
                line=line,
                via=first.via if first else "",
                tests=tuple(sorted(tests.get(pair, ()))),
            )
        )
    return rows


def _runtime_steps(
    trace: Trace,
    project_site: Callable[[CodeRef | None], tuple[str, int] | None],
    signal_id: Callable[[SignalRef], str | None],
) -> dict[_State, set[tuple[str, str]]]:
    """``(sender receiver, signal)`` -> ``(receiver, signal it sent)`` pairs seen at run time,
    for the project's receivers."""
    steps: dict[_State, set[tuple[str, str]]] = defaultdict(set)
    for key in trace.cascades:
        if project_site(CodeRef(key.handler.path, key.handler.line)) is None:
            continue
        signal = signal_id(key.signal)
        under = None if key.under is None else signal_id(key.under)
        if signal is None or under is None:
            continue
        parent = None if key.parent is None else key.parent.handler
        steps[(parent, under)].add((key.handler.handler, signal))
    return steps


def _deepest(
    trace: Trace,
    project_site: Callable[[CodeRef | None], tuple[str, int] | None],
    signal_id: Callable[[SignalRef], str | None],
) -> list[SignalChain]:
    chains: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for key, nodes in trace.chains.items():
        signals = [signal_id(ref) or (ref.signal or "?") for ref in key.signals]
        handlers = [ref.handler for ref in key.handlers]
        chain: list[str] = [signals[0]]
        for handler, signal in zip(handlers, signals[1:], strict=True):
            chain += [handler, signal]
        chains[tuple(chain)].update(nodes)
    return sorted(
        (SignalChain(chain, "runtime", tuple(sorted(nodes))) for chain, nodes in chains.items()),
        key=lambda c: (-c.depth, c.chain),
    )


#: A place in a chain: the signal being sent, and the receiver that sent it (``None``: no
#: receiver did). Receivers of one signal run for another only through such a state.
_State = tuple[str | None, str]


class _Graph:
    """Chains as states: from ``(sender receiver, signal)``, a step is a receiver of the
    signal and what it sends. Runtime steps are those seen in that state (the receivers that
    really ran there); static steps are any receiver of the signal that has a static edge."""

    def __init__(
        self,
        receivers: Sequence[ReceiverRow],
        edges: Sequence[CascadeEdge],
        runtime: dict[_State, set[tuple[str, str]]],
    ) -> None:
        self.receivers: dict[str, set[str]] = defaultdict(set)
        for row in receivers:
            if row.signal is not None and not row.test_only:
                self.receivers[row.signal].add(row.handler)
        self.static: dict[str, set[str]] = defaultdict(set)
        self.evidence: dict[tuple[str, str], CascadeEvidence] = {}
        for edge in edges:
            self.evidence[(edge.handler, edge.signal)] = edge.evidence
            if edge.evidence != "runtime":
                self.static[edge.handler].add(edge.signal)
        self.runtime = runtime
        self.sent = {edge.signal for edge in edges}

    def _steps(self, state: _State) -> list[tuple[str, str]]:
        """``(receiver, signal it sends)`` pairs out of ``state``, sorted."""
        steps = set(self.runtime.get(state, ()))
        for handler in self.receivers.get(state[1], ()):
            steps.update((handler, sent) for sent in self.static.get(handler, ()))
        return sorted(steps)

    def _chain_evidence(self, chain: Sequence[str]) -> CascadeEvidence:
        """``static+runtime`` when every cascade of ``chain`` is both, ``runtime`` when every
        one ran, else ``static`` (the scan alone says it can happen)."""
        kinds = {self.evidence[(chain[i], chain[i + 1])] for i in range(1, len(chain) - 1, 2)}
        if kinds == {"static+runtime"}:
            return "static+runtime"
        return "static" if "static" in kinds else "runtime"

    def _states(self) -> list[_State]:
        found: set[_State] = {(None, signal) for signal in self.receivers}
        found.update(self.runtime)
        for handler, signals in self.static.items():
            found.update((handler, signal) for signal in signals)
        return sorted(found, key=_state_order)

    def loops(self) -> list[SignalChain]:
        """Every elementary cycle of states, once each (by its chain, from its least signal)."""
        found: dict[tuple[str, ...], SignalChain] = {}
        for start in self._states():
            first = _state_order(start)
            stack: list[tuple[list[str], list[_State], list[tuple[str, str]]]] = [
                ([start[1]], [start], self._steps(start))
            ]
            while stack and len(found) < MAX_FOUND:
                path, states, steps = stack[-1]
                if not steps:
                    stack.pop()
                    continue
                handler, signal = steps.pop(0)
                state = (handler, signal)
                if state == start:
                    chain = _least_rotation((*path, handler))
                    if chain not in found:
                        found[chain] = SignalChain(chain, self._chain_evidence(chain))
                elif (
                    _state_order(state) > first and state not in states and len(states) < MAX_CHAIN
                ):
                    stack.append(([*path, handler, signal], [*states, state], self._steps(state)))
        return sorted(found.values())

    def longest(self) -> list[SignalChain]:
        """The longest chains without a repeated state, from a signal no receiver sends (any
        signal, when every one is sent by one), at least one cascade deep."""
        roots = sorted(s for s in self.receivers if s not in self.sent) or sorted(self.receivers)
        best: list[tuple[str, ...]] = []
        for root in roots:
            start: _State = (None, root)
            # path, states on it, steps left, extended: a path no step extended is maximal
            stack: list[tuple[list[str], list[_State], list[tuple[str, str]], list[bool]]] = [
                ([root], [start], self._steps(start), [False])
            ]
            while stack and len(best) < MAX_FOUND * 20:
                path, states, steps, extended = stack[-1]
                if not steps:
                    if not extended[0] and len(path) >= 3:
                        best.append(tuple(path))
                    stack.pop()
                    continue
                handler, signal = steps.pop(0)
                state = (handler, signal)
                if state in states or len(states) > MAX_CHAIN:
                    continue
                extended[0] = True
                stack.append(
                    ([*path, handler, signal], [*states, state], self._steps(state), [False])
                )
        best.sort(key=lambda chain: (-len(chain), chain))
        return [SignalChain(c, self._chain_evidence(c)) for c in best[:LONGEST_KEPT]]


def _state_order(state: _State) -> tuple[str, str]:
    return (state[1], state[0] or "")


def _least_rotation(cycle: Sequence[str]) -> tuple[str, ...]:
    """The cycle ``signal, receiver, ..., receiver`` started at its least rotation (by whole
    signal-receiver pairs), closed with its first signal again."""
    pairs = [tuple(cycle[i : i + 2]) for i in range(0, len(cycle), 2)]
    best = min(pairs[i:] + pairs[:i] for i in range(len(pairs)))
    flat = [part for pair in best for part in pair]
    return (*flat, flat[0])
