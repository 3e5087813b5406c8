"""A report is never written over the data file or a Python source file."""

from __future__ import annotations

from pathlib import Path

import pytest
from data_samples import sample_run

from pytest_signaltrace.cli import ExitCode, main
from pytest_signaltrace.datafile.data import write_data
from pytest_signaltrace.settings import FileSource, resolve_settings
from pytest_signaltrace.settings.ini import locate_ini_file
from pytest_signaltrace.settings.pytest_config import read_settings


@pytest.fixture
def datafile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SIGNALTRACE_FILE", raising=False)
    path = tmp_path / ".signaltrace"
    write_data(path, sample_run(tmp_path / "project"))
    return path


@pytest.mark.parametrize("command", ["report", "diff"])
def test_the_command_refuses_to_write_over_the_data_file(
    datafile: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    before = datafile.read_bytes()
    assert main([command, "--format", "json", "--output", ".signaltrace"]) == ExitCode.USAGE
    assert capsys.readouterr().err == (
        "signaltrace: error: --output .signaltrace is the data file: a report there would "
        "destroy the run's data\n"
    )
    assert datafile.read_bytes() == before


def test_the_command_refuses_to_write_over_a_source_file_even_through_a_link(
    datafile: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "app" / "signals.py"
    source.parent.mkdir()
    source.write_text("order_placed = None\n")
    (tmp_path / "report.json").symlink_to(source)
    for output in ("app/signals.py", "report.json"):
        assert main(["report", "--format", "json", "--output", output]) == ExitCode.USAGE
        assert capsys.readouterr().err == (
            f"signaltrace: error: --output {output} is a Python source file: a report there "
            "would overwrite code\n"
        )
    assert source.read_text() == "order_placed = None\n"


@pytest.mark.parametrize(
    ("report", "problem"),
    [
        (
            "json:app/signals.py",
            "json:app/signals.py is a Python source file: a report there would overwrite code",
        ),
        (
            "markdown:.signaltrace",
            "markdown:.signaltrace is the data file: a report there would destroy the run's data",
        ),
    ],
)
def test_pytest_refuses_the_destination_before_the_run(
    pytester: pytest.Pytester, report: str, problem: str
) -> None:
    with pytest.raises(pytest.UsageError) as usage:
        read_settings(pytester.parseconfig(f"--signal-report={report}"))
    assert str(usage.value) == f"--signal-report: {problem}"


def test_an_ordinary_destination_is_fine(tmp_path: Path) -> None:
    # resolved as the command line does: a pytest Config parsed here with a report would
    # start tracing in this process
    (tmp_path / "pyproject.toml").write_text('[tool.signaltrace]\nreport = ["json:out/s.json"]\n')
    settings = resolve_settings(FileSource(locate_ini_file(tmp_path), {}))
    assert [r.destination for r in settings.reports] == ["out/s.json"]
