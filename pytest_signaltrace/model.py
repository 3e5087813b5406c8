"""Frozen, JSON-ready records of the static signal map.

Every record is joined to the others on stable ids (see ``DESIGN.md``):

* a *signal id* is the dotted path of its definition (``shop.signals.order_placed``);
* a *handler id* is ``module.qualname`` of the receiver (``shop.receivers.Mailer.on_placed``);
* a location is a path relative to the scanned root (POSIX) and a 1-based line.
"""

from __future__ import annotations

import enum
import operator
from collections.abc import Callable
from typing import Any, Literal, get_args

from pytest_signaltrace.merge.cascade_model import Cascades
from pytest_signaltrace.record import Record, field

#: The name of a registered framework (:mod:`pytest_signaltrace.frameworks`): ``django``...
Framework = str
SendMethod = Literal["send", "send_robust", "asend", "asend_robust", "send_async"]
ReceiverKind = Literal["decorator", "connect"]
#: What a verdict rests on: the static scan, the runtime trace, or both.
Evidence = Literal["static", "runtime", "static+runtime"]

SEND_METHODS: tuple[SendMethod, ...] = get_args(SendMethod)


class SignalCategory(enum.StrEnum):
    """Where a signal is defined, relative to the scanned source."""

    #: Defined in the scanned source.
    CUSTOM = "custom"
    #: One of Django's or Celery's own signals, defined outside the scanned source.
    BUILTIN = "builtin"
    #: Imported from a third-party package (for example ``allauth.account.signals``).
    EXTERNAL = "external"


class SignalStatus(enum.StrEnum):
    """How a signal is used across the scanned source."""

    OK = "ok"
    #: Sent, and every receiver is test code (declared in or connected from tests).
    TEST_RECEIVERS_ONLY = "test_receivers_only"
    UNUSED = "unused"
    NEVER_SENT = "never_sent"
    NO_RECEIVERS = "no_receivers"
    #: No certain send site and no receiver, but an unresolved send site might send it.
    POSSIBLY_UNUSED = "possibly_unused"
    #: Receivers, no certain send site, but an unresolved send site might send it.
    POSSIBLY_NEVER_SENT = "possibly_never_sent"


class SkippedFile(Record, ordered=True):
    """A file the scan could not read or parse, and why."""

    path: str
    reason: str
    #: It may send a signal: its bytes could not be read, or they mention ``send``. Such a
    #: file makes "possibly" every verdict a send could change (see ``merge/verdicts.py``).
    may_send: bool = True


class Definition(Record, ordered=True):
    """A signal created in the scanned source: ``order_placed = Signal()``."""

    signal: str
    path: str
    line: int
    framework: Framework
    test_only: bool = False
    #: The signal class as written (``Signal``, ``dispatch.Signal``, ``ModelSignal``).
    signal_class: str = "Signal"


class Receiver(Record, ordered=True):
    """A handler attached to a signal by ``@receiver``, ``sig.connect(...)`` or ``@sig.connect``.

    A receiver attached to several signals is one record per signal."""

    path: str
    #: The decorator line, or the line of ``connect(``.
    line: int
    signal: str | None
    handler: str
    kind: ReceiverKind
    #: The line of the handler's ``def`` when it is known in the scanned source.
    def_line: int | None = None
    #: The file of that ``def`` (it may differ from ``path``: ``sig.connect(mod.func)``).
    def_path: str | None = None
    sender: str | None = None
    dispatch_uid: str | None = None
    weak: bool | None = None
    test_only: bool = False
    #: ``# pragma: no signal cover`` on its decorator, ``def`` or ``connect`` line.
    excluded: bool = False
    #: The signal expression as written, kept when it could not be resolved.
    expression: str = ""
    #: The source line at ``line``, stripped.
    code: str = ""


class Sender(Record, ordered=True):
    """A call that sends a signal: ``send``, ``send_robust``, ``asend`` or ``asend_robust``."""

    path: str
    line: int
    end_line: int
    signal: str | None
    method: SendMethod
    sender: str | None = None
    test_only: bool = False
    expression: str = ""
    code: str = ""
    #: Every signal id the call may send when ``signal`` is not known exactly (sorted; empty:
    #: unknown): ``self.add_signal.send()`` where subclasses set ``add_signal`` to different
    #: signals. ``signal`` is set only when there is exactly one certain candidate.
    signal_candidates: tuple[str, ...] = ()


class Disconnect(Record, ordered=True):
    """A ``sig.disconnect(...)`` call, recorded apart: it is never a receiver."""

    path: str
    line: int
    signal: str | None
    handler: str | None = None
    sender: str | None = None
    dispatch_uid: str | None = None
    test_only: bool = False
    expression: str = ""
    code: str = ""


