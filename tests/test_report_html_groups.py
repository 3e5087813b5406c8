"""The HTML report's structure at scale, without a browser: groups by folder, collapsed past a
size, tests by file, the graph in bands whose boxes and edges name their rows."""

from __future__ import annotations

import re

from report_samples import receiver, sender, synthetic_report, totals, with_signals

from pytest_signaltrace.model import Report
from pytest_signaltrace.report.html import (
    OPEN_GROUPS_UP_TO,
    folder,
    group_tests_by_file,
    render_html,
)


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
        r'<table class="data" data-table="receivers">\s*<colgroup>(.*?)</colgroup>', page, re.S
    )
    assert len(tables) == len(_groups(page, "receivers"))
    assert len(set(tables)) == 1


def test_tests_are_grouped_by_file_and_a_unittest_id_by_its_class() -> None:
    assert group_tests_by_file(
        [
            "tests/test_b.py::test_x[2]",
            "tests/test_a.py::TestA::test_y",
            "tests/test_b.py::test_x[1]",
            "shop.tests.LoginTests.test_login",
        ]
    ) == [
        ("shop.tests.LoginTests", [("test_login", "shop.tests.LoginTests.test_login")]),
        ("tests/test_a.py", [("TestA::test_y", "tests/test_a.py::TestA::test_y")]),
        (
            "tests/test_b.py",
            [
                ("test_x[1]", "tests/test_b.py::test_x[1]"),
                ("test_x[2]", "tests/test_b.py::test_x[2]"),
            ],
        ),
    ]


def test_a_file_with_many_tests_folds_and_one_with_few_does_not() -> None:
    many = tuple(f"tests/test_many.py::test_{i}" for i in range(4))
    rows = (
        receiver("shop.signals.a", "shop.receivers.on_a", tests=(*many, "tests/test_one.py::t")),
    )
    page = render_html(with_signals(totals(rows, ())))
    assert "<summary>5 tests in 2 files</summary>" in page
    assert (
        '<details class="test-file"><summary title="tests/test_many.py">tests/test_many.py (4)'
        in page
    )
    assert '<div class="test-file" title="tests/test_one.py">tests/test_one.py</div>' in page


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
