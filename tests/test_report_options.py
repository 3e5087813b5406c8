"""coverage.py's ``precision``, ``skip_covered`` and ``sort`` in the terminal and Markdown
reports and the gate, and the HTML link template's validation."""

from __future__ import annotations

import pytest
from report_samples import receiver, sender, totals, with_signals

from pytest_signaltrace.gates.fail_under import check_fail_under
from pytest_signaltrace.model import Report, Totals
from pytest_signaltrace.report import render_text
from pytest_signaltrace.report.options import (
    ReportOptions,
    link_template_error,
    precision_error,
    shown_percent,
    sort_error,
)
from pytest_signaltrace.report.terminal import render_terminal


def _report() -> Report:
    """Three signals: ``a`` fully covered (1 of 1), ``b`` 2 of 3, ``c`` 0 of 2 (sent 9 times)."""
    rows = (
        receiver("shop.signals.a", "shop.receivers.a1"),
        receiver("shop.signals.b", "shop.receivers.b1"),
        receiver("shop.signals.b", "shop.receivers.b2"),
        receiver("shop.signals.b", "shop.receivers.b3", "unexercised"),
        receiver("shop.signals.c", "shop.receivers.c1", "unexercised"),
        receiver("shop.signals.c", "shop.receivers.c2", "unexercised"),
    )
    sends = (
        sender("shop.signals.a", "shop/views.py", 3),
        sender("shop.signals.b", "shop/views.py", 4),
        sender("shop.signals.c", "shop/views.py", 5, calls=9),
    )
    return with_signals(totals(rows, sends))


def _table_signals(lines: list[str]) -> list[str]:
    start = lines.index(next(line for line in lines if line.startswith("-"))) + 1
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("-"))
    return [line.split()[0] for line in lines[start:end]]


@pytest.mark.parametrize(
    ("exercised", "total", "precision", "shown"),
    [
        (1, 3, 2, "33.33"),
        (2, 3, 0, "67"),
        (2, 3, 1, "66.7"),
        (199, 200, 0, "99"),  # never rounds up to 100 while something is missing
        (1, 1000, 0, "1"),  # nor down to 0 while something ran
        (0, 5, 1, "0.0"),
        (5, 5, 0, "100"),
        (0, 0, 3, "100.000"),
    ],
)
def test_a_percentage_is_shown_with_the_precision_as_coverage_displays_it(
    exercised: int, total: int, precision: int, shown: str
) -> None:
    assert shown_percent(Totals(total, exercised), precision) == shown


def test_the_gate_compares_the_figure_it_shows() -> None:
    passed = check_fail_under(Totals(3, 2), 67, precision=0)
    assert passed.passed
    assert passed.message.endswith("Total coverage: 67%")
    failed = check_fail_under(Totals(3, 2), 67, precision=1)
    assert not failed.passed
    assert failed.message == (
        "FAIL Required signal receiver coverage of 67% not reached. Total coverage: 66.7%"
    )


def test_100_means_every_receiver_ran_even_when_the_rest_rounds_to_100() -> None:
    gate = check_fail_under(Totals(100_000, 99_999), 100)
    assert not gate.passed
    assert gate.message.endswith("Total coverage: 99.99%")


def test_the_terminal_report_shows_percentages_with_the_precision() -> None:
    lines = render_terminal(_report(), options=ReportOptions(precision=0))
    assert next(line for line in lines if line.startswith("TOTAL")).endswith(" 50%")
    assert any("Send sites: 3 of 3 ran (100%)" in line for line in lines)


def test_skip_covered_leaves_fully_covered_signals_out_of_the_table_and_says_how_many() -> None:
    lines = render_terminal(_report(), options=ReportOptions(skip_covered=True))
    assert _table_signals(lines) == ["shop.signals.b", "shop.signals.c"]
    assert "1 signal skipped due to complete coverage." in lines
    full = render_terminal(_report())
    assert _table_signals(full) == ["shop.signals.a", "shop.signals.b", "shop.signals.c"]
    assert not any("skipped due to" in line for line in full)


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("name", "abc"),
        ("-name", "cba"),
        ("cover", "cba"),
        ("-cover", "abc"),
        ("miss", "abc"),
        ("-miss", "cba"),
        ("receivers", "acb"),
        ("-Receivers", "bca"),
        ("ran", "cab"),
        ("-sends", "cab"),  # a and b were sent once each: they stay in name order
    ],
)
def test_sort_orders_the_table_like_coverages_sort(sort: str, order: str) -> None:
    lines = render_terminal(_report(), options=ReportOptions(sort=sort))
    assert _table_signals(lines) == [f"shop.signals.{name}" for name in order]


