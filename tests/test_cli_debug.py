"""``signaltrace debug config``: every effective setting, its value and where it came from,
sorted, and the ini file and rootdir found (coverage's ``coverage debug config``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_signaltrace.cli import ExitCode, main
from pytest_signaltrace.settings import TABLE_KEYS


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tox.ini and pyproject.toml in ``tmp_path``; the current folder is ``tmp_path/shop``."""
    (tmp_path / "tox.ini").write_text(
        "[tox]\nenvlist = py311\n\n[pytest]\nsignaltrace_precision = 1\n"
        "signaltrace_source = shop\nsignaltrace_append = false\n"
    )
    (tmp_path / "pyproject.toml").write_text(
        '[tool.signaltrace]\nprecision = 3\nsort = "-miss"\nappend = true\n'
    )
    (tmp_path / "shop").mkdir()
    monkeypatch.chdir(tmp_path / "shop")
    monkeypatch.delenv("SIGNALTRACE_FILE", raising=False)
    return tmp_path


def _rows(out: str) -> tuple[list[str], dict[str, tuple[str, str]]]:
    lines = out.splitlines()
    rows: dict[str, tuple[str, str]] = {}
    for line in lines[2:]:
        assignment, origin = line.split("  # ", 1)
        key, value = assignment.rstrip().split(" = ", 1)
        rows[key] = (value, origin)
    return lines[:2], rows


def test_debug_config_prints_every_setting_its_value_and_where_it_came_from(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIGNALTRACE_FILE", "here.data")
    assert main(["debug", "config"]) == ExitCode.OK
    out = capsys.readouterr().out
    head, rows = _rows(out)
    tox, pyproject = project / "tox.ini", project / "pyproject.toml"
    assert head == [f"ini file: {tox}", f"rootdir: {project}"]
    assert list(rows) == sorted(TABLE_KEYS), "every setting, sorted"
    assert rows["precision"] == ("1", f"signaltrace_precision in {tox}")
    assert rows["source"] == ('["shop"]', f"signaltrace_source in {tox}")
    assert rows["sort"] == ('"-miss"', f"sort in [tool.signaltrace] of {pyproject}")
    assert rows["append"] == ("false", f"signaltrace_append in {tox}")
    assert rows["data_file"] == ('"shop/here.data"', "$SIGNALTRACE_FILE")
    assert rows["fail_under"] == ("null", "default")
    assert rows["report"] == ("[]", "default")
    columns = {line.index("  # ") for line in out.splitlines()[2:]}
    assert len(columns) == 1, "the sources line up"
    assert main(["debug", "config"]) == ExitCode.OK
    assert capsys.readouterr().out == out, "deterministic"


def test_debug_config_as_json(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["debug", "config", "--format", "json"]) == ExitCode.OK
    document = json.loads(capsys.readouterr().out)
    assert document["ini_file"] == str(project / "tox.ini")
    assert document["rootdir"] == str(project)
    assert list(document["settings"]) == sorted(TABLE_KEYS)
    assert document["settings"]["precision"] == {
        "value": 1,
        "from": f"signaltrace_precision in {project / 'tox.ini'}",
    }
    assert document["settings"]["data_file"] == {"value": ".signaltrace", "from": "default"}


def test_debug_config_without_any_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SIGNALTRACE_FILE", raising=False)
    assert main(["debug", "config"]) == ExitCode.OK
    head, rows = _rows(capsys.readouterr().out)
    assert head == ["ini file: (none)", f"rootdir: {tmp_path}"]
    assert {origin for _value, origin in rows.values()} == {"default"}
    assert rows["precision"] == ("2", "default")


def test_debug_config_refuses_a_bad_setting_in_one_line(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "tox.ini").write_text("[pytest]\nsignaltrace_precision = two\n")
    assert main(["debug", "config"]) == ExitCode.USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"signaltrace: error: signaltrace_precision in {project / 'tox.ini'}: 'two' is not an "
        "integer (decimal places, 0 to 10)\n"
    )
