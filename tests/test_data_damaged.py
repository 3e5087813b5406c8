"""Damaged data files are refused with one line (exit status 2 from the command line), never
read and never a traceback; interrupted writes leave no temporary file behind for long."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from data_samples import sample_run

from pytest_signaltrace.cli import ExitCode, main
from pytest_signaltrace.datafile.data import DataFileError, RunData, read_data, write_data
from pytest_signaltrace.output import remove_stale_temporaries, write_text


@pytest.fixture
def run(tmp_path: Path) -> RunData:
    return sample_run(tmp_path / "project")


@pytest.fixture
def document(run: RunData) -> dict[str, Any]:
    return dict(json.loads(json.dumps(run.to_json())))


def _dump(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _refused(path: Path, capsys: pytest.CaptureFixture[str], *parts: str) -> None:
    """Both ``report`` and ``combine`` exit 2 with one line naming the file and the fault."""
    for argv in (["report", str(path)], ["combine", str(path), "-o", str(path) + ".out"]):
        assert main(argv) == ExitCode.USAGE
        err = capsys.readouterr().err
        assert err.count("\n") == 1, err
        assert err.startswith(f"signaltrace: error: {path} is corrupt"), err
        for part in parts:
            assert part in err, err
    assert not Path(str(path) + ".out").exists()


def test_json_nested_100000_deep_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / ".signaltrace"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    _refused(path, capsys, "nested too deeply")


def test_nesting_the_parser_accepts_but_no_data_file_has_is_refused(
    document: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deep: list[Any] = []
    for _ in range(200):
        deep = [deep]
    document["exclude_extra"] = deep
    _refused(_dump(tmp_path / ".signaltrace", document), capsys, "nested deeper than")


def test_a_5000_digit_number_is_refused_in_one_line(
    document: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = json.dumps(document).replace('"count": 1', '"count": ' + "9" * 5000, 1)
    path = tmp_path / ".signaltrace"
    path.write_text(text, encoding="utf-8")
    _refused(path, capsys)


@pytest.mark.parametrize("constant", ["Infinity", "-Infinity", "NaN"])
def test_infinity_and_nan_are_refused(
    constant: str, document: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = json.dumps(document).replace('"count": 1', f'"count": {constant}', 1)
    path = tmp_path / ".signaltrace"
    path.write_text(text, encoding="utf-8")
    _refused(path, capsys, constant)


def _first_row(document: dict[str, Any], section: str) -> dict[str, Any]:
    rows: list[dict[str, Any]] = document["trace"][section]
    return rows[0]


DAMAGE = {
    "a negative count": (("receivers", "count"), -100, "trace.receivers[0].count is -100"),
    "a fractional count": (("receivers", "count"), 1.5, "trace.receivers[0].count is 1.5"),
    "a count that is a string": (("sends", "count"), "3", 'trace.sends[0].count is "3"'),
    "tests that are a string": (
        ("tests", "test_indexes"),
        "abc",
        'trace.tests[0].test_indexes is "abc"',
    ),
    "tests holding a string": (
        ("tests", "test_indexes"),
        ["x"],
        'trace.tests[0].test_indexes[0] is "x"',
    ),
}


@pytest.mark.parametrize("case", list(DAMAGE))
def test_damaged_trace_values_are_refused_not_read(
    case: str, document: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (section, key), value, message = DAMAGE[case]
    _first_row(document, section)[key] = value
    path = _dump(tmp_path / ".signaltrace", document)
    with pytest.raises(DataFileError, match="is corrupt"):
        read_data(path)
    _refused(path, capsys, message)


def test_a_path_that_is_not_a_string_is_refused(
    document: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document["trace"]["paths"][0] = 42  # data version 2: every path is in one table
    _refused(
        _dump(tmp_path / ".signaltrace", document),
        capsys,
        "trace.paths[0] is 42 (expected a string)",
    )


def test_a_negative_line_in_the_static_map_is_refused(
    document: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document["static"]["receivers"][0]["line"] = -7
    _refused(_dump(tmp_path / ".signaltrace", document), capsys, "static.receivers[0].line is -7")


def test_an_undamaged_file_still_reads(run: RunData, tmp_path: Path) -> None:
    write_data(tmp_path / ".signaltrace", run)
    assert read_data(tmp_path / ".signaltrace") == run


def _dead_pid() -> int:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                           capture_output=True, text=True)
    return int(child.stdout)


def test_a_write_removes_the_temporary_files_that_killed_writers_left(
    run: RunData, tmp_path: Path
) -> None:
    target = tmp_path / ".signaltrace"
    dead = tmp_path / f"..signaltrace.{_dead_pid()}.abcd1234.tmp"
    old_style = tmp_path / "..signaltrace-k3j_x9q2"
    live = tmp_path / f"..signaltrace.{os.getppid()}.zzzz9999.tmp"  # a live process's write
    unrelated = tmp_path / "..signaltrace-notes.txt"
    for path in (dead, old_style, live, unrelated):
        path.write_text("partial", encoding="utf-8")
    an_hour_ago = time.time() - 7200
    os.utime(old_style, (an_hour_ago, an_hour_ago))
    write_data(target, run)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "project") == sorted(
        [target.name, live.name, unrelated.name]
    )
    assert read_data(target) == run


def test_a_recent_old_style_temporary_file_is_left_alone(tmp_path: Path) -> None:
    recent = tmp_path / ".report.json-ab12cd34"
    recent.write_text("a write in progress", encoding="utf-8")
    assert remove_stale_temporaries(tmp_path / "report.json") == []
    assert recent.exists()


def test_a_failed_write_leaves_neither_a_temporary_file_nor_a_changed_target(
    tmp_path: Path,
) -> None:
    target = tmp_path / "report.md"
    target.write_text("the old report\n", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        write_text(target, "half a report, then a lone surrogate: \udc80")
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]
    assert target.read_text(encoding="utf-8") == "the old report\n"
