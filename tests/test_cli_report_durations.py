"""``signaltrace report --durations N``: the slowest receivers of a data file whose run timed
them (``--signal-durations``), after the report as the pytest run prints them, and the JSON
report's ``durations``."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from data_samples import HANDLER, SIGNAL, sample_run

from pytest_signaltrace.cli import ExitCode, main
from pytest_signaltrace.datafile.data import RunData, write_data
from pytest_signaltrace.trace.costs import Cost
from pytest_signaltrace.trace.model import HandlerRef, ReceiverKey, SignalRef

TITLE = "slowest 1 signal receiver durations"
HEADER = "     total        own  calls        max  receiver (signal)"
ROW = "    3.00ms     2.00ms      2     2.50ms  shop.signals.on_placed (shop.signals.order_placed)"


def _timed(run: RunData) -> RunData:
    """``run`` as if it was timed: ``on_placed`` took 3 ms in 2 calls, a library's receiver 1 ms."""
    path = str(Path(run.rootdir) / "shop" / "signals.py")
    signal = SignalRef(SIGNAL, path, 3)
    durations = {
        ReceiverKey(signal, HandlerRef(HANDLER, path, 7)): Cost(
            2, 3_000_000, 2_000_000, 2_500_000, "tests/test_shop.py::test_a", 0
        ),
        ReceiverKey(signal, HandlerRef("lib.on_any", "/opt/lib/on_any.py", 1)): Cost(
            1, 1_000_000, 1_000_000, 1_000_000, None, 0
        ),
    }
    return dataclasses.replace(run, trace=dataclasses.replace(run.trace, durations=durations))


@pytest.fixture
def timed(tmp_path: Path) -> Path:
    path = tmp_path / "timed.data"
    write_data(path, _timed(sample_run(tmp_path / "project")))
    return path


@pytest.fixture
def untimed(tmp_path: Path) -> Path:
    path = tmp_path / "untimed.data"
    write_data(path, sample_run(tmp_path / "project"))
    return path


def test_durations_n_prints_the_n_slowest_after_the_terminal_report(
    timed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(timed), "--durations", "1"]) == ExitCode.OK
    out = capsys.readouterr().out
    report, block = out.split(f"\n\n{TITLE}\n")
    assert "TOTAL" in report
    assert block.splitlines() == [HEADER, ROW, "(1 more: --durations=0 shows every receiver)"]


def test_durations_zero_prints_every_receiver(
    timed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(timed), "--format", "term-missing", "--durations=0"]) == 0
    lines = capsys.readouterr().out.splitlines()
    block = lines[lines.index("signal receiver durations") :]
    assert block[1:3] == [HEADER, ROW]
    assert block[3].endswith("  lib.on_any (shop.signals.order_placed)")
    assert len(block) == 4


def test_without_durations_no_table_is_printed(
    timed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(timed)]) == ExitCode.OK
    assert "signal receiver durations" not in capsys.readouterr().out


def test_the_configured_durations_are_the_default_and_the_option_wins(
    timed: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (timed.parent / "pyproject.toml").write_text('[tool.signaltrace]\ndurations = "0"\n')
    monkeypatch.chdir(timed.parent)
    assert main(["report", timed.name]) == ExitCode.OK
    assert "\nsignal receiver durations\n" in capsys.readouterr().out
    assert main(["report", timed.name, "--durations", "1"]) == ExitCode.OK
    assert f"\n{TITLE}\n" in capsys.readouterr().out


def test_the_json_report_carries_the_durations_of_the_data_file(
    timed: Path, untimed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(timed), "--format", "json"]) == ExitCode.OK
    rows = json.loads(capsys.readouterr().out)["durations"]
    assert [(r["receiver"], r["path"], r["line"], r["calls"]) for r in rows] == [
        (HANDLER, "shop/signals.py", 7, 2),
        ("lib.on_any", None, None, 1),
    ]
    assert main(["report", str(untimed), "--format", "json"]) == ExitCode.OK
    assert "durations" not in json.loads(capsys.readouterr().out)


def test_asked_for_durations_the_json_report_of_a_file_without_them_has_an_empty_list(
    untimed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # as the run's JSON report when it timed its receivers and none ran: the file cannot tell
    assert main(["report", str(untimed), "--format", "json", "--durations=0"]) == ExitCode.OK
    captured = capsys.readouterr()
    assert json.loads(captured.out)["durations"] == []
    assert "holds no receiver durations" in captured.err


def test_the_table_goes_to_stderr_when_another_format_is_on_stdout(
    timed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(timed), "--format", "json", "--durations", "1"]) == 0
    captured = capsys.readouterr()
    json.loads(captured.out)  # one well-formed document
    assert f"\n{TITLE}\n{HEADER}\n{ROW}\n" in captured.err
    written = tmp_path / "report.md"
    argv = ["report", str(timed), "--format", "markdown", "-o", str(written), "--durations=1"]
    assert main(argv) == ExitCode.OK
    assert f"\n{TITLE}\n" in capsys.readouterr().out
    assert TITLE not in written.read_text()


def test_a_data_file_without_durations_says_so_and_reports_as_usual(
    untimed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(untimed), "--durations", "5"]) == ExitCode.OK
    captured = capsys.readouterr()
    assert "TOTAL" in captured.out
    assert "durations" not in captured.out
    assert captured.err == (
        f"signaltrace: {untimed} holds no receiver durations: the run did not time its "
        "receivers (pytest --signal-durations=N), or none of them ran\n"
    )


@pytest.mark.parametrize("value", ["-1", "two", "1.5"])
def test_durations_must_be_a_whole_number(
    value: str, timed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(timed), f"--durations={value}"]) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert err.startswith("signaltrace: error: --durations: ")
    assert "is not a whole number >= 0" in err
