"""The HTML report: one self-contained page, everything from source code escaped."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from pathlib import Path
from typing import Any

import pytest
from report_samples import (
    PAYLOAD,
    receiver,
    sender,
    synthetic_report,
    totals,
    with_signals,
    xss_report,
)

from pytest_signaltrace.model import Report
from pytest_signaltrace.report.html import INDEX, render_html, script_json, summarize, write_html
from pytest_signaltrace.report.options import ReportOptions

ESCAPED_PAYLOAD = html.escape(PAYLOAD, quote=False)


@pytest.fixture(scope="module")
def page() -> str:
    return render_html(xss_report())


def _json_block(page: str) -> object:
    match = re.search(
        r'<script type="application/json" id="signaltrace-data">(.*?)</script>', page, re.S
    )
    assert match is not None
    return json.loads(match.group(1))


def _inline(page: str, tag: str) -> str:
    match = re.search(rf"<{tag}>(.*?)</{tag}>", page, re.S)
    assert match is not None
    return match.group(1)


def test_the_page_is_one_html_document(page: str) -> None:
    assert page.startswith("<!doctype html>")
    assert page.count("<html") == 1
    assert page.rstrip().endswith("</html>")


def test_the_page_loads_nothing_from_the_network(page: str) -> None:
    assert "http://" not in page
    assert "https://" not in page
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:[a-z]+:)?//""", page, re.I)
    assert not re.search(r"<(?:link|img|iframe|object|embed)\b", page, re.I)
    assert not re.search(r"<script[^>]*\bsrc=", page, re.I)
    assert "@import" not in page
    assert "url(" not in page


def test_a_content_security_policy_allows_only_the_inlined_script_and_style(page: str) -> None:
    match = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page)
    assert match is not None
    policy = html.unescape(match.group(1))
    assert "default-src 'none'" in policy
    for tag, directive in (("script", "script-src"), ("style", "style-src")):
        digest = hashlib.sha256(_inline(page, tag).encode()).digest()
        assert f"{directive} 'sha256-{base64.b64encode(digest).decode()}'" in policy


def test_a_handler_and_a_sender_made_of_markup_are_escaped(page: str) -> None:
    assert PAYLOAD not in page
    assert "<img" not in page.lower()
    assert "</script><" not in page
    # The handler is shown (as text) in the table and in the graph, the sender in both tables.
    assert page.count(ESCAPED_PAYLOAD) >= 4


def test_the_script_data_block_cannot_be_closed_from_inside() -> None:
    text = script_json({"signal": PAYLOAD, "amp": "a & b", "sep": "\u2028"})
    assert "<" not in text
    assert ">" not in text
    assert "&" not in text
    assert json.loads(text) == {"signal": PAYLOAD, "amp": "a & b", "sep": "\u2028"}


def test_a_signal_id_made_of_markup_is_escaped_in_the_data_block_too() -> None:
    evil = f"shop.signals.{PAYLOAD}"
    report = with_signals(totals((receiver(evil, "shop.receivers.on_evil"),), ()))
    page = render_html(report)
    assert PAYLOAD not in page
    assert "<img" not in page.lower()
    data = _json_block(page)
    assert isinstance(data, dict)
    assert evil in data["signals"]


def test_the_title_is_escaped() -> None:
    page = render_html(xss_report(), title="<b>Shop</b> & co")
    assert "<title>&lt;b&gt;Shop&lt;/b&gt; &amp; co</title>" in page
    assert "<b>Shop" not in page


def test_the_summary_shows_the_coverage_and_the_counts(page: str) -> None:
    summary = summarize(xss_report())
    assert (summary.receivers_ran, summary.receivers_total) == (2, 4)
    assert summary.receiver_statuses == {
        "exercised": 2,
        "unexercised": 1,
        "dead": 1,
        "test-only": 1,
        "excluded": 1,
    }
    assert summary.sender_statuses == {"ran": 1, "never-ran": 2}
    assert "50.00" in page
    assert "33.33" in page
    assert re.search(r"<strong>2</strong> of\s+<strong>4</strong> receivers ran", page)


def test_missing_workers_and_skipped_files_are_shown(page: str) -> None:
    assert "Incomplete data" in page
    assert "gw1" in page
    assert "1 file skipped" in page
    assert "shop/broken.py" in page


def test_a_complete_run_shows_no_warning() -> None:
    page = render_html(synthetic_report())
    assert "Incomplete data" not in page
    assert "0 files skipped" in page


