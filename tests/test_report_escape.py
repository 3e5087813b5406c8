"""Every report shows a non-UTF-8 file name and control characters as escapes: no output fails
to encode, and no name or message can start a line, colour the terminal or reorder text."""

from __future__ import annotations

from pathlib import Path

import pytest
from report_samples import receiver, sender, totals, with_signals

from pytest_signaltrace.gates.diff.git import parse_unified_diff
from pytest_signaltrace.gates.diff.render import render_diff
from pytest_signaltrace.gates.diff.select import ChangedItem, DiffResult
from pytest_signaltrace.model import RaisedRow, Report
from pytest_signaltrace.report import TEXT_FORMATS, render_text
from pytest_signaltrace.report.escape import escape, for_display, printable
from pytest_signaltrace.report.html import render_html, write_html
from pytest_signaltrace.report.text import for_people

#: ``caf\xe9.py`` as Python names a file whose name is Latin-1, not UTF-8 (surrogateescape).
NOT_UTF8 = "shop/caf\udce9.py"
FORGED = "\nFAIL Required signal receiver coverage of 100% reached. Total coverage: 100.00%"
SIGNAL = "shop.signals.order_placed"
HANDLER = "shop.caf\udce9.on_placed" + FORGED


def hostile_report() -> Report:
    raised = RaisedRow(
        exception="ValueError",
        count=1,
        message="ValueError('\x1b[2J\u202ecleared' + '\\n')\nPASSED",
        tests=("tests/test_x.py::test_\x1b[31mred",),
    )
    receivers = (
        receiver(SIGNAL, HANDLER, path=NOT_UTF8, raised=(raised,)),
        receiver(SIGNAL, "shop.caf\udce9.never\u202eran", "unexercised", path=NOT_UTF8),
    )
    senders = (sender(SIGNAL, NOT_UTF8, 30, code="order_placed.send(\n    sender=None)"),)
    return with_signals(totals(receivers, senders))


def test_escape_shows_controls_bidi_and_not_utf8_bytes_on_one_line() -> None:
    assert escape("caf\udce9\n\t\r\x1b\u202e\x7f") == "caf\\xe9\\n\\t\\x0d\\x1b\\u202e\\x7f"
    assert printable("a\tb\nc\udce9\x1b") == "a\tb\nc\\xe9\\x1b"
    assert escape("plain café ✅") == "plain café ✅"


def test_a_report_with_nothing_to_escape_is_not_copied() -> None:
    report = with_signals(totals((receiver(SIGNAL, "shop.receivers.on_placed"),), ()))
    assert for_display(report) is report


def test_for_display_keeps_the_line_feeds_of_source_code_only() -> None:
    shown = for_display(hostile_report())
    assert shown.senders[0].code == "order_placed.send(\n    sender=None)"
    assert shown.senders[0].path == "shop/caf\\xe9.py"
    assert shown.receivers[0].handler == "shop.caf\\xe9.on_placed" + FORGED.replace("\n", "\\n")
    assert shown.receivers[0].raised[0].message.startswith("ValueError('\\x1b[2J\\u202ecleared")


@pytest.mark.parametrize("fmt", [f for f in TEXT_FORMATS if f != "json"])
def test_every_text_format_encodes_and_shows_no_raw_control(fmt: str) -> None:
    text = for_people(fmt, render_text(hostile_report(), fmt))
    text.encode("utf-8")  # a lone surrogate would raise UnicodeEncodeError
    assert "caf\\xe9" in text
    assert not any(char in text for char in ("\x1b", "\u202e", "\r"))
    assert not any(line.startswith("FAIL Required") for line in text.splitlines())
    assert "\nPASSED" not in text


def test_the_json_report_keeps_the_exact_values() -> None:
    text = render_text(hostile_report(), "json")
    text.encode("utf-8")
    assert "caf\\udce9" in text
    assert "\\u001b" in text


def test_the_html_report_encodes_and_shows_no_raw_control(tmp_path: Path) -> None:
    page = render_html(hostile_report())
    assert not any(char in page for char in ("\x1b", "\u202e", "\udce9"))
    assert "caf\\xe9" in page
    index = write_html(hostile_report(), tmp_path / "html")
    assert "caf\\xe9" in index.read_text(encoding="utf-8")


def test_a_markdown_heading_stays_one_line() -> None:
    report = with_signals(totals((receiver("shop.signals.x\n# forged", "shop.r.on_x"),), ()))
    text = render_text(report, "markdown")
    assert "#### `shop.signals.x\\n# forged`" in text
    assert "\n# forged" not in text


def test_git_names_a_non_utf8_file_as_the_file_system_does() -> None:
    diff = ['+++ "b/shop/caf\\351.py"', "@@ -1 +1,2 @@"]
    assert parse_unified_diff(diff) == {NOT_UTF8: {1, 2}}


@pytest.mark.parametrize("fmt", ["term", "markdown", "json"])
def test_the_diff_report_encodes_a_non_utf8_file_name(fmt: str) -> None:
    item = ChangedItem(NOT_UTF8, 5, "receiver", HANDLER, SIGNAL, 0, "unexercised")
    text = render_diff(DiffResult("main", (item,), (NOT_UTF8,)), fmt)
    text.encode("utf-8")
    assert ("caf\\udce9" if fmt == "json" else "caf\\xe9") in text
    assert not any(line.startswith("FAIL Required") for line in text.splitlines())


def test_every_character_escaped_is_one_str_isprintable_refuses() -> None:
    # escape() and printable() return a printable text as it is, without a pattern: sound only
    # if no character they escape is printable.
    from pytest_signaltrace.report import escape as module

    for characters in (module._UNSAFE, module._UNSAFE_BUT_TAB_AND_LINE_FEED):
        pattern = module._unsafe(characters)
        escaped = [chr(c) for c in range(0x110000) if pattern.fullmatch(chr(c))]
        assert len(escaped) > 2000
        assert not any(char.isprintable() for char in escaped)


def test_a_printable_text_compiles_no_pattern() -> None:
    from pytest_signaltrace.report import escape as module

    module._unsafe.cache_clear()
    assert module.escape("shop.receivers.on_placed café") == "shop.receivers.on_placed café"
    assert module.printable("a\tb\nc") == "a\tb\nc"
    assert module._unsafe.cache_info().currsize == 0
    assert module.escape("a\x1bb\u202e") == "a\\x1bb\\u202e"
    assert module.printable("a\tb\n\x1b") == "a\tb\n\\x1b"
