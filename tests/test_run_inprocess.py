"""Which commands ``signaltrace run`` runs in its own process (``datafile/inprocess.py``); how
they run there is tested end to end in ``e2e/test_e2e_run_in_process.py``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from pytest_signaltrace.datafile.inprocess import PythonProgram, python_program

EXECUTABLE = os.path.abspath(sys.executable)
#: How this process would have been started by ``python -m pytest_signaltrace run ...``.
WRAPPER = [EXECUTABLE, "-m", "pytest_signaltrace", "run", "--"]


@pytest.fixture
def script(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "manage.py").write_text("print('hi')\n", encoding="utf-8")
    return "manage.py"


def program(command: list[str], argv: list[str] | None = None) -> PythonProgram | None:
    return python_program(command, EXECUTABLE, WRAPPER if argv is None else argv)


def test_this_python_running_a_script_runs_in_process(script: str) -> None:
    assert program([EXECUTABLE, script, "test", "-v", "2"]) == PythonProgram(
        "path", script, ("test", "-v", "2"), EXECUTABLE
    )


def test_this_python_running_a_module_runs_in_process(script: str) -> None:
    assert program([EXECUTABLE, "-m", "unittest", "-q"]) == PythonProgram(
        "module", "unittest", ("-q",), EXECUTABLE
    )


def test_this_python_found_on_path_by_name(
    script: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", os.path.dirname(EXECUTABLE))
    name = os.path.basename(EXECUTABLE)
    assert program([name, script]) == PythonProgram("path", script, (), EXECUTABLE)
    monkeypatch.setenv("PATH", os.pathsep)  # not found: the child process says so
    assert program([name, script]) is None


@pytest.mark.parametrize(
    "options",
    [
        ["-u", "manage.py"],
        ["-X", "dev", "manage.py"],
        ["-I", "manage.py"],
        ["-S", "manage.py"],
        ["-c", "print(1)"],
        ["-"],
        ["-m"],
        ["-m", "-u"],
        [],
    ],
)
def test_interpreter_options_or_no_script_keep_the_child_process(
    script: str, options: list[str]
) -> None:
    assert program([EXECUTABLE, *options]) is None


def test_a_folder_or_a_missing_file_keeps_the_child_process(script: str, tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    assert program([EXECUTABLE, "app"]) is None
    assert program([EXECUTABLE, "missing.py"]) is None


def test_this_run_started_with_interpreter_options_keeps_the_child_process(script: str) -> None:
    command = [EXECUTABLE, script]
    console_script = [EXECUTABLE, os.path.join(os.path.dirname(EXECUTABLE), "signaltrace")]
    assert program(command, [*console_script, "run", "--"]) is not None
    assert program(command, [EXECUTABLE, "-X", "dev", "-m", "pytest_signaltrace"]) is None
    assert program(command, [EXECUTABLE, "-O", "-m", "pytest_signaltrace"]) is None
    assert program(command, [EXECUTABLE]) is None


def test_another_interpreter_keeps_the_child_process(script: str, tmp_path: Path) -> None:
    # The same file in another folder (another virtual environment's python), a program
    # that is not Python, and another Python of the same folder.
    other = tmp_path / "venv" / "bin"
    other.mkdir(parents=True)
    (other / "python").symlink_to(EXECUTABLE)
    assert program([str(other / "python"), script]) is None
    shell = tmp_path / "sh"
    shell.symlink_to("/bin/sh")
    assert program([str(shell), script]) is None
    (other / "python3.99").symlink_to("/bin/sh")
    there = str(other / "python")
    assert python_program([str(other / "python3.99"), script], there, WRAPPER) is None
    assert python_program([there, script], there, WRAPPER) == PythonProgram(
        "path", script, (), there
    )


def test_no_executable_keeps_the_child_process(script: str) -> None:
    assert python_program([EXECUTABLE, script], "", WRAPPER) is None


def test_a_zip_application_or_bytecode_keeps_the_child_process(
    script: str, tmp_path: Path
) -> None:
    import py_compile
    import zipapp

    app = tmp_path / "app"
    app.mkdir()
    (app / "__main__.py").write_text("print('zipped')\n", encoding="utf-8")
    zipapp.create_archive(app, tmp_path / "app.pyz", interpreter="/usr/bin/env python3")
    assert program([EXECUTABLE, "app.pyz"]) is None
    compiled = py_compile.compile(script, cfile=str(tmp_path / "compiled.bin"))
    assert program([EXECUTABLE, compiled]) is None  # bytecode, whatever its name
    assert program([EXECUTABLE, script]) is not None


def test_pythoninspect_keeps_the_child_process(
    script: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # python -i's environment form: after the program, python goes on to its prompt.
    flags = sys.flags
    monkeypatch.setattr(sys, "flags", type("Flags", (), {"inspect": 1, "safe_path": 0})())
    assert program([EXECUTABLE, script]) is None
    monkeypatch.setattr(sys, "flags", flags)
    assert program([EXECUTABLE, script]) is not None