def test_every_row_carries_its_status_and_signal_for_the_filters(page: str) -> None:
    report = xss_report()
    rows = re.findall(r'<tr id="receiver-\d+" data-status="([^"]+)" data-signal="([^"]+)"', page)
    assert len(rows) == len(report.receivers)
    assert {status for status, _ in rows} == {
        "exercised",
        "unexercised",
        "dead",
        "test-only",
        "excluded",
    }
    senders = re.findall(r'<tr id="sender-\d+" data-status="([^"]+)"', page)
    assert sorted(senders) == ["never-ran", "never-ran", "ran"]


def test_there_is_a_checkbox_per_status(page: str) -> None:
    for status in ("exercised", "unexercised", "dead", "test-only", "excluded"):
        assert re.search(rf'<input type="checkbox"\s+value="{status}" checked>', page)
    for status in ("ran", "never-ran"):
        assert re.search(rf'<input type="checkbox"\s+value="{status}" checked>', page)


def test_the_tests_that_ran_a_receiver_are_listed_collapsed(page: str) -> None:
    # The script lists them from the page's table of tests when the cell is opened.
    assert re.search(
        r'<details class="tests" data-tests-of="receiver-\d+"><summary>1 test</summary></details>',
        page,
    )
    data = page_data_of(page)["tests"]
    assert data["prefixes"] == [["tests/test_app.py", "::"]]
    assert data["tests"] == [[0, "test_it"]]


def page_data_of(page: str) -> dict[str, Any]:
    """The JSON the page gives its script."""
    found = re.search(r'<script type="application/json" id="signaltrace-data">(.*?)</script>', page)
    assert found is not None
    return dict(json.loads(found.group(1)))


def test_the_graph_has_one_signal_node_per_signal() -> None:
    report = synthetic_report()
    nodes = _signal_nodes(render_html(report))
    assert sorted(nodes) == sorted(s.signal for s in report.signals)
    assert len(nodes) == 30


def _signal_nodes(page: str) -> list[str]:
    return re.findall(
        r'<g id="g-signal-\d+" class="node signal-node[^"]*" data-signal="([^"]+)"', page
    )


def test_skip_covered_leaves_signals_whose_receivers_and_send_sites_all_ran_off_the_page() -> None:
    report = with_signals(
        totals(
            (
                receiver("shop.signals.a", "shop.receivers.a1"),
                receiver("shop.signals.b", "shop.receivers.b1"),
                receiver("shop.signals.c", "shop.receivers.c1", "unexercised"),
            ),
            (
                sender("shop.signals.a", "shop/views.py", 3),
                sender("shop.signals.b", "shop/views.py", 4),
                sender("shop.signals.b", "shop/jobs.py", 9, calls=0),  # b is not complete
                sender("shop.signals.c", "shop/views.py", 5),
            ),
        )
    )
    page = render_html(report, options=ReportOptions(skip_covered=True))
    assert _signal_nodes(page) == ["shop.signals.b", "shop.signals.c"]
    assert 'data-signal="shop.signals.a"' not in page  # no row, no graph box, no edge
    assert "shop.receivers.a1" not in page
    assert "1 signal skipped due to complete coverage" in page
    assert "<strong>2</strong> of\n      <strong>3</strong> receivers ran" in page  # all counted
    whole = render_html(report)
    assert _signal_nodes(whole) == ["shop.signals.a", "shop.signals.b", "shop.signals.c"]
    assert "skipped due to complete coverage" not in whole


def test_rendering_is_deterministic() -> None:
    assert render_html(synthetic_report()) == render_html(synthetic_report())


def test_an_empty_report_renders() -> None:
    page = render_html(
        Report((), (), (), totals((), ()).receiver_totals, totals((), ()).sender_totals)
    )
    assert "No signals, send sites or receivers were found." in page
    assert "100.00" in page


def test_write_html_writes_index_html_into_a_new_folder(tmp_path: Path) -> None:
    target = tmp_path / "signaltrace_html"
    written = write_html(xss_report(), target)
    assert written == target / INDEX
    assert written.read_text(encoding="utf-8") == render_html(xss_report())
    assert [p.name for p in target.iterdir()] == [INDEX]


def test_write_html_replaces_an_old_report(tmp_path: Path) -> None:
    (tmp_path / INDEX).write_text("old", encoding="utf-8")
    write_html(xss_report(), tmp_path, title="New")
    assert "<title>New</title>" in (tmp_path / INDEX).read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == [INDEX]