class UnresolvedConnect(Record, ordered=True):
    """A ``.connect(...)`` (or ``@receiver(...)``) whose object the scan cannot tell is a signal.

    A function parameter (``def register(signal, handler): signal.connect(handler)``),
    ``self.connect``/``super().connect`` inside a signal class, ``obj.connect(handler)``: kept
    apart from the receivers, since no signal id can be given. Only calls with a hint that they
    register a receiver are kept (keywords only signals take, a handler defined in the scanned
    source, an object named like a signal, a signal class's ``self``); look-alikes such as
    ``engine.connect()`` or ``pymysql.connect(host=...)`` are left out."""

    path: str
    #: The line of ``connect(`` (or of the decorator).
    line: int
    #: The handler id when it resolves, else its text.
    handler: str
    #: The object as written (``signal``, ``self``, ``super()``, ``obj``).
    expression: str = ""
    code: str = ""
    test_only: bool = False


class SignalInfo(Record, ordered=True):
    """Derived facts about one signal: where it lives and how it is used."""

    signal: str
    framework: Framework
    category: SignalCategory
    status: SignalStatus
    definition_path: str | None = None
    definition_line: int | None = None
    receivers: int = 0
    senders: int = 0
    #: Receivers and senders that live in test code (included in the two counts above).
    test_receivers: int = 0
    test_senders: int = 0


class StaticMap(Record):
    """Everything the static scan found under one root."""

    root: str
    files_scanned: int
    files_parsed: int
    files_skipped: tuple[SkippedFile, ...] = ()
    definitions: tuple[Definition, ...] = ()
    receivers: tuple[Receiver, ...] = ()
    senders: tuple[Sender, ...] = ()
    disconnects: tuple[Disconnect, ...] = ()
    signals: tuple[SignalInfo, ...] = ()
    #: ``.connect(...)`` calls on objects the scan cannot tell are signals (not receivers).
    unresolved_connects: tuple[UnresolvedConnect, ...] = ()
    #: Handler ids of receivers whose signal is defined in the scanned source but sent nowhere.
    dead_receivers: frozenset[tuple[str, int, str | None]] = field(default_factory=frozenset)

    def is_dead(self, receiver: Receiver) -> bool:
        """Whether ``receiver`` listens to a signal that nothing sends."""
        return (receiver.path, receiver.line, receiver.signal) in self.dead_receivers


def to_jsonable(value: Any) -> Any:
    """Turn records (and enums, tuples, frozensets) into plain JSON-ready values."""
    if type(value) in _PLAIN:
        return value
    layout = _LAYOUTS.get(type(value))
    if layout is None and (
        isinstance(value, Record)
        # a plain @dataclass instance (not a class): dataclasses is imported already
        or (hasattr(type(value), "__dataclass_fields__") and not isinstance(value, type))
    ):
        layout = _layout(type(value))
    if layout is not None:
        # One C call fetches every field; only the few values that are not plain (enums,
        # tuples, nested records) go through this function again: the static map of a large
        # tree has thousands of records, and a call per field was most of writing it.
        names, fields_of = layout
        row = dict(zip(names, fields_of(value), strict=True))
        for name in names:
            if type(row[name]) not in _PLAIN:
                row[name] = to_jsonable(row[name])
        return row
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(to_jsonable(v) for v in value)
    return value


#: Types :func:`to_jsonable` returns as they are.
_PLAIN = frozenset({str, int, bool, float, type(None)})
#: Per record class: its field names, and a getter returning their values as a tuple.
_LAYOUTS: dict[type, tuple[tuple[str, ...], Callable[[Any], tuple[Any, ...]]]] = {}


def _layout(cls: type) -> tuple[tuple[str, ...], Callable[[Any], tuple[Any, ...]]]:
    if issubclass(cls, Record):  # its fields without making dataclasses.Field objects
        names = cls._record_layout.names
    else:
        import dataclasses

        names = tuple(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]
    layout: tuple[tuple[str, ...], Callable[[Any], tuple[Any, ...]]]
    if len(names) > 1:
        layout = (names, operator.attrgetter(*names))
    else:  # attrgetter of one name returns the value itself, not a tuple
        layout = (names, lambda record: tuple(getattr(record, name) for name in names))
    _LAYOUTS[cls] = layout
    return layout


# -- The merged report: static map + runtime trace ----------------------------------------------


