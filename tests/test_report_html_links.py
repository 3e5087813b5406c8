"""The HTML report's locations: full paths on hover, links by the configured template, and the
precision of its percentages."""

from __future__ import annotations

import re
from pathlib import Path

from report_samples import PAYLOAD, receiver, sender, totals, with_signals

from pytest_signaltrace.model import Report
from pytest_signaltrace.report.html import location_link, render_html
from pytest_signaltrace.report.options import ReportOptions

GITHUB = "https://github.com/org/repo/blob/main/{path}#L{line}"


def _report() -> Report:
    rows = (
        receiver("shop.signals.a", "shop.receivers.on_a", path="shop/my receivers.py", line=12),
        receiver("shop.signals.a", "shop.receivers.on_b", "unexercised", line=20),
        receiver("shop.signals.a", "shop.receivers.evil", "unexercised", path=f"shop/{PAYLOAD}.py"),
    )
    return with_signals(totals(rows, (sender("shop.signals.a", "shop/views.py", 7),)))


def _hrefs(page: str) -> list[str]:
    return re.findall(r'<a class="loc-link" href="([^"]*)"', page)


def test_without_a_template_locations_are_text_with_the_full_path_on_hover() -> None:
    page = render_html(_report())
    assert _hrefs(page) == []
    assert '<span title="shop/my receivers.py:12">shop/my receivers.py:12</span>' in page


def test_with_a_template_every_location_links_by_it_quoted() -> None:
    page = render_html(_report(), options=ReportOptions(link_template=GITHUB))
    links = _hrefs(page)
    assert "https://github.com/org/repo/blob/main/shop/my%20receivers.py#L12" in links
    assert "https://github.com/org/repo/blob/main/shop/receivers.py#L20" in links
    assert "https://github.com/org/repo/blob/main/shop/views.py#L7" in links  # send site
    assert "https://github.com/org/repo/blob/main/shop/signals.py#L3" in links  # definition
    assert PAYLOAD not in page  # the path with markup is quoted in the URL, escaped in text
    assert all("<" not in link and '"' not in link for link in links)


def test_abspath_is_the_rootdir_joined_with_the_path(tmp_path: Path) -> None:
    link = location_link("vscode://file{abspath}:{line}", tmp_path)
    assert link("shop/a b.py", 3) == f"vscode://file{tmp_path.as_posix()}/shop/a%20b.py:3"
    assert location_link(None, tmp_path)("shop/a.py", 3) == ""


def test_the_percentages_follow_the_precision() -> None:
    page = render_html(_report(), options=ReportOptions(precision=0))
    assert '<div class="big">33<span class="unit">%</span>' in page
    assert '<div class="big">33.33<span class="unit">%</span>' in render_html(_report())
