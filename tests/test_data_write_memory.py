"""Writing the data file keeps its memory peak near the size of the text it writes."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from data_samples import SIGNAL, write_project

from pytest_signaltrace.datafile.data import RunData, write_data
from pytest_signaltrace.scan import scan
from pytest_signaltrace.trace.json_text import compact_json
from pytest_signaltrace.trace.model import HandlerRef, ReceiverKey, SignalRef, Trace

DOCUMENTS: list[Any] = [
    {},
    [],
    "text",
    3,
    None,
    {"a": [], "b": {}, "c": [[]], "d": [{}]},
    {"x": [[1, [2, {"y": "é\u2028\"\\"}]], {"z": None, "f": 2.5, "t": True}]},
    {1: list(range(5000)), "b": 2.5},  # a key json turns into a string
    {"rows": [{"s": i, "site": [i, 2], "idx": list(range(i * 7))} for i in range(300)]},
    list(range(10_000)),
    [[i] * 3 for i in range(9_000)],
    {"k": {"n": {"m": list(range(9_000)), "o": [{"p": list(range(5_000))}]}}},
]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_compact_json_is_the_text_of_json_dumps(document: Any) -> None:
    assert compact_json(document, "\n") == json.dumps(document, separators=(",", ":")) + "\n"


def many_tests_run(root: Path, receivers: int = 40, tests: int = 2_000) -> RunData:
    """The data of a run where each of ``receivers`` receivers ran in every one of ``tests``
    tests: tables of test indexes, as django-allauth's run has (47,000 indexes)."""
    write_project(root)
    path = str(root / "shop" / "signals.py")
    signal = SignalRef(SIGNAL, path, 3)
    nodes = frozenset(f"tests/test_shop.py::test_{n}" for n in range(tests))
    handlers = [HandlerRef(f"shop.signals.on_{r}", path, 7) for r in range(receivers)]
    keys = [ReceiverKey(signal, handler) for handler in handlers]
    trace = Trace(receiver_calls=dict.fromkeys(keys, tests), tests=dict.fromkeys(keys, nodes))
    return RunData.from_run(scan(root, relative_to=root), trace, rootdir=root, sources=[root])


def test_writing_a_data_file_peaks_near_the_size_of_its_text(tmp_path: Path) -> None:
    data = many_tests_run(tmp_path / "project")
    path = tmp_path / ".signaltrace"
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        write_data(path, data)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    size = path.stat().st_size
    assert size > 400_000  # 80,000 test indexes
    # The document, the text and its bytes: under 4 times the text. json.dumps kept a string
    # object per number until it returned: 10 times the text on Python 3.11.
    assert peak < 6 * size, (peak, size)
    assert json.loads(path.read_text()) == data.to_json()


def _lines_run_in_json_write(document: Any) -> int:
    """How many lines of ``trace/json_text.py`` run while :func:`compact_json` encodes
    ``document``."""
    import sys

    from pytest_signaltrace.trace import json_text

    count = 0

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        nonlocal count
        if frame.f_code.co_filename != json_text.__file__:
            return None
        if event == "line":
            count += 1
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        compact_json(document)
    finally:
        sys.settrace(previous)
    return count


def test_a_light_table_is_weighed_in_c_not_row_by_row() -> None:
    """A table whose rows are flat and add up to one piece (most of a data file's) is encoded
    at once: weighing it row by row in Python cost a call and a loop per row."""
    rows = [[index, index % 7, "site"] for index in range(600)]
    assert _lines_run_in_json_write(rows) < 60
    assert _lines_run_in_json_write({"a": rows, "b": list(range(900))}) < 80
    heavy = [[index, index % 7, "site"] for index in range(3_000)]  # over the budget: in slices
    assert _lines_run_in_json_write(heavy) > 3_000
    assert compact_json(heavy) == json.dumps(heavy, separators=(",", ":"))
