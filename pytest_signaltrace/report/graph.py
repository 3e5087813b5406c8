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
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from pytest_signaltrace.model import (
    ReceiverRow,
    ReceiverStatus,
    Report,
    SenderRow,
    SignalCategory,
    SignalRow,
    SignalStatus,
)
from pytest_signaltrace.report.words import sites_text

#: Column indexes, left to right.
SENDERS, SIGNALS, RECEIVERS = 0, 1, 2

#: Width of one character of the monospace label font (12px), with a little slack.
CHAR_WIDTH = 7.3
#: Horizontal padding inside a node, on each side.
PAD_X = 8.0
ROW_HEIGHT = 22.0
ROW_GAP = 4.0
SIGNAL_HEIGHT = 38.0
MAX_SIGNAL_HEIGHT = 150.0
#: Vertical room per edge on a signal's side, when its box grows for a big fan.
PORT_SPACING = 5.0
BAND_GAP = 14.0
MARGIN = 12.0
HEADER_HEIGHT = 28.0
COLUMN_WIDTHS = (280.0, 300.0, 360.0)
COLUMN_GAP = 120.0
#: How many more characters fit on a line of the smaller (10.5px) second line of a signal.
SUBLABEL_SCALE = 12 / 10.5
ELLIPSIS = "\u2026"

#: The pseudo signal id of rows whose signal could not be resolved.
UNRESOLVED = "(unresolved signal)"

_CATEGORY_ORDER = {SignalCategory.CUSTOM: 0, SignalCategory.BUILTIN: 1, SignalCategory.EXTERNAL: 2}


@dataclass(frozen=True)
class Node:
    """A box in one column: a send site, a signal or a receiver."""

    #: Unique within the graph: ``sender-3``, ``signal-0``, ``receiver-12``.
    id: str
    column: int
    x: float
    y: float
    width: float
    height: float
    #: The text shown, cut to fit the box.
    label: str
    #: The full text, shown as a tooltip.
    title: str
    #: CSS status: ``exercised``, ``unexercised``, ``dead``, ``possibly-dead``, ``test-only``,
    #: ``excluded`` (receivers), ``ran``, ``never-ran``, ``test-only`` (send sites), ``sig-ok``,
    #: ``sig-never_sent`` ... (signals: ``sig-`` and the signal's static status), ``signal``
    #: (the pseudo signal of unresolved rows).
    status: str
    #: The signal this node belongs to (the signal id itself for a signal node).
    signal: str
    #: A second, smaller line (signals only).
    sublabel: str = ""
    #: ``False`` for the pseudo signal that gathers unresolved rows.
    real: bool = True
    #: Index of the row in ``report.receivers`` / ``report.senders`` (``-1`` for signals).
    row: int = -1

    @property
    def center_y(self) -> float:
        """The vertical middle of the box, where edges attach."""
        return self.y + self.height / 2


@dataclass(frozen=True)
class Edge:
    """A curve from the right side of ``source`` to the left side of ``target``."""

    source: str
    target: str
    #: The signal id of the band the edge lies in.
    signal: str
    #: The status of the send site or receiver end, for the colour.
    status: str
    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def leaf(self) -> str:
        """The id of the send-site or receiver end (the other end is the signal)."""
        return self.target if self.source.startswith("signal-") else self.source

    @property
    def path(self) -> str:
        """The SVG path data of a horizontal S-curve between the two ends."""
        bend = (self.x2 - self.x1) / 2
        return (
            f"M{self.x1:.1f},{self.y1:.1f} C{self.x1 + bend:.1f},{self.y1:.1f} "
            f"{self.x2 - bend:.1f},{self.y2:.1f} {self.x2:.1f},{self.y2:.1f}"
        )


@dataclass(frozen=True)
class Column:
    """A column heading."""

    title: str
    x: float
    width: float


@dataclass(frozen=True)
class Band:
    """One signal's strip of the picture: its node, its send sites and receivers, their edges.

    The page's script hides the bands that a filter empties and moves the rest up, so a
    filtered graph stays as short as what it shows.
    """

    signal: str
    top: float
    height: float
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]


