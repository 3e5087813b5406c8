"""Lay out the signal graph of a report: send sites -> signals -> receivers, in three columns.

Pure functions, no SVG: :func:`layout_graph` turns a :class:`~pytest_signaltrace.model.Report`
into :class:`Node` boxes and :class:`Edge` curves with coordinates, and the HTML template draws
them.

The layout is layered. Every send site and every receiver row belongs to exactly one signal, so
the graph is a forest of stars centred on the signals. Each signal gets a horizontal *band*: its
send sites are stacked on the left, its receivers on the right, the signal in the middle, all
centred on the band, and the band is as tall as its tallest column (a signal with many receivers
gets more room). Bands never overlap, so no two edges cross: the fewest possible crossings,
without the heuristics (barycenter sweeps) that a general graph would need. Bands are ordered
project signals first, then framework and third-party ones, each by id, like the tables.

The boxes, curves and dimensions are in :mod:`.graph_shapes`, the texts in :mod:`.graph_labels`;
this module re-exports them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import field

from pytest_signaltrace.model import (
    ReceiverRow,
    ReceiverStatus,
    Report,
    SenderRow,
    SignalCategory,
    SignalRow,
    SignalStatus,
)
from pytest_signaltrace.record import Record
from pytest_signaltrace.report.graph_labels import (
    cut_path,
    receiver_status,
    sender_status,
    short_handler,
    short_signal,
    signal_module,
    truncate,
    unique_tails,
)
from pytest_signaltrace.report.graph_shapes import (
    BAND_GAP,
    CHAR_WIDTH,
    COLUMN_GAP,
    COLUMN_WIDTHS,
    ELLIPSIS,
    HEADER_HEIGHT,
    MARGIN,
    MAX_SIGNAL_HEIGHT,
    PAD_X,
    PORT_SPACING,
    RECEIVERS,
    ROW_GAP,
    ROW_HEIGHT,
    SENDERS,
    SIGNAL_HEIGHT,
    SIGNALS,
    SUBLABEL_SCALE,
    UNRESOLVED,
    Band,
    Column,
    Edge,
    GraphLayout,
    Node,
)
from pytest_signaltrace.report.words import sites_text

__all__ = [
    "BAND_GAP",
    "CHAR_WIDTH",
    "COLUMN_GAP",
    "COLUMN_WIDTHS",
    "ELLIPSIS",
    "HEADER_HEIGHT",
    "MARGIN",
    "MAX_SIGNAL_HEIGHT",
    "PAD_X",
    "PORT_SPACING",
    "RECEIVERS",
    "ROW_GAP",
    "ROW_HEIGHT",
    "SENDERS",
    "SIGNALS",
    "SIGNAL_HEIGHT",
    "SUBLABEL_SCALE",
    "UNRESOLVED",
    "Band",
    "Column",
    "Edge",
    "GraphLayout",
    "Node",
    "cut_path",
    "layout_graph",
    "receiver_status",
    "sender_status",
    "short_handler",
    "short_signal",
    "signal_module",
    "truncate",
    "unique_tails",
]

_CATEGORY_ORDER = {SignalCategory.CUSTOM: 0, SignalCategory.BUILTIN: 1, SignalCategory.EXTERNAL: 2}


class _Band(Record, frozen=False):
    """One signal with its send sites and receivers (indexes into the report's rows)."""

    signal: str
    row: SignalRow | None
    senders: list[int] = field(default_factory=list)
    receivers: list[int] = field(default_factory=list)


def layout_graph(report: Report) -> GraphLayout:
    """Place every send site, signal and receiver of ``report``, and the edges between them."""
    bands = _bands(report)
    # A send site's label keeps enough of its path to tell it from the other send sites'.
    tails = unique_tails(row.path for row in report.senders)
    xs = _column_xs()
    nodes: list[Node] = []
    edges: list[Edge] = []
    boxes: list[Band] = []
    top = MARGIN + HEADER_HEIGHT
    for index, band in enumerate(bands):
        first_node, first_edge = len(nodes), len(edges)
        height = _band_height(band)
        box = _signal_height(band, height)
        signal_node = _signal_node(band, index, xs[SIGNALS], top + (height - box) / 2, box)
        nodes.append(signal_node)
        senders = _stack(band.senders, report.senders, xs[SENDERS], top, height, band, tails)
        for node, port in zip(senders, _ports(signal_node, len(senders)), strict=True):
            edges.append(_edge(node, node.center_y, signal_node, port, node.status))
        receivers = _stack(
            band.receivers, report.receivers, xs[RECEIVERS], top, height, band, tails
        )
        for node, port in zip(receivers, _ports(signal_node, len(receivers)), strict=True):
            edges.append(_edge(signal_node, port, node, node.center_y, node.status))
        nodes += senders + receivers
        boxes.append(
            Band(band.signal, top, height, tuple(nodes[first_node:]), tuple(edges[first_edge:]))
        )
        top += height + BAND_GAP
    columns = tuple(
        Column(title, xs[i], COLUMN_WIDTHS[i])
        for i, title in enumerate(("Send sites", "Signals", "Receivers"))
    )
    width = xs[RECEIVERS] + COLUMN_WIDTHS[RECEIVERS] + MARGIN
    height = max(top - BAND_GAP, MARGIN + HEADER_HEIGHT) + MARGIN
    return GraphLayout(tuple(nodes), tuple(edges), columns, width, height, tuple(boxes))


def _column_xs() -> tuple[float, float, float]:
    left = MARGIN
    middle = left + COLUMN_WIDTHS[SENDERS] + COLUMN_GAP
    right = middle + COLUMN_WIDTHS[SIGNALS] + COLUMN_GAP
    return (left, middle, right)


def _bands(report: Report) -> list[_Band]:
    """One band per signal row, plus one per signal that only rows mention; ordered."""
    bands: dict[str, _Band] = {s.signal: _Band(s.signal, s) for s in report.signals}
    senders: dict[str, list[int]] = defaultdict(list)
    for i, sender in enumerate(report.senders):
        senders[sender.signal or UNRESOLVED].append(i)
    receivers: dict[str, list[int]] = defaultdict(list)
    for i, receiver in enumerate(report.receivers):
        receivers[receiver.signal or UNRESOLVED].append(i)
    for signal in sorted({*senders, *receivers} - set(bands)):
        bands[signal] = _Band(signal, None)
    for signal, band in bands.items():
        band.senders = sorted(senders[signal], key=lambda i: _sender_key(report.senders[i]))
        band.receivers = sorted(receivers[signal], key=lambda i: _receiver_key(report.receivers[i]))
    return sorted(bands.values(), key=_band_key)


def _sender_key(row: SenderRow) -> tuple[str, int, str]:
    return (row.path, row.line, row.method)


def _receiver_key(row: ReceiverRow) -> tuple[str, int, str]:
    return (row.path, row.line, row.handler)


def _band_key(band: _Band) -> tuple[int, str]:
    if band.row is None:
        return (3 + (band.signal == UNRESOLVED), band.signal)
    return (_CATEGORY_ORDER.get(band.row.category, 3), band.signal)


def _band_height(band: _Band) -> float:
    rows = max(len(band.senders), len(band.receivers))
    return max(SIGNAL_HEIGHT, rows * ROW_HEIGHT + max(rows - 1, 0) * ROW_GAP)


def _signal_height(band: _Band, band_height: float) -> float:
    """A signal with a big fan of edges gets a taller box, so its edges leave it apart."""
    fan = max(len(band.senders), len(band.receivers))
    return max(SIGNAL_HEIGHT, min(fan * PORT_SPACING, band_height / 3, MAX_SIGNAL_HEIGHT))


def _chars(width: float) -> int:
    """How many characters of the label font fit in a box ``width`` wide."""
    return int((width - 2 * PAD_X) / CHAR_WIDTH)


def _fit(text: str, width: float) -> str:
    return truncate(text, _chars(width))


def _signal_node(band: _Band, index: int, x: float, y: float, height: float) -> Node:
    width = COLUMN_WIDTHS[SIGNALS]
    row = band.row
    if row is None:
        sublabel = "not in the signal list"
        title = band.signal
    else:
        sends = _sends_phrase(row)
        module = signal_module(band.signal)
        sublabel = f"{module} \u00b7 {sends}" if module else sends
        title = (
            f"{band.signal}\n{row.category.value} {row.framework} signal, "
            f"status {row.status.value.replace('_', ' ')} ({row.evidence})\n{sends}, "
            f"{row.exercised_receivers} of {row.receivers} receivers ran"
        )
        if row.possible_senders:
            title += f"\nmight be sent by {sites_text(row.possible_senders)}"
    return Node(
        id=f"signal-{index}",
        column=SIGNALS,
        x=x,
        y=y,
        width=width,
        height=height,
        label=_fit(short_signal(band.signal), width),
        title=title,
        status=f"sig-{row.status.value}" if row else "signal",
        signal=band.signal,
        sublabel=_fit(sublabel, width * SUBLABEL_SCALE),
        real=row is not None,
    )


def _sends_phrase(row: SignalRow) -> str:
    if row.sends:
        return f"sent {row.sends}\u00d7 in tests"
    if row.status is SignalStatus.NEVER_SENT:
        return "nothing sends it"
    if row.status in (SignalStatus.POSSIBLY_NEVER_SENT, SignalStatus.POSSIBLY_UNUSED):
        return "no certain sender"
    return "not sent in tests"


def _stack(
    indexes: Sequence[int],
    rows: Sequence[SenderRow] | Sequence[ReceiverRow],
    x: float,
    band_top: float,
    band_height: float,
    band: _Band,
    tails: Mapping[str, int],
) -> list[Node]:
    """The nodes of one band's send sites or receivers, stacked and centred on the band."""
    count = len(indexes)
    stack_height = count * ROW_HEIGHT + max(count - 1, 0) * ROW_GAP
    top = band_top + (band_height - stack_height) / 2
    nodes = []
    for position, index in enumerate(indexes):
        row = rows[index]
        y = top + position * (ROW_HEIGHT + ROW_GAP)
        if isinstance(row, ReceiverRow):
            nodes.append(_receiver_node(row, index, x, y, band.signal))
        else:
            nodes.append(_sender_node(row, index, x, y, band.signal, tails))
    return nodes


def _receiver_node(row: ReceiverRow, index: int, x: float, y: float, signal: str) -> Node:
    width = COLUMN_WIDTHS[RECEIVERS]
    status = receiver_status(row)
    ran = f"ran {row.calls}\u00d7" if row.calls else "never ran"
    title = f"{row.handler}\n{row.path}:{row.line}\n{status.replace('-', ' ')}: {ran}"
    if row.status is ReceiverStatus.DEAD and status != "dead":
        title += " (dead: nothing sends its signal)"
    if row.possible_senders:
        hidden = "" if status == "possibly-dead" else " (possibly dead)"
        title += f"{hidden}\nmight be sent by {sites_text(row.possible_senders)}"
    return Node(
        id=f"receiver-{index}",
        column=RECEIVERS,
        x=x,
        y=y,
        width=width,
        height=ROW_HEIGHT,
        label=_fit(short_handler(row), width),
        title=title,
        status=status,
        signal=signal,
        row=index,
    )


def _sender_node(
    row: SenderRow, index: int, x: float, y: float, signal: str, tails: Mapping[str, int]
) -> Node:
    width = COLUMN_WIDTHS[SENDERS]
    status = sender_status(row)
    ran = f"ran {row.calls}\u00d7" if row.calls else "never ran"
    title = f"{row.path}:{row.line} {row.method}\n{row.code}\n{ran}".replace("\n\n", "\n")
    if row.evidence == "runtime" and row.signal and row.declared:
        title += "\nsignal named by the trace (the scan could not resolve it)"
    return Node(
        id=f"sender-{index}",
        column=SENDERS,
        x=x,
        y=y,
        width=width,
        height=ROW_HEIGHT,
        label=cut_path(
            row.path, f":{row.line} {row.method}", _chars(width), tails.get(row.path, 1)
        ),
        title=title,
        status=status,
        signal=signal,
        row=index,
    )


def _ports(node: Node, count: int) -> list[float]:
    """Where ``count`` edges attach to one side of ``node``: spread top to bottom, in order.

    Spreading them (instead of meeting in one point) keeps a big fan of edges apart near the
    signal, and since they are in the order of the nodes at their other end, they never cross.
    """
    if count <= 1:
        return [node.center_y] * count
    inset = min(8.0, node.height / 4)
    step = (node.height - 2 * inset) / (count - 1)
    return [node.y + inset + i * step for i in range(count)]


def _edge(source: Node, y1: float, target: Node, y2: float, status: str) -> Edge:
    return Edge(
        source=source.id,
        target=target.id,
        signal=source.signal,
        status=status,
        x1=source.x + source.width,
        y1=y1,
        x2=target.x,
        y2=y2,
    )