class ReceiverStatus(enum.StrEnum):
    """Whether a receiver ran during the test run."""

    #: Ran at least once.
    EXERCISED = "exercised"
    #: Never ran, though its signal is sent somewhere.
    UNEXERCISED = "unexercised"
    #: Never ran; its signal is sent nowhere: not in the code, by a framework or at run time.
    DEAD = "dead"
    #: Never ran, no certain send site sends its signal and it was not sent at run time, but a
    #: send site whose signal the scan could not resolve might send it.
    POSSIBLY_DEAD = "possibly_dead"


class SiteRef(Record, ordered=True):
    """A send site named by where it is: how a row points at the unresolved sites that might
    send its signal."""

    path: str
    line: int
    method: str
    #: The signal expression as written (``self.add_signal``).
    expression: str = ""


class RaisedRow(Record, ordered=True):
    """How often a receiver raised one type of exception under a robust send (``send_robust``,
    ``asend_robust``, Celery's ``send``), which caught it and let the test go on."""

    #: The exception's type: ``KeyError``, or ``module.qualname`` for a non-builtin one.
    exception: str
    count: int
    #: ``repr()`` of one of them, ``KeyError('sku')`` (the least in sort order).
    message: str
    #: Node ids of the tests during which it raised.
    tests: tuple[str, ...] = ()


class ReceiverRow(Record, ordered=True):
    """One receiver of one signal, declared in the source and/or connected at run time."""

    path: str
    line: int
    signal: str | None
    handler: str
    sender: str | None
    #: Found by the static scan (``False``: seen only at run time).
    declared: bool
    test_only: bool
    calls: int
    status: ReceiverStatus
    #: Node ids of the tests during which it ran.
    tests: tuple[str, ...] = ()
    kind: str = "connect"
    #: Left out of the numbers by a pragma or a configured pattern.
    excluded: bool = False
    def_path: str | None = None
    def_line: int | None = None
    code: str = ""
    #: What ``status`` rests on (see :data:`Evidence`).
    evidence: Evidence = "runtime"
    #: For a possibly dead receiver: the unresolved send sites that might send its signal.
    possible_senders: tuple[SiteRef, ...] = ()
    #: What it raised under robust sends, the most frequent type first (then by name).
    raised: tuple[RaisedRow, ...] = ()
    #: Unexercised, never sent for its one sender: the senders its signal was sent for instead.
    senders_seen: tuple[str, ...] = ()

    @property
    def raised_count(self) -> int:
        """How many times it raised under a robust send, all types together."""
        return sum(r.count for r in self.raised)


class SenderRow(Record, ordered=True):
    """One send site, declared in the source and/or seen at run time."""

    path: str
    line: int
    signal: str | None
    method: str
    declared: bool
    test_only: bool
    calls: int
    end_line: int = 0
    sender: str | None = None
    code: str = ""
    #: How ``signal`` is known: the scan resolved it (``static``), the trace saw this site send
    #: it (``runtime``), or both.
    evidence: Evidence = "static"
    #: The scan's candidates when it could not resolve the signal.
    signal_candidates: tuple[str, ...] = ()
    #: Every signal the trace saw this site send (a site that sent several has a row for each).
    runtime_signals: tuple[str, ...] = ()
    #: The signal expression as written, kept when the scan could not resolve it.
    expression: str = ""


class SignalRow(Record, ordered=True):
    """One signal, with its static status and how often it was sent at run time."""

    signal: str
    framework: Framework
    category: SignalCategory
    status: SignalStatus
    #: Sends at run time, from anywhere (framework code included).
    sends: int
    receivers: int
    exercised_receivers: int
    definition_path: str | None = None
    definition_line: int | None = None
    #: What ``status`` rests on (see :data:`Evidence`).
    evidence: Evidence = "static"
    #: For a ``possibly_*`` status: the unresolved send sites that might send it.
    possible_senders: tuple[SiteRef, ...] = ()


class Totals(Record):
    """Exercised over total, like a coverage figure."""

    total: int
    exercised: int

    @property
    def percent(self) -> float:
        """Exercised share in percent, rounded to two decimals (100.0 when there is nothing)."""
        return round(100.0 * self.exercised / self.total, 2) if self.total else 100.0


class Report(Record):
    """Declared versus exercised, for every signal, receiver and send site."""

    signals: tuple[SignalRow, ...]
    receivers: tuple[ReceiverRow, ...]
    senders: tuple[SenderRow, ...]
    receiver_totals: Totals
    sender_totals: Totals
    files_skipped: tuple[SkippedFile, ...] = ()
    #: xdist workers that sent no trace back: their tests' data is missing.
    missing_workers: tuple[str, ...] = ()
    #: From the static map: ``.connect(...)`` calls whose object may not be a signal.
    unresolved_connects: tuple[UnresolvedConnect, ...] = ()
    cascades: Cascades = field(default_factory=Cascades)
