"""A static map as JSON and back, fast: the form the tree memo (:mod:`.memo`) keeps it in.

:func:`~pytest_signaltrace.datafile.read.static_map_from_dict` checks every field of every row
against its type hint, as a data file from anywhere must be; reading back a map this package
wrote itself, moments after checking that it reads back equal (:func:`encode` does), needs none
of it. Every value is written as itself (a string, a number, ``None``, a boolean) or as a list
whose first item says what it is: ``["t", items]`` a tuple, ``["f", items]`` a frozenset,
``["r", class, fields]`` a record of :mod:`pytest_signaltrace.model`, ``["e", class, value]``
a member of one of its enumerations. Anything else cannot be encoded (:class:`TypeError`).
"""

from __future__ import annotations

import enum
from typing import Any

from pytest_signaltrace import model
from pytest_signaltrace.model import StaticMap
from pytest_signaltrace.record import Record

_PLAIN = (str, int, type(None), bool, float)


def encode(static_map: StaticMap) -> Any:
    """The JSON-ready form of ``static_map``; raises :class:`TypeError` for a value it cannot
    encode or a map that does not decode back equal to itself."""
    encoded = _encode(static_map)
    if decode(encoded) != static_map:
        raise TypeError("the map does not read back equal")
    return encoded


def decode(value: Any) -> Any:
    """The value :func:`encode` encoded; raises ``TypeError``, ``ValueError``, ``KeyError`` or
    ``AttributeError`` for a form it did not write."""
    if type(value) is not list:
        if type(value) not in _PLAIN:
            raise TypeError(f"not an encoded value: {type(value).__name__}")
        return value
    tag = value[0]
    if tag == "t":
        return tuple(map(decode, value[1]))
    if tag == "f":
        return frozenset(map(decode, value[1]))
    if tag == "r":
        cls = _model_class(value[1], Record)
        record = object.__new__(cls)
        # What Record.__init__ does once it has checked its arguments (see record.py).
        record.__dict__.update(zip(cls._record_layout.names, map(decode, value[2]), strict=True))
        return record
    if tag == "e":
        return _model_class(value[1], enum.Enum)(value[2])
    raise ValueError(f"unknown tag {tag!r}")


def _encode(value: Any) -> Any:
    kind = type(value)
    if kind in _PLAIN:
        return value
    if isinstance(value, Record):
        names = type(value)._record_layout.names
        return ["r", _class_name(kind), [_encode(getattr(value, name)) for name in names]]
    if isinstance(value, enum.Enum):
        return ["e", _class_name(kind), value.value]
    if kind is tuple:
        return ["t", [_encode(item) for item in value]]
    if kind is frozenset:
        return ["f", [_encode(item) for item in value]]
    raise TypeError(f"cannot encode a {kind.__name__}")


def _class_name(cls: type) -> str:
    name = cls.__name__
    if getattr(model, name, None) is not cls:
        raise TypeError(f"{cls.__qualname__} is not a class of the model")
    return name


def _model_class(name: Any, base: type) -> Any:
    cls = getattr(model, name) if type(name) is str else None
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise TypeError(f"{name!r} is not a class of the model")
    return cls
