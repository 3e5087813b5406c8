"""The terminal table lists every signal of the report, as the Markdown and HTML reports do."""

from __future__ import annotations

from report_samples import receiver, sender, totals, with_signals

from pytest_signaltrace.model import Report
from pytest_signaltrace.report.options import ReportOptions
from pytest_signaltrace.report.terminal import render_terminal


def _report() -> Report:
    """``placed`` has a receiver; ``audited`` is sent 13 times and received by nothing;
    ``archived`` is defined and neither sent nor received."""
    rows = (receiver("shop.signals.placed", "shop.receivers.on_placed"),)
    sends = (
        sender("shop.signals.placed", "shop/views.py", 3),
        sender("shop.signals.audited", "shop/views.py", 9, calls=13),
    )
    return with_signals(totals(rows, sends), extra=["shop.signals.archived"])


def _table(lines: list[str]) -> dict[str, list[str]]:
    start = next(i for i, line in enumerate(lines) if line.startswith("-")) + 1
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("-"))
    rows = [line.split("  ") for line in lines[start:end]]
    return {cells[0]: [c.strip() for c in cells[1:] if c.strip()] for cells in rows}


def test_a_signal_that_nothing_receives_has_its_row_with_its_sends() -> None:
    table = _table(render_terminal(_report()))

    assert table["shop.signals.audited"] == ["0", "0", "13", "no receivers", "S"]
    assert table["shop.signals.archived"] == ["0", "0", "0", "unused", "S"]
    assert table["shop.signals.placed"] == ["1", "1", "1", "ok", "S"]


def test_the_totals_still_count_receivers_only() -> None:
    lines = render_terminal(_report())

    total = next(line for line in lines if line.startswith("TOTAL"))
    assert total.split() == ["TOTAL", "1", "1", "100.00%"]


def test_skip_covered_keeps_the_signals_without_receivers_as_markdown_does() -> None:
    lines = render_terminal(_report(), options=ReportOptions(skip_covered=True))

    assert sorted(_table(lines)) == ["shop.signals.archived", "shop.signals.audited"]
    assert "1 signal skipped due to complete coverage." in lines
