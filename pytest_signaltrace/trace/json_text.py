"""JSON text as ``json.dumps(document, separators=(",", ":"))`` writes it, built in pieces
(:func:`compact_json`): the data file and an xdist worker's trace are written with it."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from typing import Any

#: How many values (rows, and the items of their lists) :func:`compact_json` encodes in one
#: call of the C encoder at most, but for one row that holds more.
_PIECE_BUDGET = 4096
_ENCODE = json.JSONEncoder(separators=(",", ":")).encode


class EncodedJSON(str):
    """A value's JSON text, already encoded: :func:`compact_json` writes it as it is, where it
    is the value of a key of a dict (``json.dumps`` would write it as a string)."""

    __slots__ = ()


def compact_json(document: Any, end: str = "") -> str:
    """``json.dumps(document, separators=(",", ":")) + end``, the same text, built in pieces.

    Python 3.11's C encoder keeps every piece of its output (each number, each key) as a
    string object of its own until it returns: for a data file of 0.5 MB, whose tables of tests
    hold 47,000 test indexes, that was a 4 MB peak at the end of django-allauth's run, more
    than the run's trace. Encoded here a few thousand values at a time, the peak is about the
    size of the text. Lists of rows are cut into slices; a row (or a dict of tables) that
    holds more than the budget is encoded item by item.
    """
    pieces: list[str] = []
    _encode_into(document, pieces)
    pieces.append(end)
    return "".join(pieces)


def _encode_into(value: Any, pieces: list[str]) -> None:
    if type(value) is list:
        _encode_list(value, pieces)
    elif type(value) is EncodedJSON:
        pieces.append(value)
    elif (
        type(value) is dict
        and (_weight(value) > _PIECE_BUDGET or _holds_encoded(value))
        and _str_keys(value)
    ):
        sep = "{"
        for key, item in value.items():
            pieces.append(sep + _ENCODE(key) + ":")
            _encode_into(item, pieces)
            sep = ","
        pieces.append("}")
    else:
        pieces.append(_ENCODE(value))


def _encode_list(items: list[Any], pieces: list[str]) -> None:
    """A list: slices of at most the budget's weight encoded at once; a heavier item alone."""
    if not items:
        pieces.append("[]")
        return
    if _light(items):  # what the loop below would encode as one slice
        pieces.append(_ENCODE(items))
        return
    sep, start, weight = "[", 0, 0
    for index, item in enumerate(items):
        own = _weight(item)
        if own > _PIECE_BUDGET or weight + own > _PIECE_BUDGET:
            if index > start:  # the slice so far
                pieces.append(sep + _ENCODE(items[start:index])[1:-1])
                sep = ","
            start, weight = index, 0
            if own > _PIECE_BUDGET:
                pieces.append(sep)
                _encode_into(item, pieces)
                sep, start = ",", index + 1
                continue
        weight += own
    if start < len(items):
        pieces.append(sep + _ENCODE(items[start:])[1:-1])
    pieces.append("]")


def _light(items: list[Any]) -> bool:
    """Whether ``items`` are scalars, or flat lists (rows), whose weights add up to the budget
    at most: found with ``map`` in C, where weighing item by item costs a Python call each."""
    kinds = set(map(type, items))
    if list not in kinds and dict not in kinds:
        return len(items) <= _PIECE_BUDGET
    if kinds != {list}:
        return False
    return _holds_no_container(itertools.chain.from_iterable(items)) and (
        sum(map(len, items)) <= _PIECE_BUDGET
    )


def _weight(value: Any) -> int:
    """About how many pieces the C encoder makes of ``value``: 1 for a scalar, a list's or a
    dict's length plus that of the lists and dicts it holds (one level down; deeper ones
    count as heavy, so that they are looked into)."""
    kind = type(value)
    if kind is list:
        values: Any = value
    elif kind is dict:
        values = value.values()
    else:
        return 1
    total = len(value)
    if _holds_no_container(values):  # a row of numbers and strings: the common case
        return total
    for item in values:
        if type(item) is list or type(item) is dict:
            total += len(item) if _is_flat(item) else _PIECE_BUDGET + 1
    return total


def _is_flat(value: list[Any] | dict[Any, Any]) -> bool:
    return _holds_no_container(value if type(value) is list else value.values())  # type: ignore[union-attr]


def _holds_no_container(values: Iterable[Any]) -> bool:
    """Whether none of ``values`` is a list or a dict. The types are collected by ``map`` in C:
    a generator testing each value was most of the cost of writing a data file (about 12 M
    instructions for the generated suite's 400 tests), for rows that are mostly flat."""
    kinds = set(map(type, values))
    return list not in kinds and dict not in kinds


def _holds_encoded(value: dict[Any, Any]) -> bool:
    return EncodedJSON in set(map(type, value.values()))


def _str_keys(value: dict[Any, Any]) -> bool:
    """Whether every key is a ``str`` (``json`` turns other keys into strings: encoded whole)."""
    return all(type(key) is str for key in value)
