"""Values no run writes are damage: a send method that does not exist, a line 0 in a file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from data_samples import sample_run

from pytest_signaltrace.datafile.data import DataFileError, read_data


@pytest.fixture
def document(tmp_path: Path) -> dict[str, Any]:
    return dict(json.loads(json.dumps(sample_run(tmp_path / "project").to_json())))


def _refused(tmp_path: Path, document: dict[str, Any]) -> str:
    path = tmp_path / ".signaltrace"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(DataFileError) as error:
        read_data(path)
    message = str(error.value)
    assert message.startswith(f"{path} is corrupt: ")
    assert "\n" not in message
    return message.removeprefix(f"{path} is corrupt: ")


def test_a_send_method_that_does_not_exist_is_refused_in_the_trace(
    document: dict[str, Any], tmp_path: Path
) -> None:
    document["trace"]["sends"][0]["method"] = "zzz"
    assert _refused(tmp_path, document) == (
        'trace.sends[0].method is "zzz" (expected a send method: send, send_robust, asend, '
        "asend_robust, send_async)"
    )


def test_a_send_method_that_does_not_exist_is_refused_in_the_static_map(
    document: dict[str, Any], tmp_path: Path
) -> None:
    document["static"]["senders"][0]["method"] = "zzz"
    assert _refused(tmp_path, document).startswith('static.senders[0].method is "zzz"')


def test_line_0_of_a_file_is_refused(document: dict[str, Any], tmp_path: Path) -> None:
    document["static"]["receivers"][0]["line"] = 0
    assert _refused(tmp_path, document) == (
        "static.receivers[0].line is 0 (a line of a file counts from 1)"
    )


def test_a_runtime_site_on_line_0_is_refused(document: dict[str, Any], tmp_path: Path) -> None:
    document["trace"]["sends"][0]["site"] = [1, 0]
    assert _refused(tmp_path, document) == (
        "trace.sends[0].site is a list (expected a site: [path, line], the line from 1)"
    )


def test_a_receiver_without_python_code_keeps_its_line_0(
    document: dict[str, Any], tmp_path: Path
) -> None:
    # what the trace writes for a builtin or a C callable connected as a receiver
    paths = document["trace"]["paths"]
    paths.append("")
    document["trace"]["handlers"][0].update({"file": len(paths) - 1, "line": 0})
    path = tmp_path / ".signaltrace"
    path.write_text(json.dumps(document), encoding="utf-8")
    read_data(path)
