"""Unit tests for the static map's Markdown report (``report/scan_markdown.py``)."""

from __future__ import annotations

import dataclasses
import re

import pytest

from pytest_signaltrace.model import (
    Definition,
    Receiver,
    Sender,
    SignalCategory,
    SignalInfo,
    SignalStatus,
    SkippedFile,
    StaticMap,
    UnresolvedConnect,
)
from pytest_signaltrace.report.scan_markdown import _code, render_scan_markdown

PLACED = "shop.signals.order_placed"
CANCELLED = "shop.signals.order_cancelled"
POST_SAVE = "django.db.models.signals.post_save"

RECEIVER_HEADER = "| File | Line | Handler | Sender | Code |"
SENDER_HEADER = "| File | Line | Method | Sender | Code |"

PLACED_RECEIVER = Receiver(
    path="shop/receivers.py",
    line=10,
    signal=PLACED,
    handler="shop.receivers.Mailer.on_placed",
    kind="connect",
    code="order_placed.connect(mailer.on_placed)",
)
TEST_RECEIVER = Receiver(
    path="tests/test_orders.py",
    line=5,
    signal=PLACED,
    handler="tests.test_orders.spy",
    kind="decorator",
    test_only=True,
    code="@receiver(order_placed)",
)
DEAD_RECEIVER = Receiver(
    path="shop/receivers.py",
    line=20,
    signal=CANCELLED,
    handler="shop.receivers.on_cancelled",
    kind="decorator",
    code="@receiver(order_cancelled)",
)
POST_SAVE_RECEIVER = Receiver(
    path="shop/receivers.py",
    line=30,
    signal=POST_SAVE,
    handler="shop.apps.ShopConfig.ready.<locals>.<lambda>",
    kind="connect",
    sender="a | b",
    code="post_save.connect(lambda **kw: None, sender=a | b)  # see `Order`",
)
PLACED_SENDER = Sender(
    path="shop/views.py",
    line=20,
    end_line=22,
    signal=PLACED,
    method="send_robust",
    sender="Order",
    code="order_placed.send_robust(",
)
TEST_SENDER = Sender(
    path="tests/test_orders.py",
    line=12,
    end_line=12,
    signal=PLACED,
    method="send",
    test_only=True,
    code="order_placed.send(sender=None)",
)
UNRESOLVED_SENDER = Sender(
    path="shop/tasks.py",
    line=7,
    end_line=7,
    signal=None,
    method="send",
    expression="get_signal()",
    code="get_signal().send(sender=None)",
)

PLACED_INFO = SignalInfo(
    signal=PLACED,
    framework="django",
    category=SignalCategory.CUSTOM,
    status=SignalStatus.OK,
    definition_path="shop/signals.py",
    definition_line=3,
    receivers=2,
    senders=2,
    test_receivers=1,
    test_senders=1,
)
CANCELLED_INFO = SignalInfo(
    signal=CANCELLED,
    framework="django",
    category=SignalCategory.CUSTOM,
    status=SignalStatus.NEVER_SENT,
    definition_path="shop/signals.py",
    definition_line=4,
    receivers=1,
)
POST_SAVE_INFO = SignalInfo(
    signal=POST_SAVE,
    framework="django",
    category=SignalCategory.BUILTIN,
    status=SignalStatus.NO_RECEIVERS,
    receivers=1,
)


def make_map(**changes: object) -> StaticMap:
    """A small map: two custom signals, post_save, a dead and a test-only receiver, and more."""
    static_map = StaticMap(
        root="/src/shop",
        files_scanned=12,
        files_parsed=11,
        files_skipped=(SkippedFile("shop/broken.py", "SyntaxError in <unknown> at *line* 3"),),
        definitions=(
            Definition(CANCELLED, "shop/signals.py", 4, "django"),
            Definition(PLACED, "shop/signals.py", 3, "django"),
        ),
        # Deliberately not sorted by (path, line): the renderer sorts within each signal.
        receivers=(TEST_RECEIVER, POST_SAVE_RECEIVER, DEAD_RECEIVER, PLACED_RECEIVER),
        senders=(TEST_SENDER, UNRESOLVED_SENDER, PLACED_SENDER),
        # PLACED twice: it must still get one section.
        signals=(PLACED_INFO, CANCELLED_INFO, POST_SAVE_INFO, PLACED_INFO),
        dead_receivers=frozenset({(DEAD_RECEIVER.path, DEAD_RECEIVER.line, CANCELLED)}),
    )
    return dataclasses.replace(static_map, **changes)  # type: ignore[arg-type]


@pytest.fixture
def markdown() -> str:
    return render_scan_markdown(make_map())


