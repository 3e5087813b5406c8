"""The framework of each receiver's and send site's signal: in the JSON rows always, and as a
column of the HTML tables when the report mixes frameworks (Django, Celery, Flask...)."""

from __future__ import annotations

import json
import re
from dataclasses import replace

from report_samples import receiver, sender, totals, with_signals

from pytest_signaltrace.model import Report
from pytest_signaltrace.report import render_text
from pytest_signaltrace.report.html import render_html
from pytest_signaltrace.report.signal_frameworks import frameworks_by_signal


def _mixed() -> Report:
    receivers = (
        receiver("shop.signals.order_placed", "shop.receivers.on_placed"),
        receiver("celery.signals.task_failure", "shop.tasks.on_failure", "unexercised"),
        receiver(None, "shop.receivers.on_anything", "unexercised"),
    )
    senders = (
        sender("shop.signals.order_placed", "shop/services.py", 12),
        sender(None, "shop/views.py", 30, calls=0, expression="hook"),
    )
    return with_signals(totals(receivers, senders))


def _django_only() -> Report:
    receivers = (receiver("shop.signals.order_placed", "shop.receivers.on_placed"),)
    return with_signals(totals(receivers, (sender("shop.signals.order_placed", "s.py", 3),)))


def test_json_receivers_and_send_sites_carry_their_signals_framework_after_the_signal() -> None:
    data = json.loads(render_text(_mixed(), "json"))
    assert data["format"] == 5
    frameworks = {row["handler"]: row["framework"] for row in data["receivers"]}
    assert frameworks == {
        "shop.receivers.on_placed": "django",
        "shop.tasks.on_failure": "celery",
        "shop.receivers.on_anything": None,
    }
    assert [row["framework"] for row in data["senders"]] == ["django", None]
    keys = list(data["receivers"][0])
    assert keys[keys.index("signal") + 1] == "framework"


def test_a_signal_without_a_signal_row_takes_the_registrys_framework() -> None:
    report = replace(_mixed(), signals=())
    assert frameworks_by_signal(report)["celery.signals.task_failure"] == "celery"


def _columns(page: str, table: str) -> list[str]:
    head = re.search(rf'data-table="{table}">.*?<thead>(.*?)</thead>', page, re.S)
    assert head is not None
    return re.findall(r'data-key="(\w+)"', head.group(1))


def test_a_report_with_several_frameworks_shows_the_column_in_every_table() -> None:
    page = render_html(_mixed())
    for table in ("receivers", "senders", "signals"):
        assert "framework" in _columns(page, table), table
    assert re.search(r'<td data-col="framework" data-sort="celery">celery</td>', page)
    assert 'class="data with-framework" data-table="receivers"' in page


def test_a_report_of_one_framework_shows_it_only_in_the_signal_table() -> None:
    page = render_html(_django_only())
    assert "framework" not in _columns(page, "receivers")
    assert "framework" not in _columns(page, "senders")
    assert "framework" in _columns(page, "signals")


def test_the_filter_text_of_a_row_holds_its_framework() -> None:
    page = render_html(_mixed())
    row = re.search(r'<tr id="receiver-\d+"[^>]*data-search="([^"]*on_failure[^"]*)"', page)
    assert row is not None
    assert "celery" in row.group(1).split()