@dataclass(frozen=True)
class GraphLayout:
    """Every node and edge with its coordinates, and the size of the picture."""

    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    columns: tuple[Column, ...]
    width: float
    height: float
    #: The same nodes and edges, by signal, top to bottom.
    bands: tuple[Band, ...] = ()

    def column(self, index: int) -> list[Node]:
        """The nodes of one column, top to bottom."""
        return sorted((n for n in self.nodes if n.column == index), key=lambda n: n.y)


@dataclass
class _Band:
    """One signal with its send sites and receivers (indexes into the report's rows)."""

    signal: str
    row: SignalRow | None
    senders: list[int] = field(default_factory=list)
    receivers: list[int] = field(default_factory=list)


def receiver_status(row: ReceiverRow) -> str:
    """The status a receiver is shown with: test-only, then excluded, win over the run status.

    The same split as the terminal report: neither kind is counted in the coverage. Statuses
    are written with hyphens, like CSS classes: ``possibly-dead``.
    """
    if row.test_only:
        return "test-only"
    if row.excluded:
        return "excluded"
    return row.status.value.replace("_", "-")


def sender_status(row: SenderRow) -> str:
    """The status a send site is shown with: ``ran``, ``never-ran`` or ``test-only``."""
    if row.test_only:
        return "test-only"
    return "ran" if row.calls else "never-ran"


def truncate(text: str, max_chars: int) -> str:
    """``text`` cut to ``max_chars`` characters, keeping its end (the informative part)."""
    if len(text) <= max_chars:
        return text
    if max_chars <= 1:
        return ELLIPSIS[:max_chars]
    return ELLIPSIS + text[-(max_chars - 1) :]


def truncate_path(text: str, max_chars: int) -> str:
    """A ``dir/sub/file.py:12 send`` label cut in the middle: ``dir/…/file.py:12 send``.

    Keeps the first folder (if it fits) and as many trailing parts as fit; else falls back to
    :func:`truncate`.
    """
    if len(text) <= max_chars:
        return text
    parts = text.split("/")
    if len(parts) < 3:
        return truncate(text, max_chars)
    tail = parts[-1]
    for part in reversed(parts[1:-1]):
        longer = f"{part}/{tail}"
        if len(parts[0]) + len(longer) + 3 > max_chars:
            break
        tail = longer
    for short in (f"{parts[0]}/{ELLIPSIS}/{tail}", f"{ELLIPSIS}/{tail}"):
        if len(short) <= max_chars:
            return short
    return truncate(text, max_chars)


def short_signal(signal: str) -> str:
    """The readable name of a signal id: what follows its ``signals`` module, else its last part.

    ``django.db.models.signals.post_save`` -> ``post_save``;
    ``shop.signals.PaymentEvents.captured`` -> ``PaymentEvents.captured``.
    """
    _head, sep, tail = signal.rpartition(".signals.")
    if sep and tail:
        return tail
    return signal.rpartition(".")[2] or signal


def signal_module(signal: str) -> str:
    """What :func:`short_signal` leaves out: ``django.db.models.signals``."""
    short = short_signal(signal)
    return signal[: -len(short) - 1] if signal.endswith("." + short) else ""


def short_handler(row: ReceiverRow) -> str:
    """The handler id without its module, when the module can be told from the file path."""
    path = row.def_path or row.path
    module = path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
    if module and row.handler.startswith(module + "."):
        return row.handler[len(module) + 1 :]
    return row.handler


def layout_graph(report: Report) -> GraphLayout:
    """Place every send site, signal and receiver of ``report``, and the edges between them."""
    bands = _bands(report)
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
        senders = _stack(band.senders, report.senders, xs[SENDERS], top, height, band)
        for node, port in zip(senders, _ports(signal_node, len(senders)), strict=True):
            edges.append(_edge(node, node.center_y, signal_node, port, node.status))
        receivers = _stack(band.receivers, report.receivers, xs[RECEIVERS], top, height, band)
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


def _fit(text: str, width: float, *, path: bool = False) -> str:
    chars = int((width - 2 * PAD_X) / CHAR_WIDTH)
    return truncate_path(text, chars) if path else truncate(text, chars)


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
            nodes.append(_sender_node(row, index, x, y, band.signal))
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


def _sender_node(row: SenderRow, index: int, x: float, y: float, signal: str) -> Node:
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
        label=_fit(f"{row.path}:{row.line} {row.method}", width, path=True),
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