def test_sort_by_status_puts_signals_that_nothing_sends_first() -> None:
    rows = (
        receiver("shop.signals.a", "shop.receivers.a1"),
        receiver("shop.signals.z", "shop.receivers.z1", "dead"),
    )
    report = with_signals(totals(rows, (sender("shop.signals.a", "shop/views.py", 3),)))
    lines = render_terminal(report, options=ReportOptions(sort="status"))
    assert _table_signals(lines) == ["shop.signals.z", "shop.signals.a"]


def test_markdown_takes_the_precision_skip_covered_and_sort() -> None:
    text = render_text(
        _report(), "markdown", ReportOptions(precision=1, skip_covered=True, sort="-miss")
    )
    assert "**50.0%** of receivers ran (3 of 6) · send sites 100.0% (3 of 3)" in text
    overview = text.split("### Signals", 1)[1].split("\n\n", 2)[1]
    assert [line.split("`")[1] for line in overview.splitlines()[2:]] == [
        "shop.signals.c",
        "shop.signals.b",
    ]


def test_markdown_says_how_many_signals_skip_covered_left_out_and_leaves_out_their_tables() -> None:
    text = render_text(_report(), "markdown", ReportOptions(skip_covered=True))
    assert "\n1 signal skipped due to complete coverage.\n" in text
    assert "#### `shop.signals.a`" not in text
    assert "#### `shop.signals.b`" in text
    plain = render_text(_report(), "markdown")
    assert "skipped due to complete coverage" not in plain
    assert "#### `shop.signals.a`" in plain


def test_the_json_report_keeps_the_exact_figures_whatever_the_precision() -> None:
    assert '"percent":50.0' in render_text(_report(), "json", ReportOptions(precision=0)).replace(
        " ", ""
    )


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("name", None),
        ("-cover", None),
        ("Miss", None),
        (
            "covr",
            "unknown sort key 'covr'; choose from name, receivers, ran, miss, sends, "
            "status, cover (a leading - sorts in reverse)",
        ),
    ],
)
def test_sort_values_are_checked(value: str, problem: str | None) -> None:
    assert sort_error(value) == problem


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (0, None),
        (10, None),
        (11, "11 is not between 0 and 10"),
        (-1, "-1 is not between 0 and 10"),
        ("2", "'2' is not an integer (decimal places, 0 to 10)"),
        (True, "True is not an integer (decimal places, 0 to 10)"),
    ],
)
def test_precision_values_are_checked(value: object, problem: str | None) -> None:
    assert precision_error(value) == problem


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("https://github.com/org/repo/blob/main/{path}#L{line}", None),
        ("vscode://file{abspath}:{line}", None),
        ("https://x/{path}?a={{b}}", None),
        (
            "https://x/{file}#L{line}",
            "unknown field {file} in 'https://x/{file}#L{line}'; use {path}, {abspath}, {line}",
        ),
        ("https://x/#L{line}", "'https://x/#L{line}' names no file: put {path} or {abspath} in it"),
        (
            "https://x/{path",
            "'https://x/{path' is not a valid template (expected '}' before end of string)",
        ),
        (
            "javascript:alert({path})",
            "'javascript:alert({path})': a link must open a location, not run code",
        ),
        (
            "https://x/{path:>99999999999}",
            "{path:>99999999999} in 'https://x/{path:>99999999999}': a field takes no format "
            "spec or conversion; write {path}",
        ),
        (
            "https://x/{path}#L{line:s}",
            "{line:s} in 'https://x/{path}#L{line:s}': a field takes no format spec or "
            "conversion; write {line}",
        ),
        (
            "https://x/{path!r}",
            "{path!r} in 'https://x/{path!r}': a field takes no format spec or conversion; "
            "write {path}",
        ),
        (
            "java\tscript:alert({path})",
            "'java\\tscript:alert({path})' holds a control character ('\\t'): write it "
            "percent-encoded",
        ),
        (
            "\u0001javascript:alert({path})",
            "'\\x01javascript:alert({path})' holds a control character ('\\x01'): write it "
            "percent-encoded",
        ),
        (
            "https://x/{path}\u202e",
            "'https://x/{path}\\u202e' holds a control character ('\\u202e'): write it "
            "percent-encoded",
        ),
    ],
)
def test_link_templates_are_checked(template: str, problem: str | None) -> None:
    assert link_template_error(template) == problem
