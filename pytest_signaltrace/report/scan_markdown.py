"""Render a :class:`~pytest_signaltrace.model.StaticMap` as Markdown ("Signal Usage Analysis").

The layout, top to bottom: a title and one line about the scan, a ``## Summary`` table of counts,
``## Dead receivers`` / ``## Possibly dead receivers`` / ``## Unused signals`` / ``## Possibly
unused signals`` / ``## Signals never sent`` / ``## Signals possibly never sent`` (each only when
it has rows; "possibly": no resolved send site sends the signal, but an unresolved one might,
and the possible ones are listed), ``## Signals`` with one ``###`` section per signal id (sorted),
a last ``### Unresolved signal`` section for send sites whose signal could not be resolved,
``## Unresolved connect calls`` (only when it has rows) and ``## Skipped files``.

Every value taken from the map goes through :func:`_code` (a code span, safe for any number of
backticks) or :func:`_text` (backslash-escaped); table cells then escape ``|`` as ``\\|``. Newlines
become spaces, so one row stays one line. In the receivers table the handler cell carries
``(test)`` for a test-only receiver, ``(dead)`` for a dead one and ``(possibly dead)`` for a
possibly dead one; in the senders table the method cell carries ``(test)``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TypeVar

from pytest_signaltrace.merge.verdicts import PossibleSenders
from pytest_signaltrace.model import (
    Definition,
    Receiver,
    Sender,
    SignalCategory,
    SignalInfo,
    SignalStatus,
    StaticMap,
)
from pytest_signaltrace.report.text import code_span
from pytest_signaltrace.report.words import signal_word, sites_text
from pytest_signaltrace.scan.derive import possibly_dead_receivers

_NEWLINES = re.compile(r"\r\n|\r|\n")
#: ASCII punctuation that could start inline Markdown (emphasis, links, HTML, entities, code).
_TEXT_SPECIALS = re.compile(r"([\\`*_\[\]<>&~#])")

_RECEIVER_HEADER = ("File", "Line", "Handler", "Sender", "Code")
_SENDER_HEADER = ("File", "Line", "Method", "Sender", "Code")
_UNKNOWN = "unknown"

_Row = TypeVar("_Row", Receiver, Sender)


def render_scan_markdown(static_map: StaticMap) -> str:
    """Render ``static_map`` as a Markdown document ending with exactly one newline.

    The output depends only on the map: signals are ordered by id, receivers and send sites by
    ``(path, line)`` within each signal, and each signal id gets exactly one section.
    """
    infos = _first_info_per_signal(static_map.signals)
    lines: list[str] = ["# Signal Usage Analysis", "", _scan_line(static_map), ""]
    lines += _summary_section(static_map, infos)
    possible = PossibleSenders(static_map.senders, static_map.files_skipped)
    lines += _dead_receivers_section(static_map)
    lines += _possibly_dead_section(static_map, possible)
    lines += _signal_list_section("Unused signals", infos, SignalStatus.UNUSED)
    lines += _signal_list_section(
        "Possibly unused signals", infos, SignalStatus.POSSIBLY_UNUSED, possible
    )
    lines += _signal_list_section("Signals never sent", infos, SignalStatus.NEVER_SENT)
    lines += _signal_list_section(
        "Signals possibly never sent", infos, SignalStatus.POSSIBLY_NEVER_SENT, possible
    )
    lines += _signals_section(static_map, infos)
    lines += _unresolved_connects_section(static_map)
    lines += _skipped_section(static_map)
    return "\n".join(lines).rstrip("\n") + "\n"


# --- sections ---------------------------------------------------------------------------------


def _scan_line(static_map: StaticMap) -> str:
    return (
        f"Root {_code(static_map.root)}: {static_map.files_scanned} files scanned, "
        f"{static_map.files_parsed} parsed, {len(static_map.files_skipped)} skipped."
    )


def _summary_section(static_map: StaticMap, infos: dict[str, SignalInfo]) -> list[str]:
    categories = Counter(info.category for info in infos.values())
    statuses = Counter(info.status for info in infos.values())
    unknown = len(_signal_ids(static_map) - infos.keys())
    signal_detail = ", ".join(
        [f"{categories[category]} {category.value}" for category in SignalCategory]
        + ([f"{unknown} {_UNKNOWN}"] if unknown else [])
    )
    test_receivers = sum(r.test_only for r in static_map.receivers)
    test_senders = sum(s.test_only for s in static_map.senders)
    rows = [
        ("Signals", f"{len(infos) + unknown} ({signal_detail})"),
        ("Definitions", str(len(static_map.definitions))),
        ("Receivers", f"{len(static_map.receivers)} ({test_receivers} test-only)"),
        ("Send sites", f"{len(static_map.senders)} ({test_senders} test-only)"),
        ("Disconnects", str(len(static_map.disconnects))),
        ("Unresolved connect calls", str(len(static_map.unresolved_connects))),
        ("Dead receivers", str(len(_dead_receivers(static_map)))),
        ("Possibly dead receivers", str(len(_possibly_dead_receivers(static_map)))),
        ("Unused signals", str(statuses[SignalStatus.UNUSED])),
        ("Possibly unused signals", str(statuses[SignalStatus.POSSIBLY_UNUSED])),
        ("Signals never sent", str(statuses[SignalStatus.NEVER_SENT])),
        ("Signals possibly never sent", str(statuses[SignalStatus.POSSIBLY_NEVER_SENT])),
        ("Signals with no receivers", str(statuses[SignalStatus.NO_RECEIVERS])),
        ("Signals received only in tests", str(statuses[SignalStatus.TEST_RECEIVERS_ONLY])),
    ]
    return ["## Summary", "", *_table(("Item", "Count"), rows), ""]


def _dead_receivers_section(static_map: StaticMap) -> list[str]:
    dead = _dead_receivers(static_map)
    if not dead:
        return []
    rows = [
        (_code(r.handler), _signal_cell(r.signal), _code(_location(r.path, r.line))) for r in dead
    ]
    return ["## Dead receivers", "", *_table(("Handler", "Signal", "Location"), rows), ""]


def _possibly_dead_section(static_map: StaticMap, possible: PossibleSenders) -> list[str]:
    rows = [
        (
            _code(r.handler),
            _signal_cell(r.signal),
            _code(_location(r.path, r.line)),
            _code(sites_text(possible.of(r.signal))) if r.signal else "",
        )
        for r in _possibly_dead_receivers(static_map)
    ]
    if not rows:
        return []
    header = ("Handler", "Signal", "Location", "Might be sent by")
    return ["## Possibly dead receivers", "", *_table(header, rows), ""]


def _signal_list_section(
    title: str,
    infos: dict[str, SignalInfo],
    status: SignalStatus,
    possible: PossibleSenders | None = None,
) -> list[str]:
    items = [infos[signal] for signal in sorted(infos) if infos[signal].status is status]
    if not items:
        return []
    lines = [f"## {title}", ""]
    for info in items:
        where = _definition_location(info.definition_path, info.definition_line)
        line = f"- {_code(info.signal)}" + (f" ({_code(where)})" if where else "")
        if possible is not None:
            line += f": might be sent by {_code(sites_text(possible.of(info.signal)))}"
        lines.append(line)
    return [*lines, ""]


def _signals_section(static_map: StaticMap, infos: dict[str, SignalInfo]) -> list[str]:
    lines = ["## Signals", ""]
    signal_ids = sorted(_signal_ids(static_map))
    if not signal_ids:
        lines += ["_No signals found._", ""]
    definitions = _first_definition_per_signal(static_map.definitions)
    receivers = _group_by_signal(static_map.receivers)
    senders = _group_by_signal(static_map.senders)
    for signal in signal_ids:
        lines += [f"### {_code(signal)}", ""]
        lines += _signal_facts(infos.get(signal), definitions.get(signal))
        lines += _receivers_block(static_map, receivers.get(signal, []), unresolved=False)
        lines += _senders_block(senders.get(signal, []), unresolved=False)
    if None in receivers or None in senders:
        lines += ["### Unresolved signal", ""]
        lines += _receivers_block(static_map, receivers.get(None, []), unresolved=True)
        lines += _senders_block(senders.get(None, []), unresolved=True)
    return lines


def _signal_facts(info: SignalInfo | None, definition: Definition | None) -> list[str]:
    framework = info.framework if info else definition.framework if definition else _UNKNOWN
    category = info.category.value if info else _UNKNOWN
    status = signal_word(info.status.value) if info else _UNKNOWN
    where = _definition_location(info.definition_path, info.definition_line) if info else ""
    if not where and definition is not None:
        where = _location(definition.path, definition.line)
    return [
        f"- Framework: {framework}",
        f"- Category: {category}",
        f"- Status: {status}",
        f"- Definition: {_code(where) if where else 'outside the scanned source'}",
        "",
    ]


def _receivers_block(
    static_map: StaticMap, receivers: Sequence[Receiver], *, unresolved: bool
) -> list[str]:
    lines = ["**Receivers**", ""]
    if not receivers:
        return [*lines, "_No receivers._", ""]
    maybe = possibly_dead_receivers(receivers, static_map.signals)
    header = _with_expression(_RECEIVER_HEADER, "Expression" if unresolved else None)
    rows = [
        _with_expression(
            (
                _code(r.path),
                str(r.line),
                _code(r.handler)
                + _markers(
                    test=r.test_only,
                    dead=static_map.is_dead(r),
                    maybe=(r.path, r.line, r.signal) in maybe,
                ),
                _code(r.sender),
                _code(r.code),
            ),
            _code(r.expression) if unresolved else None,
        )
        for r in receivers
    ]
    return [*lines, *_table(header, rows), ""]


def _candidates(sender: Sender) -> str:
    """`` (may be `a`, `b`)`` after an unresolved send site's expression."""
    if not sender.signal_candidates:
        return ""
    return " (may be " + ", ".join(_code(c) for c in sender.signal_candidates) + ")"


