"""The gates' line for source files the scan skipped: named with their reasons, unless the
``exclude`` globs leave them out."""

from __future__ import annotations

from pytest_signaltrace.gates.fail_under import skipped_files_reason
from pytest_signaltrace.model import Report, SkippedFile, Totals
from pytest_signaltrace.report.markdown import render_markdown
from pytest_signaltrace.report.terminal import render_terminal

HUGE = SkippedFile("shop/generated.py", "too large (2,400,151 bytes; the limit is 2,097,152)")
BROKEN = SkippedFile("shop/migrations/0001_initial.py", "syntax error at line 3: *bad* | input")


def test_no_skipped_file_or_only_excluded_ones_leave_the_gate_alone() -> None:
    assert skipped_files_reason((), ()) is None
    assert skipped_files_reason((HUGE, BROKEN), ("shop/generated.py", "*/migrations/*")) is None


def test_one_skipped_file_is_named_with_its_reason_and_how_to_exclude_it() -> None:
    assert skipped_files_reason((HUGE, BROKEN), ("*/migrations/*",)) == (
        "the scan skipped shop/generated.py (too large (2,400,151 bytes; the limit is "
        "2,097,152)), so its receivers are not counted; to leave it out, add "
        '"shop/generated.py" to exclude ([tool.signaltrace]) or signaltrace_exclude'
    )


def test_many_skipped_files_are_counted_and_the_first_three_named() -> None:
    files = [SkippedFile(f"gen/m{n}.py", "too deeply nested") for n in range(5)]
    reason = skipped_files_reason(files, ())
    assert reason is not None
    assert reason.startswith(
        "the scan skipped 5 files: gen/m0.py (too deeply nested); gen/m1.py (too deeply "
        "nested); gen/m2.py (too deeply nested); and 2 more, so their receivers are not counted"
    )
    assert "\n" not in reason


def test_the_terminal_and_markdown_reports_list_the_skipped_files() -> None:
    report = Report((), (), (), Totals(0, 0), Totals(0, 0), files_skipped=(BROKEN, HUGE))
    assert render_terminal(report)[-3:] == [
        "WARNING: the scan skipped 2 files: their signals and receivers are missing from "
        "this report.",
        f"  {BROKEN.path}: {BROKEN.reason}",
        f"  {HUGE.path}: {HUGE.reason}",
    ]
    markdown = render_markdown(report)
    assert "> **Warning:** the scan skipped 2 files (listed below)" in markdown
    assert (
        "| `shop/migrations/0001_initial.py` | syntax error at line 3: \\*bad\\* \\| input |"
        in markdown
    )


def test_reports_without_skipped_files_do_not_mention_them() -> None:
    report = Report((), (), (), Totals(0, 0), Totals(0, 0))
    assert not any("skipped" in line for line in render_terminal(report))
    assert "skipped" not in render_markdown(report)
