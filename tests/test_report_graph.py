"""The signal graph's layout: pure positions and edges, checked without a browser."""

from __future__ import annotations

import itertools

import pytest
from report_samples import (
    XSS_HANDLER,
    receiver,
    sender,
    synthetic_report,
    totals,
    with_signals,
    xss_report,
)

from pytest_signaltrace.model import Report
from pytest_signaltrace.report.graph import (
    CHAR_WIDTH,
    PAD_X,
    RECEIVERS,
    ROW_HEIGHT,
    SENDERS,
    SIGNALS,
    UNRESOLVED,
    GraphLayout,
    Node,
    cut_path,
    layout_graph,
    short_handler,
    short_signal,
    truncate,
    unique_tails,
)


@pytest.fixture(scope="module")
def big() -> Report:
    return synthetic_report()


@pytest.fixture(scope="module")
def big_layout(big: Report) -> GraphLayout:
    return layout_graph(big)


def test_the_synthetic_report_is_as_big_as_asked(big: Report) -> None:
    assert len(big.signals) == 30
    assert len(big.receivers) == 100


def test_the_layout_is_deterministic(big: Report, big_layout: GraphLayout) -> None:
    assert layout_graph(big) == big_layout
    assert layout_graph(synthetic_report()) == big_layout


def test_the_layout_does_not_depend_on_the_order_of_the_rows(big: Report) -> None:
    shuffled = Report(
        signals=tuple(reversed(big.signals)),
        receivers=big.receivers,
        senders=big.senders,
        receiver_totals=big.receiver_totals,
        sender_totals=big.sender_totals,
    )
    positions = {(n.signal, n.label, n.x, n.y) for n in layout_graph(shuffled).nodes}
    assert positions == {(n.signal, n.label, n.x, n.y) for n in layout_graph(big).nodes}


def test_columns_run_left_to_right_send_sites_signals_receivers(big_layout: GraphLayout) -> None:
    senders, signals, receivers = (big_layout.column(i) for i in (SENDERS, SIGNALS, RECEIVERS))
    assert senders
    assert signals
    assert receivers
    assert max(n.x + n.width for n in senders) < min(n.x for n in signals)
    assert max(n.x + n.width for n in signals) < min(n.x for n in receivers)
    assert [c.title for c in big_layout.columns] == ["Send sites", "Signals", "Receivers"]


def test_no_two_nodes_of_a_column_overlap(big_layout: GraphLayout) -> None:
    for index in (SENDERS, SIGNALS, RECEIVERS):
        column = big_layout.column(index)
        for upper, lower in itertools.pairwise(column):
            assert upper.y + upper.height <= lower.y, (upper.id, lower.id)


def test_every_node_lies_inside_the_picture(big_layout: GraphLayout) -> None:
    for node in big_layout.nodes:
        assert node.x >= 0
        assert node.x + node.width <= big_layout.width
        assert node.y >= 0
        assert node.y + node.height <= big_layout.height


def test_there_is_one_node_per_signal(big: Report, big_layout: GraphLayout) -> None:
    signal_nodes = [n for n in big_layout.column(SIGNALS) if n.real]
    assert sorted(n.signal for n in signal_nodes) == sorted(s.signal for s in big.signals)


def test_there_is_one_node_and_one_edge_per_send_site_and_receiver(
    big: Report, big_layout: GraphLayout
) -> None:
    assert len(big_layout.column(SENDERS)) == len(big.senders)
    assert len(big_layout.column(RECEIVERS)) == len(big.receivers)
    assert len(big_layout.edges) == len(big.senders) + len(big.receivers)
    nodes = {n.id: n for n in big_layout.nodes}
    for edge in big_layout.edges:
        source, target = nodes[edge.source], nodes[edge.target]
        assert source.signal == target.signal == edge.signal
        assert target.column == source.column + 1


def test_edges_never_cross(big_layout: GraphLayout) -> None:
    # Two S-curves between the same two columns cross exactly when their ends swap order.
    for gap in (SENDERS, SIGNALS):
        nodes = {n.id: n for n in big_layout.nodes}
        edges = [e for e in big_layout.edges if nodes[e.source].column == gap]
        for a, b in itertools.combinations(edges, 2):
            assert (a.y1 - b.y1) * (a.y2 - b.y2) >= 0, (a, b)


def test_a_signal_with_many_receivers_gets_more_room_than_one_with_a_few() -> None:
    many = [receiver("app.signals.busy", f"app.receivers.r{i}", line=i) for i in range(12)]
    layout = layout_graph(
        with_signals(totals((*many, receiver("app.signals.quiet", "app.receivers.q")), ()))
    )
    busy_rows = [n for n in layout.column(RECEIVERS) if n.signal == "app.signals.busy"]
    quiet = next(n for n in layout.column(SIGNALS) if n.signal == "app.signals.quiet")
    busy = next(n for n in layout.column(SIGNALS) if n.signal == "app.signals.busy")
    span = busy_rows[-1].y + busy_rows[-1].height - busy_rows[0].y
    assert span >= 12 * ROW_HEIGHT > 4 * quiet.height
    assert busy.height > quiet.height
    assert busy_rows[0].y < busy.center_y < busy_rows[-1].y + busy_rows[-1].height


def test_long_labels_are_cut_to_fit_and_the_full_text_is_the_title() -> None:
    handler = "app.receivers." + "very_long_handler_name_" * 5 + "end"
    layout = layout_graph(with_signals(totals((receiver("app.signals.s", handler),), ())))
    (node,) = layout.column(RECEIVERS)
    assert node.label.startswith("\u2026")
    assert node.label.endswith("_end")
    assert len(node.label) * CHAR_WIDTH <= node.width - 2 * PAD_X
    assert handler in node.title