def _senders_block(senders: Sequence[Sender], *, unresolved: bool) -> list[str]:
    lines = ["**Send sites**", ""]
    if not senders:
        return [*lines, "_No send sites._", ""]
    header = _with_expression(_SENDER_HEADER, "Expression" if unresolved else None)
    rows = [
        _with_expression(
            (
                _code(s.path),
                _line_span(s.line, s.end_line),
                _code(s.method) + _markers(test=s.test_only, dead=False),
                _code(s.sender),
                _code(s.code),
            ),
            _code(s.expression) + _candidates(s) if unresolved else None,
        )
        for s in senders
    ]
    return [*lines, *_table(header, rows), ""]


def _unresolved_connects_section(static_map: StaticMap) -> list[str]:
    if not static_map.unresolved_connects:
        return []
    rows = [
        (
            _code(c.path),
            str(c.line),
            _code(c.handler) + _markers(test=c.test_only, dead=False),
            _code(c.expression),
            _code(c.code),
        )
        for c in static_map.unresolved_connects
    ]
    return [
        "## Unresolved connect calls",
        "",
        "`connect` calls on objects the scan cannot tell are signals: not counted as receivers.",
        "",
        *_table(("File", "Line", "Handler", "Expression", "Code"), rows),
        "",
    ]


def _skipped_section(static_map: StaticMap) -> list[str]:
    if not static_map.files_skipped:
        return []
    rows = [(_code(f.path), _text(f.reason)) for f in static_map.files_skipped]
    return ["## Skipped files", "", *_table(("File", "Reason"), rows), ""]