def section(markdown: str, heading: str) -> str:
    """The text from ``heading`` up to the next heading of the same or a higher level."""
    level = heading.split(" ", 1)[0]
    start = markdown.index(heading + "\n")
    ends = [
        m.start()
        for m in re.finditer(rf"^#{{1,{len(level)}}} ", markdown, re.MULTILINE)
        if m.start() > start
    ]
    return markdown[start : ends[0] if ends else len(markdown)]


def split_row(line: str) -> list[str]:
    """Split a table row the way GFM does: on every ``|`` not preceded by a backslash."""
    assert line.startswith("| ")
    assert line.endswith(" |")
    return re.split(r"(?<!\\)\|", line)[1:-1]


def test_it_starts_with_the_title_and_the_scan_line(markdown: str) -> None:
    assert markdown.splitlines()[:3] == [
        "# Signal Usage Analysis",
        "",
        "Root `/src/shop`: 12 files scanned, 11 parsed, 1 skipped.",
    ]


def test_it_ends_with_exactly_one_newline(markdown: str) -> None:
    assert markdown.endswith("|\n")
    assert not markdown.endswith("\n\n")


def test_the_summary_counts_everything(markdown: str) -> None:
    summary = section(markdown, "## Summary")
    assert "| Item | Count |\n| --- | --- |\n" in summary
    for row in [
        "| Signals | 3 (2 custom, 1 builtin, 0 external) |",
        "| Definitions | 2 |",
        "| Receivers | 4 (1 test-only) |",
        "| Send sites | 3 (1 test-only) |",
        "| Disconnects | 0 |",
        "| Dead receivers | 1 |",
        "| Unused signals | 0 |",
        "| Signals never sent | 1 |",
        "| Signals with no receivers | 1 |",
    ]:
        assert row + "\n" in summary


def test_it_gives_each_signal_one_section_in_id_order(markdown: str) -> None:
    headings = [line for line in markdown.splitlines() if line.startswith("### ")]
    assert headings == [
        f"### `{POST_SAVE}`",
        f"### `{CANCELLED}`",
        f"### `{PLACED}`",
        "### Unresolved signal",
    ]


def test_each_signal_section_lists_its_facts(markdown: str) -> None:
    placed = section(markdown, f"### `{PLACED}`")
    assert (
        "- Framework: django\n- Category: custom\n- Status: ok\n"
        "- Definition: `shop/signals.py:3`\n" in placed
    )
    post_save = section(markdown, f"### `{POST_SAVE}`")
    assert "- Category: builtin\n- Status: no receivers\n" in post_save
    assert "- Definition: outside the scanned source\n" in post_save


def test_receivers_and_senders_are_tables_sorted_by_path_and_line(markdown: str) -> None:
    placed = section(markdown, f"### `{PLACED}`")
    assert (
        f"**Receivers**\n\n{RECEIVER_HEADER}\n| --- | --- | --- | --- | --- |\n"
        "| `shop/receivers.py` | 10 | `shop.receivers.Mailer.on_placed` |  "
        "| `order_placed.connect(mailer.on_placed)` |\n"
        "| `tests/test_orders.py` | 5 | `tests.test_orders.spy` (test) |  "
        "| `@receiver(order_placed)` |\n" in placed
    )
    assert (
        f"**Send sites**\n\n{SENDER_HEADER}\n| --- | --- | --- | --- | --- |\n"
        "| `shop/views.py` | 20-22 | `send_robust` | `Order` | `order_placed.send_robust(` |\n"
        "| `tests/test_orders.py` | 12 | `send` (test) |  | `order_placed.send(sender=None)` |\n"
        in placed
    )


def test_it_marks_dead_receivers_and_lists_them(markdown: str) -> None:
    cancelled = section(markdown, f"### `{CANCELLED}`")
    assert "| `shop/receivers.py` | 20 | `shop.receivers.on_cancelled` (dead) |" in cancelled
    assert "_No send sites._" in cancelled
    assert section(markdown, "## Dead receivers") == (
        "## Dead receivers\n\n"
        "| Handler | Signal | Location |\n| --- | --- | --- |\n"
        f"| `shop.receivers.on_cancelled` | `{CANCELLED}` | `shop/receivers.py:20` |\n\n"
    )


def test_a_dead_test_only_receiver_gets_both_markers() -> None:
    dead_test = dataclasses.replace(DEAD_RECEIVER, test_only=True)
    text = render_scan_markdown(make_map(receivers=(dead_test,)))
    assert "`shop.receivers.on_cancelled` (test, dead)" in text


def test_it_lists_signals_never_sent_and_omits_empty_lists(markdown: str) -> None:
    assert section(markdown, "## Signals never sent") == (
        f"## Signals never sent\n\n- `{CANCELLED}` (`shop/signals.py:4`)\n\n"
    )
    assert "## Unused signals" not in markdown


