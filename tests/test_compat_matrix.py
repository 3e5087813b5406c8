"""CI's matrix script (``tests/compat/matrix.py``): it finds interpreters as a contributor would,
and a pair it cannot set up fails the run with one clear line, never a silent skip."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from types import ModuleType

import pytest
from script_modules import load_script

SCRIPT = Path(__file__).resolve().parent / "compat" / "matrix.py"


@pytest.fixture(scope="module")
def matrix() -> ModuleType:
    return load_script(SCRIPT, "matrix")


def fake_python(path: Path, version: str) -> Path:
    """An executable that answers the version probe as Python ``version`` would."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\necho {version}\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def nowhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty pyenv root and a PATH with nothing on it."""
    root = tmp_path / "pyenv"
    (root / "versions").mkdir(parents=True)
    monkeypatch.setenv("PYENV_ROOT", str(root))
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    return root


def test_the_newest_pyenv_release_of_the_version_is_chosen(
    matrix: ModuleType, nowhere: Path
) -> None:
    for name in ("3.12.1", "3.12.10", "3.12.4"):
        fake_python(nowhere / "versions" / name / "bin" / "python3.12", "3.12")
    fake_python(nowhere / "versions" / "3.12-dev" / "bin" / "python3.12", "3.12")
    fake_python(nowhere / "versions" / "3.13.0" / "bin" / "python3.13", "3.13")

    assert matrix.find_python("3.12") == nowhere / "versions" / "3.12.10" / "bin" / "python3.12"


def test_python_on_the_path_is_the_fallback(
    matrix: ModuleType, nowhere: Path, tmp_path: Path
) -> None:
    found = fake_python(tmp_path / "empty-bin" / "python3.13", "3.13")

    assert matrix.find_python("3.13") == found


def test_an_interpreter_that_is_another_version_is_not_taken(
    matrix: ModuleType, nowhere: Path, tmp_path: Path
) -> None:
    # A pyenv shim of a version that is not selected, or a mislabelled link.
    fake_python(tmp_path / "empty-bin" / "python3.12", "3.11")

    with pytest.raises(matrix.SetupError, match=r"Python 3\.12 not found"):
        matrix.find_python("3.12")


def test_a_missing_interpreter_fails_the_run_with_one_line(
    matrix: ModuleType, nowhere: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = matrix.main(["--pair", "3.12:6.1"])

    out = capsys.readouterr().out
    assert status == 1
    fails = [line for line in out.splitlines() if line.startswith("matrix: FAIL")]
    assert fails == [
        "matrix: FAIL Python 3.12 + Django 6.1: Python 3.12 not found (looked in "
        f"{nowhere / 'versions'}/3.12.* and python3.12 on PATH); install it, e.g. "
        "`pyenv install 3.12`"
    ]


def test_a_failing_install_fails_the_run(
    matrix: ModuleType, nowhere: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    fake_python(nowhere / "versions" / "3.12.1" / "bin" / "python3.12", "3.12")
    pair = matrix.Pair("3.12", "6.1")
    venv_python = fake_python(tmp_path / "venv" / "bin" / "python", "3.12")
    venv_python.write_text("#!/bin/sh\nexit 3\n", encoding="utf-8")  # every pip install fails
    monkeypatch.setattr(matrix.Pair, "venv", property(lambda self: tmp_path / "venv"))

    assert matrix._run_pair(pair, [], []) == [
        f"Python 3.12 + Django 6.1: installing Django 6.1.* failed: {venv_python} -m pip "
        "install -q -e .[test] django==6.1.*"
    ]
    assert "matrix:   installing Django 6.1.*" in capsys.readouterr().out


def test_the_pairs_are_the_supported_ones(matrix: ModuleType) -> None:
    assert [(p.python, p.django, p.peer_suites) for p in matrix.PAIRS] == [
        ("3.12", "6.1", True),
        ("3.13", "6.0", False),
    ]
    assert all(os.sep not in p.venv.name and p.venv.name.startswith(".venv") for p in matrix.PAIRS)
