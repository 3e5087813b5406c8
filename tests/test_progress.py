"""The scan's progress line: shown on a terminal, not on CI or in a pipe, only for slow scans."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from pytest_signaltrace.cli import main
from pytest_signaltrace.cli.progress import DELAY, INTERVAL, ProgressLine, on_ci, wants_progress


class Terminal(io.StringIO):
    """A stream that says it is a terminal (or not)."""

    def __init__(self, tty: bool = True) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("tty", "environ", "expected"),
    [
        (True, {}, True),
        (False, {}, False),
        (True, {"CI": "true"}, False),
        (True, {"CI": "1"}, False),
        (True, {"CI": "false"}, True),
        (True, {"CI": ""}, True),
    ],
)
def test_progress_is_wanted_only_on_a_terminal_off_ci(
    tty: bool, environ: dict[str, str], expected: bool
) -> None:
    assert wants_progress(Terminal(tty), environ) is expected


def test_a_closed_or_odd_stream_wants_no_progress() -> None:
    closed = io.StringIO()
    closed.close()
    assert wants_progress(closed, {}) is False
    assert wants_progress(object(), {}) is False  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("True", True), ("yes", True), ("1", True), (None, False), ("0", False), ("off", False)],
)
def test_ci_is_recognised_by_its_usual_values(value: str | None, expected: bool) -> None:
    assert on_ci({} if value is None else {"CI": value}) is expected


def make_line(
    tty: bool = True, environ: dict[str, str] | None = None
) -> tuple[ProgressLine, Terminal, Clock]:
    stream, clock = Terminal(tty), Clock()
    line = ProgressLine("scanning", stream=stream, environ=environ or {}, clock=clock)
    return line, stream, clock


def test_a_scan_faster_than_the_delay_prints_nothing() -> None:
    line, stream, clock = make_line()
    for done in range(1, 11):
        clock.now += DELAY / 20
        line(done, 10)
    line.close()
    assert stream.getvalue() == ""


def test_a_slow_scan_draws_a_throttled_line_and_wipes_it() -> None:
    line, stream, clock = make_line()
    clock.now += DELAY + 0.01
    line(1, 500)
    for done in range(2, 10):  # within one interval: not redrawn
        clock.now += INTERVAL / 20
        line(done, 500)
    clock.now += INTERVAL
    line(10, 500)
    assert stream.getvalue().split("\r")[1:] == [
        "signaltrace: scanning, parsed 1/500 files",
        "signaltrace: scanning, parsed 10/500 files",
    ]
    line.close()
    assert stream.getvalue().endswith(
        "\r" + " " * len("signaltrace: scanning, parsed 10/500 files") + "\r"
    )


def test_batches_of_the_scan_add_up_in_one_count() -> None:
    line, stream, clock = make_line()
    clock.now += DELAY
    for batch in ([1, 2, 3], [1], [1, 2]):
        for done in batch:
            clock.now += 2 * INTERVAL
            line(done, batch[-1])
    assert stream.getvalue().split("\r")[-1].strip() == "signaltrace: scanning, parsed 6/6 files"


@pytest.mark.parametrize(("tty", "environ"), [(False, {}), (True, {"CI": "true"})])
def test_a_slow_scan_in_a_pipe_or_on_ci_prints_nothing(tty: bool, environ: dict[str, str]) -> None:
    line, stream, clock = make_line(tty, environ)
    clock.now += 10 * DELAY
    line(1, 2)
    line.close()
    assert stream.getvalue() == ""


def test_the_scan_command_reports_progress_through_the_callback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "signals.py").write_text("from django.dispatch import Signal\nx = Signal()\n")
    calls: list[tuple[int, int]] = []

    class Recording(ProgressLine):
        def __call__(self, done: int, total: int) -> None:
            calls.append((done, total))

    monkeypatch.setattr("pytest_signaltrace.cli.progress.ProgressLine", Recording)
    assert main(["scan", str(tmp_path), "--no-cache", "-o", str(tmp_path / "out.md")]) == 0
    assert calls == [(1, 1)]