def test_it_escapes_pipes_and_fences_backticks(markdown: str) -> None:
    post_save = section(markdown, f"### `{POST_SAVE}`")
    assert (
        "| `shop/receivers.py` | 30 | `shop.apps.ShopConfig.ready.<locals>.<lambda>` "
        "| `a \\| b` "
        "| `` post_save.connect(lambda **kw: None, sender=a \\| b)  # see `Order` `` |\n"
        in post_save
    )
    assert "_No send sites._" in post_save


def test_every_table_row_has_as_many_cells_as_its_header(markdown: str) -> None:
    width = 0
    for line in markdown.splitlines():
        if not line.startswith("|"):
            width = 0
            continue
        cells = split_row(line)
        width = width or len(cells)
        assert len(cells) == width, line


def test_the_unresolved_section_shows_the_expression(markdown: str) -> None:
    unresolved = section(markdown, "### Unresolved signal")
    assert "**Receivers**\n\n_No receivers._\n" in unresolved
    assert (
        "| File | Line | Method | Expression | Sender | Code |\n"
        "| --- | --- | --- | --- | --- | --- |\n"
        "| `shop/tasks.py` | 7 | `send` | `get_signal()` |  | `get_signal().send(sender=None)` |\n"
        in unresolved
    )


def test_it_has_no_unresolved_section_when_everything_resolved() -> None:
    text = render_scan_markdown(make_map(senders=(PLACED_SENDER,)))
    assert "### Unresolved signal" not in text
    assert "## Unresolved connect calls" not in text
    assert "| Unresolved connect calls | 0 |" in text


def test_unresolved_connect_calls_are_a_section_of_their_own() -> None:
    connect = UnresolvedConnect(
        path="shop/registry.py",
        line=4,
        handler="shop.registry.on_any",
        expression="signal",
        code="signal.connect(on_any)",
    )
    text = render_scan_markdown(make_map(unresolved_connects=(connect,)))
    assert "| Unresolved connect calls | 1 |" in text
    assert (
        "| File | Line | Handler | Expression | Code |\n| --- | --- | --- | --- | --- |\n"
        "| `shop/registry.py` | 4 | `shop.registry.on_any` | `signal` "
        "| `signal.connect(on_any)` |\n"
    ) in section(text, "## Unresolved connect calls")


def test_skipped_files_are_a_table_with_escaped_reasons(markdown: str) -> None:
    assert section(markdown, "## Skipped files") == (
        "## Skipped files\n\n| File | Reason |\n| --- | --- |\n"
        "| `shop/broken.py` | SyntaxError in \\<unknown\\> at \\*line\\* 3 |\n"
    )


def test_optional_sections_are_left_out_of_a_clean_map() -> None:
    text = render_scan_markdown(
        make_map(files_skipped=(), dead_receivers=frozenset(), signals=(PLACED_INFO,))
    )
    for heading in ["## Dead receivers", "## Unused signals", "## Signals never sent"]:
        assert heading not in text
    assert "## Skipped files" not in text


def test_an_empty_map_still_renders() -> None:
    text = render_scan_markdown(StaticMap(root="/empty", files_scanned=0, files_parsed=0))
    assert "| Signals | 0 (0 custom, 0 builtin, 0 external) |\n" in text
    assert text.endswith("## Signals\n\n_No signals found._\n")


def test_a_signal_without_info_still_gets_a_section() -> None:
    orphan = dataclasses.replace(PLACED_SENDER, signal="other.signals.ping")
    text = render_scan_markdown(make_map(senders=(orphan,)))
    ping = section(text, "### `other.signals.ping`")
    assert "- Category: unknown\n" in ping
    assert "| Signals | 4 (2 custom, 1 builtin, 0 external, 1 unknown) |" in text


def test_the_output_does_not_depend_on_input_order() -> None:
    static_map = make_map()
    shuffled = dataclasses.replace(
        static_map,
        receivers=static_map.receivers[::-1],
        senders=static_map.senders[::-1],
        signals=static_map.signals[::-1],
    )
    assert render_scan_markdown(shuffled) == render_scan_markdown(static_map)


def test_newlines_in_cells_become_spaces() -> None:
    multiline = dataclasses.replace(PLACED_SENDER, code="order_placed.send(\n    sender=Order\r\n)")
    text = render_scan_markdown(make_map(senders=(multiline,)))
    assert "| `order_placed.send(     sender=Order )` |\n" in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain", "`plain`"),
        ("a`b", "`` a`b ``"),
        ("`x`", "`` `x` ``"),
        ("a``b`", "``` a``b` ```"),
        (" padded ", "`  padded  `"),
        ("", ""),
        (None, ""),
    ],
)
def test_code_spans_survive_backticks(text: str | None, expected: str) -> None:
    assert _code(text) == expected
