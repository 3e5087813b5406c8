"""Reading a trace's ``cascades`` and ``chains`` rows (see the format history in
:mod:`pytest_signaltrace.trace.model`), every value checked as :mod:`.json_read` checks the rest."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pytest_signaltrace.trace.cascade_keys import CascadeKey, ChainKey, deepest_chains
from pytest_signaltrace.trace.keys import HandlerRef, SignalRef

_Rows = Iterable[tuple[int, Mapping[str, Any]]]


def read_cascades(
    edges: _Rows,
    chains: _Rows,
    signal: Callable[[object, str], SignalRef],
    handler: Callable[[object, str], HandlerRef],
    test_ids: Callable[[Mapping[str, Any], str], frozenset[str]],
    count: Callable[[object, str], int],
) -> dict[str, Any]:
    """The ``cascades``, ``cascade_tests`` and ``chains`` fields of a trace, from its rows;
    ``ValueError`` names the first bad value, as ``trace.cascades[2].count``."""
    counts: dict[CascadeKey, int] = {}
    tests: dict[CascadeKey, frozenset[str]] = {}
    for i, row in edges:
        where = f"trace.cascades[{i}]"
        under, parent = row.get("under"), row.get("parent")
        key = CascadeKey(
            handler(row.get("handler"), f"{where}.handler"),
            signal(row.get("signal"), f"{where}.signal"),
            None if under is None else signal(under, f"{where}.under"),
            None if parent is None else handler(parent, f"{where}.parent"),
        )
        number = count(row.get("count"), f"{where}.count")
        if number:
            counts[key] = counts.get(key, 0) + number
        nodes = test_ids(row, where)
        if nodes:
            tests[key] = tests.get(key, frozenset()) | nodes
    found: list[tuple[ChainKey, frozenset[str]]] = []
    for i, row in chains:
        where = f"trace.chains[{i}]"
        signals, handlers = row.get("signals"), row.get("handlers")
        if type(signals) is not list or type(handlers) is not list:
            raise ValueError(f"{where} is not {{signals: [...], handlers: [...]}}")
        if len(signals) != len(handlers) + 1:
            raise ValueError(f"{where}.signals is not one longer than its handlers")
        chain_key = ChainKey(
            tuple(signal(v, f"{where}.signals[{j}]") for j, v in enumerate(signals)),
            tuple(handler(v, f"{where}.handlers[{j}]") for j, v in enumerate(handlers)),
        )
        found.append((chain_key, test_ids(row, where)))
    return {"cascades": counts, "cascade_tests": tests, "chains": deepest_chains(found)}
