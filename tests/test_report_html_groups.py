"""The HTML report's structure at scale, without a browser: groups by folder, collapsed past a
size, tests by file, the graph in bands whose boxes and edges name their rows."""

from __future__ import annotations

import re

from report_samples import receiver, sender, synthetic_report, totals, with_signals

from pytest_signaltrace.model import Report
from pytest_signaltrace.report.html import (
    OPEN_GROUPS_UP_TO,
    folder,
    render_html,
)
from pytest_signaltrace.report.html import test_table as table_of_tests


def _report() -> Report:
    rows = (
        receiver("shop.signals.a", "shop.receivers.on_a"),
        receiver("shop.signals.a", "shop.receivers.on_b", "unexercised"),
        receiver("shop.signals.b", "billing.hooks.on_b", "dead", path="billing/hooks.py"),
        receiver(
            "django.db.models.signals.post_save",
            "billing.deep.pkg.receivers.saved",
            path="billing/deep/pkg/receivers.py",
        ),
    )
    return with_signals(totals(rows, (sender("shop.signals.a", "shop/views.py", 7),)))


def _groups(page: str, table: str) -> list[tuple[str, bool]]:
    found = re.findall(
        rf'<details class="group" id="{table}-group-\d+" data-group="([^"]*)"( open)?>', page
    )
    return [(name, bool(is_open)) for name, is_open in found]


def test_a_path_belongs_to_the_group_of_its_folder() -> None:
    assert folder("shop/receivers.py") == "shop"
    assert folder("billing/deep/pkg/receivers.py") == "billing/deep/pkg"
    assert folder("conftest.py") == "(top level)"
    assert folder(None) == "(no file)"


def test_each_table_is_grouped_by_folder_and_a_small_one_starts_open() -> None:
    page = render_html(_report())
    assert _groups(page, "receivers") == [
        ("billing", True),
        ("billing/deep/pkg", True),
        ("shop", True),
    ]
    assert _groups(page, "senders") == [("shop", True)]
    # Framework signals are a group of their own, after the folders.
    assert [name for name, _ in _groups(page, "signals")] == ["shop", "(django: built in)"]


def test_a_group_shows_the_count_of_each_status_in_the_filters_order() -> None:
    page = render_html(_report())
    shop = page.split('data-group="shop"', 1)[1].split("</summary>", 1)[0]
    assert re.findall(r'class="badge st-([a-z-]+)"[^>]*>([^<]*)<', shop) == [
        ("exercised", "1 exercised"),
        ("unexercised", "1 unexercised"),
    ]


def test_a_big_table_starts_with_its_groups_collapsed() -> None:
    report = synthetic_report()
    assert len(report.receivers) > OPEN_GROUPS_UP_TO
    page = render_html(report)
    groups = _groups(page, "receivers")
    assert len(groups) > 1
    assert not any(is_open for _name, is_open in groups)


def test_every_group_table_has_the_same_fixed_columns() -> None:
    page = render_html(synthetic_report())
    tables = re.findall(
        r'<table class="data[\w -]*" data-table="receivers">\s*<colgroup>(.*?)</colgroup>',
        page,
        re.S,
    )
    assert len(tables) == len(_groups(page, "receivers"))
    assert len(set(tables)) == 1


def test_tests_are_grouped_by_file_and_a_unittest_id_by_its_class() -> None:
    ids = (
        "tests/test_b.py::test_x[2]",
        "tests/test_a.py::TestA::test_y",
        "tests/test_b.py::test_x[1]",
        "shop.tests.LoginTests.test_login",
    )
    table = table_of_tests((receiver("shop.signals.a", "shop.receivers.on_a", tests=ids),))
    assert table == {
        "prefixes": [
            ["shop.tests.LoginTests", "."],
            ["tests/test_a.py::TestA", "::"],
            ["tests/test_b.py", "::"],
        ],
        "tests": [[0, "test_login"], [1, "test_y"], [2, "test_x[1]"], [2, "test_x[2]"]],
        "rows": {"receiver-0": [0, 1, 2, 3]},
    }


def test_an_id_that_does_not_split_is_its_own_file_and_name() -> None:
    ids = ("odd", "x::", "t.py::A::test[a::b.c]")
    table = table_of_tests((receiver("shop.signals.a", "shop.receivers.on_a", tests=ids),))
    assert table["prefixes"] == [["odd", ""], ["t.py::A", "::"], ["x::", ""]]
    assert table["tests"] == [[0, "odd"], [1, "test[a::b.c]"], [2, "x::"]]


def test_each_test_id_is_in_the_page_once_however_many_receivers_it_ran() -> None:
    # Issue 19 item 9: 15 receivers and 2,434 test entries made a page of 745 KB.
    suite = [
        f"shop/tests/test_checkout_{i // 40:02d}.py::TestCheckout::test_case_{i}"
        for i in range(1765)
    ]
    rows = tuple(
        receiver(
            f"shop.signals.s{n}",
            f"shop.receivers.on_event_{n}",
            tests=tuple(suite[(n * 117 + k) % len(suite)] for k in range(163 if n else 152)),
        )
        for n in range(15)
    )
    assert sum(len(row.tests) for row in rows) == 2434
    page = render_html(with_signals(totals(rows, ())))
    assert page.count("test_case_1200<") + page.count('test_case_1200"') <= 1
    assert "<summary>163 tests in 5 files</summary>" in page
    assert "<summary>152 tests in 4 files</summary>" in page
    assert len(page.encode("utf-8")) < 150_000


def test_a_receivers_tests_summary_counts_its_files() -> None:
    many = tuple(f"tests/test_many.py::test_{i}" for i in range(4))
    rows = (
        receiver("shop.signals.a", "shop.receivers.on_a", tests=(*many, "tests/test_one.py::t")),
    )
    page = render_html(with_signals(totals(rows, ())))
    assert "<summary>5 tests in 2 files</summary>" in page  # the browser test opens it


def test_the_graph_is_drawn_in_one_band_per_signal_whose_edges_name_their_row() -> None:
    report = synthetic_report()
    page = render_html(report)
    bands = re.findall(
        r'<g class="band" data-signal="([^"]+)" data-top="[\d.]+" data-height="[\d.]+">', page
    )
    assert len(bands) == len(set(bands)) >= len(report.signals)
    edges = re.findall(r'<path class="edge [^"]*" data-signal="[^"]*" data-row="([^"]+)"', page)
    assert len(edges) == len(report.receivers) + len(report.senders)
    leaves = set(
        re.findall(r'class="node leaf-node [^"]*" data-signal="[^"]*" data-row="([^"]+)"', page)
    )
    rows = set(re.findall(r'<tr id="((?:receiver|sender)-\d+)"', page))
    assert set(edges) == leaves == rows


def test_full_ids_are_on_hover_in_the_tables() -> None:
    page = render_html(_report())
    assert (
        'data-col="handler" class="mono" data-sort="billing.deep.pkg.receivers.saved" '
        'title="billing.deep.pkg.receivers.saved"' in page
    )
    assert 'title="django.db.models.signals.post_save"' in page
