"""Report destinations: a regular file is replaced atomically, a device or FIFO is written
through (never replaced), a symlink is followed; and text from source code is made safe for
the terminal and for Markdown."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest
from report_samples import receiver, totals, with_signals

from pytest_signaltrace.cli import main
from pytest_signaltrace.output import write_text
from pytest_signaltrace.report.markdown import render_markdown
from pytest_signaltrace.report.terminal import render_terminal
from pytest_signaltrace.report.text import code_span, printable


def test_a_fifo_is_written_through_and_stays_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text("utf-8")))
    reader.start()
    write_text(fifo, "the report\n")
    reader.join(timeout=10)
    assert received == ["the report\n"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


def test_a_character_device_is_written_through_and_never_replaced(tmp_path: Path) -> None:
    device = tmp_path / "null"
    try:  # a private null device (major 1, minor 3): the test never touches the system's
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot create a device node here: {exc}")
    write_text(device, "the report\n")
    assert stat.S_ISCHR(os.lstat(device).st_mode)
    assert os.lstat(device).st_rdev == os.makedev(1, 3)


def test_a_symlink_is_followed_and_stays_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "reports" / "signals.json"
    real.parent.mkdir()
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "signals.json"
    link.symlink_to(real)
    write_text(link, "new")
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in real.parent.iterdir()) == ["signals.json"]


def test_a_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "report.md"
    link.symlink_to(tmp_path / "out" / "report.md")
    write_text(link, "# report\n")
    assert link.is_symlink()
    assert (tmp_path / "out" / "report.md").read_text(encoding="utf-8") == "# report\n"


def test_a_folder_is_refused_with_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError):
        write_text(tmp_path, "text")


def test_replacing_a_file_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("{}", encoding="utf-8")
    target.chmod(0o640)
    write_text(target, "[]")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert target.read_text(encoding="utf-8") == "[]"


def test_dash_is_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    write_text("-", "to stdout\n")
    assert capsys.readouterr().out == "to stdout\n"


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("shop/a.py:3", "`shop/a.py:3`"),
        ("a`b.py:1", "`` a`b.py:1 ``"),
        ("odd``name.py:1", "``` odd``name.py:1 ```"),
        ("`", "`` ` ``"),
    ],
)
def test_a_code_span_fence_is_longer_than_any_backtick_run_inside(text: str, span: str) -> None:
    assert code_span(text) == span


def test_a_path_with_two_backticks_keeps_its_code_span_in_the_markdown_report() -> None:
    row = receiver("shop.signals.order_placed", "shop.receivers.on_x", "unexercised")
    row = type(row)(**{**row.__dict__, "path": "odd``name.py", "line": 3})
    report = with_signals(totals((row,), ()))
    markdown = render_markdown(report)
    assert "``` odd``name.py:3 ```" in markdown


def test_control_characters_are_shown_as_escapes() -> None:
    assert printable("ok\tand\nlines") == "ok\tand\nlines"
    assert printable("\x1b]0;pwned\x07\x1b[31mred\r") == "\\x1b]0;pwned\\x07\\x1b[31mred\\x0d"
    assert printable("\x9b2J \u202eevil") == "\\x9b2J \\u202eevil"


def test_the_terminal_report_of_a_handler_named_with_esc_is_escaped_by_the_plugin() -> None:
    row = receiver("shop.signals.order_placed", "shop.receivers.\x1b[2Jwipe", "unexercised")
    lines = render_terminal(with_signals(totals((row,), ())), show_missing=True)
    assert any("\x1b" in line for line in lines)  # the renderer keeps the text as it is ...
    assert not any("\x1b" in printable(line) for line in lines)  # ... what is printed is safe


def test_signaltrace_scan_never_prints_raw_escape_bytes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "shop" / "receivers.py").write_text(
        "from django.dispatch import receiver\n"
        "from django.db.models.signals import post_save\n"
        "\n"
        "\n"
        "@receiver(post_save)  # \x1b]0;owned\x07\x1b[2J clears the screen\n"
        "def on_save(sender, **kwargs):\n"
        "    pass\n",
        encoding="utf-8",
    )
    assert main(["scan", str(tmp_path), "--no-cache"]) == 0
    out = capsys.readouterr().out
    assert "shop.receivers.on_save" in out
    assert "\x1b" not in out
    assert "\x07" not in out
    assert "\\x1b]0;owned\\x07" in out
