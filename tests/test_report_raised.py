"""Receivers that raised under a robust send, in every format: "raised 3x: KeyError('sku')"."""

from __future__ import annotations

import json
import re
from pathlib import Path

from report_samples import receiver, report_from_json, totals, with_signals

from pytest_signaltrace.merge.merge import PathMapper, _RuntimeIndex
from pytest_signaltrace.model import RaisedRow, Report, StaticMap
from pytest_signaltrace.report import render_text
from pytest_signaltrace.report.github import render_github_annotations
from pytest_signaltrace.report.html import render_html
from pytest_signaltrace.report.json_report import report_to_dict
from pytest_signaltrace.report.markdown import render_markdown
from pytest_signaltrace.report.words import raised_text
from pytest_signaltrace.trace.model import HandlerRef, Raised, RaiseKey, SignalRef, Trace

SHIPPED = "shop.signals.order_shipped"
KEY = RaisedRow("KeyError", 3, "KeyError('sku')", ("tests/test_shop.py::test_ship",))
VALUE = RaisedRow("ValueError", 1, "ValueError('late')", ("tests/test_shop.py::test_late",))
STOCK = RaisedRow("shop.errors.OutOfStock", 1, "OutOfStock()", ("tests/test_shop.py::test_late",))


def raised_report() -> Report:
    return with_signals(
        totals(
            (
                receiver(SHIPPED, "shop.receivers.reserve_stock", raised=(KEY,), line=20),
                receiver(SHIPPED, "shop.receivers.notify", raised=(KEY, STOCK, VALUE), line=30),
                receiver(SHIPPED, "shop.receivers.fine"),
                receiver("shop.signals.order_refunded", "shop.receivers.refund", "dead"),
            ),
            (),
        )
    )


def test_one_type_reads_as_its_count_and_message() -> None:
    assert raised_text((KEY,)) == "raised 3x: KeyError('sku')"
    assert raised_text(()) == ""


def test_several_types_show_the_most_frequent_and_count_the_rest() -> None:
    assert raised_text((KEY, STOCK, VALUE)) == (
        "raised 5x: KeyError('sku') (3x) and 2 other types (2x)"
    )
    assert raised_text((KEY, VALUE)) == "raised 4x: KeyError('sku') (3x) and 1 other type (1x)"


def test_the_merge_sorts_types_by_count_then_name() -> None:
    signal = SignalRef("shop.signals.order_shipped", None, None)
    handler = HandlerRef("shop.receivers.notify", "/p/shop/receivers.py", 3)
    trace = Trace(
        raises={
            RaiseKey(signal, handler, "ValueError"): Raised(2, "ValueError('b')"),
            RaiseKey(signal, handler, "KeyError"): Raised(5, "KeyError('a')"),
            RaiseKey(signal, handler, "AttributeError"): Raised(2, "AttributeError('c')"),
        }
    )
    index = _RuntimeIndex(StaticMap(".", 0, 0), trace, PathMapper(Path("/p"), [Path("/p")]))
    rows = index.raised([("shop.signals.order_shipped", "shop.receivers.notify")])
    assert [(r.exception, r.count) for r in rows] == [
        ("KeyError", 5),
        ("AttributeError", 2),
        ("ValueError", 2),
    ]


def test_the_terminal_lists_them_in_term_and_term_missing_most_raises_first() -> None:
    for fmt in ("term", "term-missing"):
        text = render_text(raised_report(), fmt)
        section = text.split("Receivers that raised under a robust send")[1].splitlines()
        assert section[1:3] == [
            "  shop/receivers.py:30  shop.receivers.notify  (shop.signals.order_shipped)"
            "  raised 5x: KeyError('sku') (3x) and 2 other types (2x)",
            "  shop/receivers.py:20  shop.receivers.reserve_stock  (shop.signals.order_shipped)"
            "  raised 3x: KeyError('sku')",
        ], fmt


def test_nothing_raised_adds_no_section() -> None:
    report = with_signals(totals((receiver(SHIPPED, "shop.receivers.fine"),), ()))
    for fmt in ("term", "term-missing", "markdown", "github"):
        assert "raised" not in render_text(report, fmt), fmt


def test_markdown_puts_the_raised_receivers_first() -> None:
    text = render_markdown(raised_report())
    assert text.index("### Receivers that raised under a robust send") < text.index(
        "### Receivers that never ran"
    )
    assert (
        "| `shop.receivers.reserve_stock` | `shop.signals.order_shipped` "
        "| `shop/receivers.py:20` | `raised 3x: KeyError('sku')` | 1 |"
    ) in text


def test_github_warns_about_each_raised_receiver_first() -> None:
    lines = render_github_annotations(raised_report()).splitlines()
    assert lines[0].startswith(
        "::warning file=shop/receivers.py,line=30,title=Signal receiver raised::"
        "shop.receivers.notify (shop.signals.order_shipped) raised 5x"
    )
    assert lines[1].startswith("::warning file=shop/receivers.py,line=20,title=Signal receiver")
    assert "Dead signal receiver" in lines[2]


def test_github_counts_raised_receivers_left_out() -> None:
    text = render_github_annotations(raised_report(), limit=1)
    assert text.count("::warning") == 1
    assert "1 more receiver raised and 1 more receiver never ran (1 of them dead)" in text


def test_json_rows_carry_raised_and_read_back() -> None:
    report = raised_report()
    data = json.loads(render_text(report, "json"))
    assert data["format"] == 5
    (row,) = [r for r in data["receivers"] if r["handler"] == "shop.receivers.reserve_stock"]
    assert row["raised"] == [
        {
            "exception": "KeyError",
            "count": 3,
            "message": "KeyError('sku')",
            "tests": ["tests/test_shop.py::test_ship"],
        }
    ]
    assert report_from_json(report_to_dict(report)) == report


def test_html_shows_the_raise_on_the_receivers_row() -> None:
    page = render_html(raised_report())
    row = re.search(r'<tr id="receiver-\d+"[^>]*>(?:(?!</tr>).)*reserve_stock.*?</tr>', page, re.S)
    assert row is not None
    assert "raised 3x: KeyError(&#39;sku&#39;)" in row.group(0)
