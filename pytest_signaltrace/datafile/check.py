"""Checking a data file's JSON before any of it is used: plain JSON only, and every value
damaged or not by what its key means, whatever the layout's version (a data file comes from
another job, another machine, or an editor)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from pytest_signaltrace.datafile.format import DataFileError
from pytest_signaltrace.model import SEND_METHODS

#: The deepest nesting a data file may have: the format itself needs 6 levels.
MAX_DEPTH = 32
#: Counters and sizes: non-negative integers.
_COUNT_KEYS = frozenset({"count", "calls", "files_scanned", "files_parsed"})
#: Line numbers: non-negative integers (0: no Python code), or null when not known.
_LINE_KEYS = frozenset({"line", "end_line", "def_line", "definition_line"})
#: Paths: strings, or null when not known.
_PATH_KEYS = frozenset({"path", "def_path", "definition_path", "root", "rootdir"})
#: Lists of strings (test node ids, folders, patterns, worker ids).
_STRING_LIST_KEYS = frozenset({"tests", "sources", "exclude", "missing_workers", "runs"})
#: Send methods: the names a send site or a traced send can have.
_METHOD_KEYS = frozenset({"method"})
#: Runtime sites: ``[path index, line]``, the line from 1.
_SITE_KEYS = frozenset({"site", "project_site"})
#: The largest integer accepted anywhere (a counter of a real run stays far below it).
_MAX_INT = 2**63 - 1


def parse_document(text: str, *, name: str) -> object:
    """The JSON of a data file; raises :class:`DataFileError` for anything that is not plain
    JSON: invalid syntax, ``NaN``/``Infinity``, numbers too long to convert, nesting too deep."""
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise DataFileError(
            f"{name} is corrupt or not a signal data file (invalid JSON at line "
            f"{exc.lineno}, column {exc.colno})"
        ) from None
    except RecursionError:
        raise DataFileError(f"{name} is corrupt: JSON nested too deeply") from None
    except ValueError as exc:  # a number beyond int's digit limit, NaN or Infinity
        raise DataFileError(f"{name} is corrupt: {_first_line(exc)}") from None


def _refuse_constant(constant: str) -> object:
    raise ValueError(f"{constant} is not a number a data file can hold")


def check_document(document: object, *, name: str) -> None:
    """Refuse damaged values anywhere in a parsed data file, by what each key means (so it
    holds for any version of the layout): negative, fractional or huge counts, a line that is
    not a number, a path that is not a string, tests that are not a list of strings, floats,
    nesting deeper than :data:`MAX_DEPTH`. Raises :class:`DataFileError` naming the value."""
    # Where a value is stays a chain of (parent, key or index) and becomes text only for a
    # message: building it for every value was most of reading a large file. Strings, None
    # and booleans cannot be damaged (beyond their depth), and ints are checked in place.
    stack: list[tuple[object, _Where, int]] = [(document, None, 0)]
    while stack:
        value, where, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise DataFileError(f"{name} is corrupt: nested deeper than {MAX_DEPTH} levels")
        if isinstance(value, dict):
            items: Iterable[tuple[str | int, object]] = value.items()
        elif isinstance(value, list):
            items = enumerate(value)
        elif isinstance(value, float):
            raise DataFileError(
                f"{name} is corrupt: {_where_text(where)} is {_short(value)} (not an integer)"
            )
        else:
            _check_int(value, where, name)
            continue
        shallow = depth + 1 <= MAX_DEPTH
        keyed = isinstance(value, dict)
        if isinstance(value, dict) and _is_zero(value.get("line")) and value.get("path"):
            # line 0 means "no Python code" (a receiver that is a builtin): never in a file
            at = _where_text((where, "line"))
            raise DataFileError(f"{name} is corrupt: {at} is 0 (a line of a file counts from 1)")
        for key, item in items:
            if keyed:
                key = str(key)
                problem = _field_problem(key, item)
                if problem:
                    at = _where_text((where, key))
                    raise DataFileError(f"{name} is corrupt: {at} is {_short(item)} ({problem})")
            kind = type(item)
            if shallow and (kind is str or kind is bool or item is None):
                continue
            if shallow and kind is int:
                _check_int(item, (where, key), name)
                continue
            stack.append((item, (where, key), depth + 1))


#: Where a value is in a document: ``None`` (the top) or ``(parent, key or list index)``.
_Where = tuple[Any, str | int] | None


def _where_text(where: _Where) -> str:
    """``trace.sends[3].count`` for a :data:`_Where` chain."""
    parts: list[str | int] = []
    while where is not None:
        where, part = where
        parts.append(part)
    text = ""
    for part in reversed(parts):
        text = f"{text}[{part}]" if isinstance(part, int) else _member(text, part)
    return text


def _check_int(value: object, where: _Where, name: str) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > _MAX_INT:
        raise DataFileError(f"{name} is corrupt: {_where_text(where)} is too large a number")


def _member(where: str, key: str) -> str:
    """``where.key`` for a plain key; ``where["k\\ney"]`` (JSON-escaped, cut short) otherwise,
    so that a message stays one printable line whatever the file holds."""
    if key.isidentifier() and key.isascii():
        return f"{where}.{key}" if where else key
    return f"{where}[{_short(key)}]"


def _field_problem(key: str, value: object) -> str:
    """What is wrong with ``value`` for a field named ``key`` (``""``: nothing known)."""
    if key in _COUNT_KEYS and not _is_count(value):
        return "expected a count: an integer from 0"
    if key in _LINE_KEYS and value is not None and not _is_count(value):
        return "expected a line number: an integer from 0, or null"
    if key in _PATH_KEYS and value is not None and not isinstance(value, str):
        return "expected a path: a string, or null"
    if key in _STRING_LIST_KEYS and not _is_string_list(value):
        return "expected a list of strings"
    if key in _METHOD_KEYS and value not in SEND_METHODS:
        return "expected a send method: " + ", ".join(SEND_METHODS)
    if key in _SITE_KEYS and type(value) is list and len(value) == 2 and _is_zero(value[1]):
        return "expected a site: [path, line], the line from 1"
    return ""


def _is_string_list(value: object) -> bool:
    """A list of strings, or a section of rows (the trace's ``"tests"`` holds rows whose own
    ``"tests"`` are the node ids)."""
    if not isinstance(value, list):
        return False
    return all(isinstance(item, str) for item in value) or all(
        isinstance(item, dict) for item in value
    )


def _is_zero(value: object) -> bool:
    return type(value) is int and value == 0


def _is_count(value: object) -> bool:
    return type(value) is int and 0 <= value <= _MAX_INT


def _short(value: object) -> str:
    """``value`` for a message: scalars as JSON (cut short), containers by kind."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    text = repr(value) if isinstance(value, float) else json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0]
