"""The boxes and curves of the signal graph (:mod:`.graph` places them), and its dimensions."""

from __future__ import annotations

from pytest_signaltrace.record import Record

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


class Node(Record):
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


class Edge(Record):
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


class Column(Record):
    """A column heading."""

    title: str
    x: float
    width: float


class Band(Record):
    """One signal's strip of the picture: its node, its send sites and receivers, their edges.

    The page's script hides the bands that a filter empties and moves the rest up, so a
    filtered graph stays as short as what it shows.
    """

    signal: str
    top: float
    height: float
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]


class GraphLayout(Record):
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
