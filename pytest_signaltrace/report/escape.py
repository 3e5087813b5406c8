"""Text from source files and from the run, made safe to show: one set of escapes for every
report.

Names, paths, expressions and exception messages come from the scanned files and from the
traced program, and they can hold anything:

* control characters (ESC starts a terminal escape sequence, a carriage return overwrites a
  line, a line feed starts a new one: a receiver named ``"x\\nFAIL Required ..."`` would forge
  a gate line, and breaks a Markdown heading), bidirectional overrides (U+202E reorders what is
  shown);
* lone surrogates: a file name in bytes that are not UTF-8 (``caf\\xe9.py``) is decoded with
  ``surrogateescape`` into ``caf\\udce9.py``, which no UTF-8 output can encode.

:func:`escape` shows each as an escape: ``\\x1b``, ``\\u202e``, ``\\n``, and the original byte
``\\xe9`` for a surrogate-escaped one. :func:`for_display` applies it to every text of a
:class:`~pytest_signaltrace.model.Report` (each reporter but JSON renders that copy: JSON
escapes everything itself and keeps the exact values); :func:`printable` to a whole rendered
text, keeping its line feeds and tabs.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from typing import Any, TypeVar

from pytest_signaltrace.record import Record, field_names, replace

#: C0 controls, DEL, C1 controls, the bidirectional formatting characters (embeddings,
#: overrides, isolates, marks), and lone surrogates: each is not printable (``str.isprintable``).
_UNSAFE = "\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
#: The same but tab and line feed: what a whole rendered text may hold.
_UNSAFE_BUT_TAB_AND_LINE_FEED = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
)
#: Tab and line feed taken out of a text (``str.translate``) before it is asked whether it is
#: all printable.
_WITHOUT_TAB_AND_LINE_FEED = str.maketrans("", "", "\t\n")


@functools.cache
def _unsafe(characters: str) -> re.Pattern[str]:
    # Compiled on first use only: most texts are printable (no pattern is needed), and
    # compiling the class of 2,100 characters costs about as much as the rest of a report.
    return re.compile(f"[{characters}]")


#: Fields that hold several lines of source code: their line feeds and tabs are kept.
_MULTILINE_FIELDS = frozenset({"code"})

_T = TypeVar("_T")


def escape(text: str) -> str:
    """``text`` on one line, every control, bidirectional and surrogate character escaped."""
    if text.isprintable():  # none of them is printable: nothing to escape
        return text
    return _unsafe(_UNSAFE).sub(_escaped, text)


def printable(text: str) -> str:
    """``text`` with every control character but tab and line feed escaped (and the
    bidirectional and surrogate ones): for a whole rendered report."""
    if text.translate(_WITHOUT_TAB_AND_LINE_FEED).isprintable():
        return text
    return _unsafe(_UNSAFE_BUT_TAB_AND_LINE_FEED).sub(_escaped, text)


def for_display(value: _T) -> _T:
    """A copy of ``value`` (a report, a row, a tuple of them) whose every text is escaped:
    :func:`escape`, or :func:`printable` for source code fields. Values without anything to
    escape are returned as they are (a report of ordinary names is not copied)."""
    return _displayed(value, multiline=False)  # type: ignore[no-any-return]


def _displayed(value: Any, *, multiline: bool) -> Any:
    kind = type(value)
    if kind is str:  # not a str enum (a status): those are the tool's own words
        return printable(value) if multiline else escape(value)
    if kind is tuple:
        items = tuple(_displayed(item, multiline=multiline) for item in value)
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    if kind is frozenset:
        members = frozenset(_displayed(item, multiline=multiline) for item in value)
        return value if members == value else members
    if isinstance(value, Record):  # its fields without making dataclasses.Field objects
        changed = _displayed_fields(value, field_names(kind))
        return replace(value, **changed) if changed else value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = tuple(spec.name for spec in dataclasses.fields(value) if spec.init)
        changed = _displayed_fields(value, names)
        return dataclasses.replace(value, **changed) if changed else value
    return value


def _displayed_fields(value: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """The fields of the dataclass ``value`` that show otherwise, displayed."""
    changes = {}
    for name in names:
        old = getattr(value, name)
        new = _displayed(old, multiline=name in _MULTILINE_FIELDS)
        if new is not old:
            changes[name] = new
    return changes


#: Escapes of the characters a one-line field may not hold but a text may (carriage return
#: stays ``\x0d``, as it always was shown).
_NAMED = {"\n": "\\n", "\t": "\\t"}


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, kept by surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
