"""A total order over frozen records whose fields may be ``None`` (rows, static records).

``sorted(rows)`` on ``order=True`` dataclasses compares field by field and raises ``TypeError``
as soon as two rows share a path and line but one has ``signal=None`` (a signal the scan could
not name, such as one built by a factory function) and the other a string. :func:`record_order`
gives the same order as the dataclass comparison wherever that one works, with ``None`` first.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any

from pytest_signaltrace.record import Record, field_names


def record_order(record: Any) -> tuple[Any, ...]:
    """A sort key for a dataclass instance: its fields in order, ``None`` before any value."""
    names = (
        field_names(type(record))
        if isinstance(record, Record)  # without making its dataclasses.Field objects
        else [f.name for f in dataclasses.fields(record)]
    )
    return tuple(value_order(getattr(record, name)) for name in names)


def value_order(value: object) -> tuple[Any, ...]:
    """A sort key for one field value (tuples element by element, enums by their value)."""
    if value is None:
        return (0,)
    if isinstance(value, tuple):
        return (1, tuple(value_order(item) for item in value))
    if isinstance(value, enum.Enum):
        return (1, value.value)
    return (1, value)
