"""The cascade edges of the signal graph: from a receiver box back to the box of the signal it
sends, and the chain of signals each signal leads to (the page's "follow cascades" filter).

The graph's bands never cross (see :mod:`.graph`); cascade edges do, so they are drawn on a layer
of their own, from the left side of the receiver to the right side of the signal. The page's
script re-routes them when a filter moves the bands; the paths written here are the unfiltered
ones.
"""

from __future__ import annotations

from collections import defaultdict

from pytest_signaltrace.model import Report
from pytest_signaltrace.record import Record
from pytest_signaltrace.report.graph_shapes import RECEIVERS, SIGNALS, GraphLayout, Node

#: How far a cascade curve swings out of the boxes it joins.
SWING = 60.0


class CascadeLink(Record):
    """A curve from a receiver box (``source``) to a signal box (``target``)."""

    source: str
    target: str
    #: The signal of the receiver's band, and the signal it sends.
    signal: str
    sent: str
    evidence: str
    title: str
    path: str


def cascade_links(layout: GraphLayout, report: Report) -> tuple[CascadeLink, ...]:
    """A curve per receiver box whose handler sends a signal that has a box."""
    signals = {n.signal: n for n in layout.nodes if n.column == SIGNALS and n.real}
    by_handler: dict[str, list[Node]] = defaultdict(list)
    for node in layout.nodes:
        if node.column == RECEIVERS and node.row >= 0:
            by_handler[report.receivers[node.row].handler].append(node)
    links = []
    for edge in report.cascades.edges:
        target = signals.get(edge.signal)
        if target is None:
            continue
        ran = f"sent {edge.calls}\u00d7 while it ran" if edge.calls else "a send in its code"
        via = f" (through {edge.via})" if edge.via else ""
        title = f"{edge.handler} sends {edge.signal}{via}\n{ran} ({edge.evidence})"
        for source in by_handler.get(edge.handler, ()):
            links.append(
                CascadeLink(
                    source.id,
                    target.id,
                    source.signal,
                    edge.signal,
                    edge.evidence.replace("+", "-"),
                    title,
                    cascade_path(source, target),
                )
            )
    return tuple(links)


def cascade_path(source: Node, target: Node) -> str:
    """The curve from the left side of ``source`` to the right side of ``target`` (the page's
    script draws the same after moving the bands)."""
    x1, y1 = source.x, source.center_y
    x2, y2 = target.x + target.width, target.center_y
    return (
        f"M{x1:.1f},{y1:.1f} C{x1 - SWING:.1f},{y1:.1f} {x2 + SWING:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
    )


def signal_chains(report: Report) -> dict[str, str]:
    """Per signal, the signals its receivers' cascades reach (itself included), space-separated
    and sorted: the page shows them all when it follows cascades from one signal."""
    receivers: dict[str, set[str]] = defaultdict(set)
    for row in report.receivers:
        if row.signal is not None:
            receivers[row.signal].add(row.handler)
    sends: dict[str, set[str]] = defaultdict(set)
    for edge in report.cascades.edges:
        sends[edge.handler].add(edge.signal)
    chains: dict[str, str] = {}
    for start in receivers:
        seen, pending = {start}, [start]
        while pending:
            signal = pending.pop()
            for handler in receivers.get(signal, ()):
                for sent in sends.get(handler, ()):
                    if sent not in seen:
                        seen.add(sent)
                        pending.append(sent)
        if len(seen) > 1:
            chains[start] = " ".join(sorted(seen))
    return chains