# --- data helpers -----------------------------------------------------------------------------


def _first_info_per_signal(infos: Iterable[SignalInfo]) -> dict[str, SignalInfo]:
    first: dict[str, SignalInfo] = {}
    for info in infos:
        first.setdefault(info.signal, info)
    return first


def _first_definition_per_signal(definitions: Iterable[Definition]) -> dict[str, Definition]:
    first: dict[str, Definition] = {}
    for definition in definitions:
        first.setdefault(definition.signal, definition)
    return first


def _signal_ids(static_map: StaticMap) -> set[str]:
    """Every resolved signal id the map mentions, so that no receiver or send site is dropped."""
    ids = {info.signal for info in static_map.signals}
    ids |= {d.signal for d in static_map.definitions}
    ids |= {r.signal for r in static_map.receivers if r.signal is not None}
    ids |= {s.signal for s in static_map.senders if s.signal is not None}
    return ids


def _group_by_signal(rows: Iterable[_Row]) -> dict[str | None, list[_Row]]:
    """Rows keyed by signal id (``None`` for unresolved), each list sorted by ``(path, line)``."""
    groups: dict[str | None, list[_Row]] = {}
    for row in rows:
        groups.setdefault(row.signal, []).append(row)
    return {signal: _sorted_rows(group) for signal, group in groups.items()}


def _dead_receivers(static_map: StaticMap) -> list[Receiver]:
    return _sorted_rows([r for r in static_map.receivers if static_map.is_dead(r)])


def _possibly_dead_receivers(static_map: StaticMap) -> list[Receiver]:
    maybe = possibly_dead_receivers(static_map.receivers, static_map.signals)
    return _sorted_rows([r for r in static_map.receivers if (r.path, r.line, r.signal) in maybe])


def _sorted_rows(rows: list[_Row]) -> list[_Row]:
    return sorted(rows, key=_row_key)


def _row_key(row: Receiver | Sender) -> tuple[str, int, str]:
    name = row.handler if isinstance(row, Receiver) else row.method
    return (row.path, row.line, name)


# --- Markdown helpers -------------------------------------------------------------------------


def _one_line(text: str) -> str:
    return _NEWLINES.sub(" ", text)


def _code(text: str | None) -> str:
    """A code span holding ``text`` literally; empty when there is nothing to show."""
    if not text:
        return ""
    return code_span(_one_line(text))


def _text(text: str) -> str:
    """Plain text with the characters that could start inline Markdown escaped."""
    return _TEXT_SPECIALS.sub(r"\\\1", _one_line(text))


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = [_row(header), _row(["---"] * len(header))]
    lines += [_row(row) for row in rows]
    return lines


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(_cell(cell) for cell in cells) + " |"


def _with_expression(cells: tuple[str, ...], expression: str | None) -> tuple[str, ...]:
    """Insert ``expression`` after the third column (the unresolved tables); else keep ``cells``."""
    if expression is None:
        return cells
    return (*cells[:3], expression, *cells[3:])


def _markers(*, test: bool, dead: bool, maybe: bool = False) -> str:
    marks = (("test", test), ("dead", dead), ("possibly dead", maybe))
    names = [name for name, on in marks if on]
    return f" ({', '.join(names)})" if names else ""


def _signal_cell(signal: str | None) -> str:
    return _code(signal) if signal else "_unresolved_"


def _location(path: str, line: int | None) -> str:
    return f"{path}:{line}" if line is not None else path


def _definition_location(path: str | None, line: int | None) -> str:
    return _location(path, line) if path else ""


def _line_span(line: int, end_line: int) -> str:
    return f"{line}-{end_line}" if end_line > line else str(line)
