"""The checks of single values in a trace's JSON (:mod:`.json_read` and the readers of its
optional tables): each returns the value, or raises ``ValueError`` naming it (``where``, as
``trace.sends[3].count``) and showing what it is."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def shown(value: object) -> str:
    """``value`` as an error message shows it: one line, at most 40 characters."""
    # json.dumps escapes newlines and other control characters: the message stays one line.
    printed = json.dumps(value) if isinstance(value, str) else repr(value)
    return printed if len(printed) <= 40 else printed[:37] + "..."


def listed(data: Mapping[str, Any], name: str) -> list[Any]:
    """The list ``data[name]`` of a trace (empty when missing)."""
    value = data.get(name, [])
    if type(value) is not list:
        raise ValueError(f"trace.{name} is {shown(value)} (expected a list)")
    return value


def natural(value: object, where: str, what: str) -> int:
    """A whole number >= 0; ``what`` says what was expected of it."""
    if type(value) is not int or value < 0:
        raise ValueError(f"{where} is {shown(value)} (expected {what})")
    return value


def count(value: object, where: str) -> int:
    """A count."""
    return natural(value, where, "a count: a whole number >= 0")


def line(value: object, where: str) -> int:
    """A line number."""
    return natural(value, where, "a line number")


def opt_line(value: object, where: str) -> int | None:
    """A line number or ``None``."""
    return None if value is None else line(value, where)


def index(value: object, size: int, where: str) -> int:
    """An index into a table of ``size`` rows."""
    number = natural(value, where, f"an index below {size}")
    if number >= size:
        raise ValueError(f"{where} is {number} (expected an index below {size})")
    return number


def text(value: object, where: str) -> str:
    """A string."""
    if type(value) is not str:
        raise ValueError(f"{where} is {shown(value)} (expected a string)")
    return value


def opt_text(value: object, where: str) -> str | None:
    """A string or ``None``."""
    return None if value is None else text(value, where)
