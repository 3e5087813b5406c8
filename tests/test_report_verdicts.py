"""Every format says when a verdict is uncertain (possibly dead, possibly never sent), names the
unresolved send sites behind it, and says what each status rests on."""

from __future__ import annotations

import json
import re

from report_samples import MAYBE_SITE, report_from_json, uncertain_report

from pytest_signaltrace.model import ReceiverStatus
from pytest_signaltrace.report import render_text
from pytest_signaltrace.report.github import render_github_annotations
from pytest_signaltrace.report.graph import RECEIVERS, SENDERS, SIGNALS, layout_graph
from pytest_signaltrace.report.html import render_html, summarize
from pytest_signaltrace.report.json_report import report_to_dict
from pytest_signaltrace.report.markdown import render_markdown
from pytest_signaltrace.report.terminal import render_terminal
from pytest_signaltrace.report.words import site_text, sites_text

REFUND = "shop.receivers.on_refund"


def test_a_site_reads_as_its_location_and_call() -> None:
    assert site_text(MAYBE_SITE) == "shop/views.py:14 sig.send"
    assert sites_text([MAYBE_SITE] * 5, limit=2) == (
        "shop/views.py:14 sig.send, shop/views.py:14 sig.send, and 3 more"
    )


def test_the_terminal_table_says_the_evidence_of_each_signal_with_a_legend() -> None:
    lines = render_terminal(uncertain_report())
    assert lines[0].split()[-2:] == ["Status", "Evidence"]
    rows = {line.split()[0]: line.split("  ")[-1].strip() for line in lines[2:6]}
    assert rows == {
        "shop.signals.basket_addition": "R",
        "shop.signals.inventory_audited": "S+R",  # no receivers: a row all the same
        "shop.signals.order_lost": "S+R",
        "shop.signals.order_refunded": "S+R",
    }
    assert "possibly unused" in lines[3]
    assert "possibly never sent" in lines[5]
    assert "Evidence: S = the static scan, R = the runtime trace, S+R = both." in lines


def test_the_terminal_summary_counts_dead_and_possibly_dead_but_not_excluded_receivers() -> None:
    lines = render_terminal(uncertain_report())
    assert (
        "Send sites: 1 of 2 ran (50.00%). dead receivers: 1, possibly dead: 1, "
        "test-only receivers: 0 (not counted), excluded: 1."
    ) in lines


def test_term_missing_lists_a_possibly_dead_receiver_with_the_sites_that_might_send() -> None:
    lines = render_terminal(uncertain_report(), show_missing=True)
    at = next(i for i, line in enumerate(lines) if REFUND in line)
    assert lines[at] == (
        "  possibly dead  S+R  shop/receivers.py:11  shop.receivers.on_refund"
        "  (shop.signals.order_refunded)"
    )
    assert lines[at + 1] == "                 might be sent by shop/views.py:14 sig.send"
    assert "  shop/views.py:14  send  (unresolved: sig)" in lines
    named = lines.index("Send sites the scan could not resolve, named by the trace:")
    assert lines[named + 1] == "  shop/views.py:8  send  shop.signals.basket_addition  (ran 108x)"
    assert "  possibly never sent  shop/signals.py:3  shop.signals.order_refunded" in lines
    assert "  possibly unused      shop/signals.py:3  shop.signals.inventory_audited" in lines


def test_markdown_marks_possibly_dead_receivers_and_the_evidence() -> None:
    text = render_markdown(uncertain_report())
    assert "· 1 dead · 1 possibly dead" in text.splitlines()[2]
    refunded = "| `shop.signals.order_refunded` | possibly never sent | static+runtime |"
    assert f"{refunded} 1 | 0 | 0 |" in text
    assert (
        "| ❓ possibly dead | static+runtime | `shop.receivers.on_refund` | "
        "`shop.signals.order_refunded` | `shop/receivers.py:11` | `shop/views.py:14 sig.send` |"
    ) in text
    named = "| `shop/views.py:8` | `self.add_signal.send` | `shop.signals.basket_addition` |"
    assert f"{named} 108 |" in text
    assert "*runtime*: the runtime trace of the tests" in text


def test_github_annotates_a_possibly_dead_receiver_with_the_sites() -> None:
    lines = render_github_annotations(uncertain_report()).splitlines()
    (line,) = [line for line in lines if REFUND in line]
    assert line.startswith(
        "::warning file=shop/receivers.py,line=11,title=Possibly dead signal receiver::"
    )
    assert line.endswith("only these unresolved ones might: shop/views.py:14 sig.send.")
    assert not any("legacy" in line for line in lines), "excluded receivers are not annotated"


def test_json_rows_carry_evidence_and_possible_senders_and_read_back() -> None:
    report = uncertain_report()
    data = json.loads(render_text(report, "json"))
    assert data["format"] == 5
    (row,) = [r for r in data["receivers"] if r["handler"] == REFUND]
    assert (row["status"], row["evidence"]) == ("possibly_dead", "static+runtime")
    assert row["possible_senders"] == [
        {"path": "shop/views.py", "line": 14, "method": "send", "expression": "sig"}
    ]
    assert {s["line"]: s["evidence"] for s in data["senders"]} == {8: "runtime", 14: "static"}
    assert report_from_json(report_to_dict(report)) == report


def test_the_html_page_has_a_possibly_dead_filter_badge_and_the_sites() -> None:
    page = render_html(uncertain_report())
    assert re.search(r'<input type="checkbox"\s+value="possibly-dead" checked> possibly dead', page)
    row = re.search(r'<tr id="receiver-\d+" data-status="possibly-dead".*?</tr>', page, re.S)
    assert row is not None
    assert 'class="badge st-possibly-dead"' in row.group(0)
    assert "might be sent by 1 unresolved send site" in row.group(0)
    assert "<code>shop/views.py:14 sig.send</code>" in row.group(0)
    assert 'class="evidence ev-static-runtime"' in row.group(0)
    assert "named by the trace: self.add_signal" in page
    assert summarize(uncertain_report()).receiver_statuses["possibly-dead"] == 1


def test_the_graph_joins_the_site_the_trace_named_to_its_signal() -> None:
    report = uncertain_report()
    layout = layout_graph(report)
    (site,) = [n for n in layout.column(SENDERS) if n.label.startswith("shop/views.py:8")]
    (signal,) = [n for n in layout.column(SIGNALS) if n.signal == "shop.signals.basket_addition"]
    assert any(e.source == site.id and e.target == signal.id for e in layout.edges)
    assert "named by the trace" in site.title
    statuses = {n.label: n.status for n in layout.column(RECEIVERS)}
    assert statuses["on_refund"] == "possibly-dead"
    (refunded,) = [n for n in layout.column(SIGNALS) if n.signal == "shop.signals.order_refunded"]
    assert refunded.status == "sig-possibly_never_sent"
    assert "might be sent by shop/views.py:14 sig.send" in refunded.title


def test_every_receiver_status_has_words_in_every_format() -> None:
    for status in ReceiverStatus:
        report = uncertain_report()
        row = report.receivers[1]
        changed = type(report)(
            signals=report.signals,
            receivers=(type(row)(**{**row.__dict__, "status": status}),),
            senders=report.senders,
            receiver_totals=report.receiver_totals,
            sender_totals=report.sender_totals,
        )
        for fmt in ("term", "term-missing", "markdown", "json", "github"):
            assert render_text(changed, fmt)
        assert render_html(changed)