def test_rows_without_a_signal_meet_in_a_pseudo_signal_node() -> None:
    report = with_signals(
        totals(
            (receiver(None, "app.receivers.lost"),),
            (sender(None, "app/views.py", 3), sender("app.signals.s", "app/views.py", 9)),
        )
    )
    layout = layout_graph(report)
    pseudo = [n for n in layout.column(SIGNALS) if not n.real]
    assert [n.signal for n in pseudo] == [UNRESOLVED]
    assert [n.signal for n in layout.column(SIGNALS) if n.real] == ["app.signals.s"]
    assert {n.signal for n in layout.column(RECEIVERS)} == {UNRESOLVED}


def test_nodes_carry_the_status_of_their_row() -> None:
    layout = layout_graph(xss_report())
    statuses = {n.label: n.status for n in layout.column(RECEIVERS)}
    assert statuses == {
        "notify_customer": "exercised",
        XSS_HANDLER.removeprefix("shop.receivers."): "exercised",
        "log_shipping": "unexercised",
        "notify_refund": "dead",
        "spy": "test-only",
        "legacy": "excluded",
    }
    assert sorted(n.status for n in layout.column(SENDERS)) == ["never-ran", "never-ran", "ran"]


def test_an_empty_report_gives_an_empty_picture() -> None:
    layout = layout_graph(totals((), ()))
    assert layout.nodes == ()
    assert layout.edges == ()
    assert layout.width > 0
    assert layout.height > 0


@pytest.mark.parametrize(
    ("text", "width", "expected"),
    [
        ("short", 10, "short"),
        ("abcdefghij", 5, "\u2026ghij"),
        ("abc", 1, "\u2026"),
    ],
)
def test_truncate_keeps_the_end(text: str, width: int, expected: str) -> None:
    assert truncate(text, width) == expected


def test_each_path_keeps_the_last_parts_that_tell_it_apart() -> None:
    paths = [
        "src/shop/views.py",
        "src/blog/views.py",
        "src/shop/models.py",
        "views.py",
        "a/b/views.py",
        "x/b/views.py",
    ]
    assert unique_tails(paths) == {
        "src/shop/views.py": 2,
        "src/blog/views.py": 2,
        "src/shop/models.py": 1,
        "views.py": 1,  # it ends every other views.py: all of it
        "a/b/views.py": 3,
        "x/b/views.py": 3,
    }


@pytest.mark.parametrize(
    ("path", "width", "keep", "expected"),
    [
        ("app/views.py", 30, 1, "app/views.py:3 send"),
        ("app/services/deep/orders.py", 34, 1, "app/services/deep/orders.py:3 send"),
        ("app/services/deep/orders.py", 33, 1, "\u2026/services/deep/orders.py:3 send"),
        ("app/services/deep/orders.py", 30, 1, "\u2026/deep/orders.py:3 send"),
        ("app/services/deep/orders.py", 19, 1, "\u2026/orders.py:3 send"),
        ("app/services/deep/orders.py", 30, 3, "\u2026ervices/deep/orders.py:3 send"),
        # never fewer parts than tell it apart: when those do not fit, characters go
        ("app/services/deep/orders.py", 20, 2, "\u2026ep/orders.py:3 send"),
        ("application_services/orders.py", 12, 1, "\u2026s.py:3 send"),
    ],
)
def test_a_path_label_is_cut_from_the_left_only_as_far_as_it_must(
    path: str, width: int, keep: int, expected: str
) -> None:
    assert cut_path(path, ":3 send", width, keep) == expected
    assert len(expected) <= width


def test_send_sites_in_files_of_one_name_keep_labels_that_tell_them_apart() -> None:
    # Issue 19 item 10: both were `src/…/views.py:55 send`.
    deep = "src/marketplace/apps/{}/dashboard/views.py"
    senders = (
        sender("app.signals.s", deep.format("catalogue"), 55),
        sender("app.signals.s", deep.format("checkout"), 55),
        sender("app.signals.s", "src/marketplace/apps/checkout/models.py", 9),
    )
    layout = layout_graph(with_signals(totals((), senders)))
    nodes = layout.column(SENDERS)
    labels = sorted(node.label for node in nodes)
    assert labels == [
        "\u2026/apps/checkout/models.py:9 send",  # the most that fits
        "\u2026atalogue/dashboard/views.py:55 send",  # 3 parts needed; 36 characters fit
        "\u2026checkout/dashboard/views.py:55 send",
    ]
    assert all(len(label) * CHAR_WIDTH <= nodes[0].width - 2 * PAD_X for label in labels)
    for node in nodes:  # the full path on hover
        assert node.title.startswith(senders[node.row].path + ":")


@pytest.mark.parametrize(
    ("signal", "short"),
    [
        ("django.db.models.signals.post_save", "post_save"),
        ("shop.signals.PaymentEvents.captured", "PaymentEvents.captured"),
        ("shop.events.order_placed", "order_placed"),
        ("standalone", "standalone"),
    ],
)
def test_short_signal(signal: str, short: str) -> None:
    assert short_signal(signal) == short


def test_short_handler_drops_the_module_of_its_file() -> None:
    row = receiver("s", "notifications.receivers.Mailer.on_placed", path="notifications/apps.py")
    assert short_handler(row) == "notifications.receivers.Mailer.on_placed"
    moved = receiver(
        "s", "notifications.receivers.Mailer.on_placed", def_path="notifications/receivers.py"
    )
    assert short_handler(moved) == "Mailer.on_placed"
    package = receiver("s", "shop.on_save", path="shop/__init__.py")
    assert short_handler(package) == "on_save"


def test_node_center() -> None:
    node = Node("n", 0, 0.0, 10.0, 5.0, 20.0, "l", "t", "ran", "s")
    assert node.center_y == 20.0
