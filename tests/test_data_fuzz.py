"""Fuzzing the data file reader: any value put anywhere in a valid data file gives either the
data back or one :class:`DataFileError` line, never another exception (a traceback in
``signaltrace report``/``combine``)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from data_samples import sample_run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_signaltrace.datafile.data import DataFileError, data_from_json, parse_document
from pytest_signaltrace.merge.replay import report_of

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=8,
)


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    run = sample_run(tmp_path_factory.mktemp("fuzz") / "project")
    return dict(json.loads(json.dumps(run.to_json())))


def _places(value: object, path: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Every path to a value inside ``value`` (dict keys and list indexes)."""
    places = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            places += _places(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            places += _places(item, (*path, index))
    return places


def _replaced(document: object, path: tuple[object, ...], value: object) -> object:
    copy = json.loads(json.dumps(document))
    if not path:
        return value
    holder = copy
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = value
    return copy


def _refusal(text: str) -> str | None:
    """The one-line refusal of ``text`` as a data file, or ``None`` when it reads (and its
    report builds: what is accepted must also be usable)."""
    try:
        run = data_from_json(parse_document(text, name="f"), name="f")
    except DataFileError as exc:
        return str(exc)
    report_of(run)
    return None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), value=JSON_VALUES)
def test_any_value_anywhere_is_read_or_refused_in_one_line(
    document: dict[str, Any], data: st.DataObject, value: object
) -> None:
    path = data.draw(st.sampled_from(_places(document)))
    refusal = _refusal(json.dumps(_replaced(document, path, value)))
    if refusal is not None:
        assert "\n" not in refusal
        assert refusal.startswith("f ")


@pytest.mark.parametrize("value", ["\n", "a\rb", "\u2028", "\x1b[31m"])
def test_a_trace_table_that_is_text_with_line_breaks_is_refused_in_one_line(
    document: dict[str, Any], value: str
) -> None:
    # Found by the fuzz test above: the trace reader quoted the text as it is.
    refusal = _refusal(json.dumps(_replaced(document, ("trace", "signals"), value)))
    assert refusal is not None
    assert refusal.isprintable()  # no line break, no control character
    assert "trace.signals is" in refusal


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=40))
def test_any_text_is_read_or_refused_in_one_line(text: str) -> None:
    refusal = _refusal(text)
    assert refusal is not None  # no short text is a data file
    assert "\n" not in refusal


def test_the_undamaged_document_reads(document: dict[str, Any]) -> None:
    assert _refusal(json.dumps(document)) is None
