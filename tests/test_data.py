"""The data file: layout, portable paths, round trips, clear errors, and combining."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from data_samples import HANDLER, LIBRARY_FILE, sample_run, sample_trace

from pytest_signaltrace.datafile.data import (
    DATA_FORMAT,
    DATA_VERSION,
    DataFileError,
    RunData,
    absolute_path,
    combine,
    portable_path,
    read_data,
    static_map_from_dict,
    write_data,
)
from pytest_signaltrace.merge.replay import report_of
from pytest_signaltrace.report.json_report import render_json
from pytest_signaltrace.report.scan_json import scan_to_dict
from pytest_signaltrace.scan import scan
from pytest_signaltrace.trace.model import CodeRef, ConnectKey, HandlerRef, SignalRef, Trace

EXAMPLE = Path(__file__).resolve().parent.parent / "example_project"


@pytest.fixture
def run(tmp_path: Path) -> RunData:
    return sample_run(tmp_path / "project")


def receiver_row(data: RunData, handler: str = HANDLER) -> dict[str, object]:
    rows = json.loads(render_json(report_of(data)))["receivers"]
    (row,) = (r for r in rows if r["handler"] == handler)
    return dict(row)


def test_a_data_file_reads_back_as_equal_data_and_rebuilds_an_equal_report(
    run: RunData, tmp_path: Path
) -> None:
    path = tmp_path / ".signaltrace"
    write_data(path, run)
    again = read_data(path)
    assert again == run
    assert render_json(report_of(again)) == render_json(report_of(run))
    assert receiver_row(again)["calls"] == 1


def test_the_file_names_its_format_version_and_tool(run: RunData, tmp_path: Path) -> None:
    path = tmp_path / ".signaltrace"
    write_data(path, run)
    document = json.loads(path.read_text())
    assert document["format"] == DATA_FORMAT == "pytest-signaltrace-data"
    assert document["version"] == DATA_VERSION == 3
    assert document["tool"].startswith("pytest-signaltrace ")
    assert list(document) == [
        "format",
        "version",
        "tool",
        "created",
        "rootdir",
        "sources",
        "exclude",
        "missing_workers",
        "runs",
        "static",
        "trace",
    ]


def test_trace_paths_inside_the_rootdir_are_relative_and_others_absolute(run: RunData) -> None:
    document = run.to_json()
    assert document["sources"] == ["."]
    trace = document["trace"]
    (connect,) = trace["connects"]
    paths = trace["paths"]
    assert paths[trace["handlers"][connect["handler"]]["file"]] == "shop/signals.py"
    assert paths[trace["signals"][connect["signal"]]["file"]] == "shop/signals.py"
    assert paths[connect["site"][0]] == LIBRARY_FILE
    assert Path(document["rootdir"]).is_absolute()


def test_pseudo_and_empty_filenames_are_kept_as_they_are() -> None:
    root = os.path.abspath("/srv/app")
    for name in ("", "<string>", "<frozen importlib._bootstrap>"):
        assert portable_path(name, root) == name
        assert absolute_path(name, root) == name
    inside = os.path.join(root, "shop", "models.py")
    assert portable_path(inside, root) == "shop/models.py"
    assert absolute_path("shop/models.py", root) == inside
    assert portable_path(os.path.abspath("/srv/application/x.py"), root).startswith(os.sep)


def test_the_static_map_of_the_example_project_survives_the_round_trip() -> None:
    static = scan(EXAMPLE)
    assert static.dead_receivers, "the example has a dead receiver to carry over"
    assert static_map_from_dict(json.loads(json.dumps(scan_to_dict(static)))) == static


def test_a_data_file_copied_elsewhere_still_rebuilds_the_same_report(
    run: RunData, tmp_path: Path
) -> None:
    write_data(tmp_path / "a" / ".signaltrace", run)
    shutil.copy(tmp_path / "a" / ".signaltrace", tmp_path / "copied")
    assert render_json(report_of(read_data(tmp_path / "copied"))) == render_json(
        report_of(run)
    )


def test_writing_replaces_the_file_and_leaves_no_temporary_file(
    run: RunData, tmp_path: Path
) -> None:
    path = tmp_path / "out" / ".signaltrace"
    path.parent.mkdir()
    path.write_text("old")
    write_data(path, run)
    assert sorted(p.name for p in path.parent.iterdir()) == [".signaltrace"]
    assert read_data(path) == run


def _document(run: RunData) -> dict[str, Any]:
    return dict(json.loads(json.dumps(run.to_json())))


def _set(document: dict[str, Any], path: tuple[str | int, ...], value: object) -> None:
    for key in path[:-1]:
        document = document[key]  # type: ignore[index]
    if value is _DELETE:
        del document[path[-1]]  # type: ignore[arg-type]
    else:
        document[path[-1]] = value  # type: ignore[index]


_DELETE = object()

BAD_TEXTS = {
    "invalid JSON": ("{not json", "is corrupt or not a signal data file (invalid JSON at line 1"),
    "a JSON list": ("[1, 2]", "is not a signal data file"),
    "another format": ('{"format": 1, "receivers": []}', "is not a signal data file"),
}

BAD_DOCUMENTS = {
    "a future version": (("version",), DATA_VERSION + 1, "was written by a newer"),
    "a bad version": (("version",), "one", "is corrupt: bad version 'one'"),
    "a missing section": (("static",), _DELETE, "is corrupt: missing 'static'"),
    "a bad record": (
        ("static", "receivers", 0, "line"),
        "seven",
        'is corrupt: static.receivers[0].line is "seven" (expected a line number',
    ),
    "a bad trace": (
        ("trace", "version"),
        99,
        "is corrupt: unsupported signal trace format version: 99",
    ),
    "a bad list": (("sources",), "shop", 'is corrupt: sources is "shop" (expected a list of str'),
    "a bad kind": (
        ("static", "receivers", 0, "kind"),
        "telepathy",
        "is corrupt: Receiver.kind has a bad value 'telepathy'",
    ),
}


def _assert_one_line_error(path: Path, message: str) -> None:
    with pytest.raises(DataFileError) as error:
        read_data(path)
    text = str(error.value)
    assert message in text
    assert text.startswith(str(path))
    assert "\n" not in text


@pytest.mark.parametrize("case", list(BAD_TEXTS))
def test_a_file_that_is_not_a_data_file_raises_a_one_line_error_naming_it(
    case: str, tmp_path: Path
) -> None:
    content, message = BAD_TEXTS[case]
    path = tmp_path / ".signaltrace"
    path.write_text(content)
    _assert_one_line_error(path, message)


@pytest.mark.parametrize("case", list(BAD_DOCUMENTS))
def test_a_damaged_data_file_raises_a_one_line_error_naming_it(
    case: str, run: RunData, tmp_path: Path
) -> None:
    where, value, message = BAD_DOCUMENTS[case]
    document = _document(run)
    _set(document, where, value)
    path = tmp_path / ".signaltrace"
    path.write_text(json.dumps(document))
    _assert_one_line_error(path, message)


def test_a_truncated_data_file_is_reported_as_corrupt(run: RunData, tmp_path: Path) -> None:
    write_data(tmp_path / "full", run)
    text = (tmp_path / "full").read_text()
    (tmp_path / "cut").write_text(text[: len(text) // 2])
    _assert_one_line_error(tmp_path / "cut", "is corrupt or not a signal data file")


def test_a_missing_file_a_folder_and_binary_bytes_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="no signal data file"):
        read_data(tmp_path / "nope")
    with pytest.raises(DataFileError, match="is a folder"):
        read_data(tmp_path)
    (tmp_path / "binary").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(DataFileError, match=r"not UTF-8 text"):
        read_data(tmp_path / "binary")


def test_a_future_version_asks_for_an_upgrade(run: RunData, tmp_path: Path) -> None:
    document = _document(run)
    document["version"] = 7
    (tmp_path / "future").write_text(json.dumps(document))
    with pytest.raises(DataFileError, match=r"data version 7\); .* reads up to version 3: upgrade"):
        read_data(tmp_path / "future")


def test_combining_sums_counts_and_unites_tests_and_missing_workers(tmp_path: Path) -> None:
    first = sample_run(tmp_path / "p", calls=2, test="test_a", missing_workers=["gw1"])
    second = sample_run(tmp_path / "p", calls=3, test="test_b", missing_workers=["gw0", "gw1"])
    combined = combine([("first", first), ("second", second)])
    row = receiver_row(combined)
    assert row["calls"] == 5
    assert row["tests"] == ["test_a", "test_b"]
    assert combined.missing_workers == ("gw0", "gw1")
    assert json.loads(render_json(report_of(combined)))["signals"][0]["sends"] == 5


def test_shards_checked_out_in_different_folders_combine_on_relative_paths(
    tmp_path: Path,
) -> None:
    first = sample_run(tmp_path / "job1" / "checkout", calls=1, test="test_a")
    second = sample_run(tmp_path / "job2" / "src", calls=1, test="test_b")
    assert first.rootdir != second.rootdir
    combined = combine([("job1", first), ("job2", second)])
    assert receiver_row(combined)["calls"] == 2
    assert combined.rootdir == first.rootdir


def test_combining_refuses_data_of_a_different_source(tmp_path: Path) -> None:
    first = sample_run(tmp_path / "a")
    changed = tmp_path / "b"
    shutil.copytree(tmp_path / "a", changed)
    signals = changed / "shop" / "signals.py"
    signals.write_text(signals.read_text().replace("def place", "\n\ndef place"))
    second = sample_run(changed)
    with pytest.raises(DataFileError) as error:
        combine([("a.signaltrace", first), ("b.signaltrace", second)])
    assert str(error.value) == (
        "cannot combine b.signaltrace with a.signaltrace: their static maps differ (senders); "
        "combine only the data of runs of the same source (same commit and settings)"
    )


def test_combining_refuses_other_sources_or_exclusions(tmp_path: Path) -> None:
    root = tmp_path / "p"
    first = sample_run(root)
    (root / "lib").mkdir()
    other_sources = sample_run(root, sources=[root, root / "lib"])
    with pytest.raises(DataFileError, match="they scanned different folders"):
        combine([("a", first), ("b", other_sources)])
    other_exclude = sample_run(root, exclude=["shop.*"])
    with pytest.raises(DataFileError, match="their exclusion patterns differ"):
        combine([("a", first), ("b", other_exclude)])


def test_combining_nothing_is_an_error() -> None:
    with pytest.raises(DataFileError, match="nothing to combine"):
        combine([])


def test_the_data_file_is_compact_json(run: RunData, tmp_path: Path) -> None:
    path = tmp_path / ".signaltrace"
    write_data(path, run)
    text = path.read_text()

    assert text.count("\n") == 1  # one line: no indentation
    assert ", " not in text.replace('", "', "")  # no spaces after separators
    assert read_data(path) == run


def test_third_party_connects_are_one_row_per_handler_whatever_their_dispatch_uid(
    tmp_path: Path,
) -> None:
    root = tmp_path / "project"
    base = sample_run(root)
    signal = next(iter(base.trace.sends)).signal
    library = HandlerRef("django.test.client.store_rendered_templates", LIBRARY_FILE, 9)
    own = HandlerRef(HANDLER, str(root / "shop" / "signals.py"), 7)
    site = CodeRef(LIBRARY_FILE, 20)
    connects = {
        ConnectKey(signal, library, site, None, f"template-render-{n}"): 1 for n in range(50)
    }
    connects[ConnectKey(signal, own, site, None, "mine")] = 1
    disconnects = {
        ConnectKey(signal, None, site, None, f"template-render-{n}"): 1 for n in range(9)
    }
    own_site = CodeRef(str(root / "shop" / "signals.py"), 30)
    disconnects[ConnectKey(signal, None, own_site, None, "mine")] = 1
    trace = dataclasses.replace(sample_trace(root), connects=connects, disconnects=disconnects)

    data = RunData.from_run(base.static, trace, rootdir=root, sources=[root])

    assert {k.dispatch_uid: n for k, n in data.trace.disconnects.items()} == {
        "mine": 1,  # disconnect(dispatch_uid=...) from the project's own code
        None: 9,
    }

    rows = {
        (k.handler.handler if k.handler else None, k.dispatch_uid): n
        for k, n in data.trace.connects.items()
    }
    assert rows == {
        ("django.test.client.store_rendered_templates", None): 50,
        (HANDLER, "mine"): 1,  # the project's own receivers keep theirs
    }


def test_a_version_1_data_file_is_still_read(run: RunData, tmp_path: Path) -> None:
    document = json.loads(json.dumps(run.to_json()))
    document["version"] = 1
    document["trace"] = _trace_v1(run.trace)
    path = tmp_path / ".signaltrace"
    path.write_text(json.dumps(document, indent=1))

    again = read_data(path)

    assert again.trace == run.trace
    assert render_json(report_of(again)) == render_json(report_of(run))


def _trace_v1(trace: Trace) -> dict[str, Any]:
    """``trace`` as format 1 wrote it (rows spelling out their signal, handler and sites)."""

    def code(ref: CodeRef | None) -> dict[str, Any] | None:
        return None if ref is None else {"path": ref.path, "line": ref.line}

    def signal(ref: SignalRef) -> dict[str, Any]:
        return {"signal": ref.signal, "path": ref.path, "line": ref.line}

    def handler(ref: HandlerRef) -> dict[str, Any]:
        return {"handler": ref.handler, "path": ref.path, "line": ref.line}

    return {
        "version": 1,
        "sends": [
            {
                "signal": signal(k.signal),
                "method": k.method,
                "site": code(k.site),
                "project_site": code(k.project_site),
                "count": n,
            }
            for k, n in trace.sends.items()
        ],
        "receivers": [
            {"signal": signal(k.signal), "handler": handler(k.handler), "count": n}
            for k, n in trace.receiver_calls.items()
        ],
        "tests": [
            {"signal": signal(k.signal), "handler": handler(k.handler), "tests": sorted(nodes)}
            for k, nodes in trace.tests.items()
        ],
        "connects": [
            {
                "signal": signal(k.signal),
                "handler": None if k.handler is None else handler(k.handler),
                "site": code(k.site),
                "sender": k.sender,
                "dispatch_uid": k.dispatch_uid,
                "count": n,
            }
            for k, n in trace.connects.items()
        ],
        "disconnects": [],
    }


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            {"trace": {"tests": [{"test_indexes": [0, 2**64]}]}},
            "trace.tests[0].test_indexes[1] is too large",
        ),
        (
            {"trace": {"sends": [{"site": [1, 2.5]}]}},
            "trace.sends[0].site[1] is 2.5 (not an integer)",
        ),
        (
            {"weird key": {"a-b": [[True, None, "x", 2**70]]}},
            '["weird key"]["a-b"][0][3] is too large',
        ),
        ([{"count": -1}], "[0].count is -1 (expected a count"),
    ],
)
def test_a_damaged_value_is_named_by_where_it_is(document: object, message: str) -> None:
    from pytest_signaltrace.datafile.data import DataFileError, check_document

    with pytest.raises(DataFileError, match=re.escape(f"f.json is corrupt: {message}")):
        check_document(document, name="f.json")
