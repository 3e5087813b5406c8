"""Inputs that used to break the scan (issue 8): each is skipped with a reason or scanned right."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_signaltrace.scan import scan

if TYPE_CHECKING:
    from conftest import ScanTree, WriteTree

SIGNALS = "from django.dispatch import Signal\n\norder_placed = Signal()\n"
SEND = "from shop.signals import order_placed\n\norder_placed.send(sender=None)\n"
BASE: dict[str, str | bytes] = {"shop/__init__.py": "", "shop/signals.py": SIGNALS}


def _sends(smap: object) -> list[tuple[str, int, str]]:
    return [(s.path, s.line, s.code) for s in smap.senders]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("name", "expression"),
    [
        ("a 3,000-term sum", "1" + "+1" * 3000),
        ("100,000 unary minus", "-" * 100_000 + "1"),
        ("a 1,000-long attribute chain", "a" + ".b" * 1000),
        ("brackets 1,000 deep", "(" * 1000 + "1" + ")" * 1000),
    ],
)
def test_a_deeply_nested_statement_skips_its_file_with_a_reason(
    scan_tree: ScanTree, name: str, expression: str
) -> None:
    smap = scan_tree(
        BASE
        | {
            "shop/deep.py": f"from shop.signals import order_placed\n\n"
            f"order_placed.send(sender=None, x={expression})\n",
            "shop/fine.py": SEND,
        }
    )
    assert [(s.path, s.reason.split(":")[0]) for s in smap.files_skipped] == [
        ("shop/deep.py", "too deeply nested")
    ], name
    assert _sends(smap) == [("shop/fine.py", 3, "order_placed.send(sender=None)")]


def test_a_deep_expression_the_scan_does_not_need_costs_nothing(scan_tree: ScanTree) -> None:
    # The cut leaves out statements without signal text: the rest of the file is scanned.
    smap = scan_tree(BASE | {"shop/deep.py": "x = [" + "-" * 100_000 + "1]\n" + SEND})
    assert smap.files_skipped == ()
    assert _sends(smap) == [("shop/deep.py", 4, "order_placed.send(sender=None)")]


def test_a_file_name_that_is_not_utf8_is_scanned_and_reported(tmp_path: Path) -> None:
    root = tmp_path / "src"
    (root / "shop").mkdir(parents=True)
    for relpath, text in BASE.items():
        (root / relpath).write_text(str(text))
    name = os.fsdecode(b"caf\xe9.py")
    (root / "shop" / name).write_text(SEND)
    smap = scan(root, cache_dir=tmp_path / "cache")
    assert _sends(smap) == [(f"shop/{name}", 3, "order_placed.send(sender=None)")]
    # Cached under that name too: the second scan reads what the first wrote.
    assert scan(root, cache_dir=tmp_path / "cache") == smap
    for fmt in ("json", "markdown"):
        output = tmp_path / os.fsdecode(f"out\xe9.{fmt}".encode("latin-1"))
        command = [sys.executable, "-m", "pytest_signaltrace", "scan", str(root)]
        command += ["--format", fmt, "--output", str(output)]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
        assert "caf" in output.read_text(encoding="utf-8", errors="replace")
    report = json.loads((tmp_path / os.fsdecode(b"out\xe9.json")).read_text(encoding="utf-8"))
    assert [s["path"] for s in report["senders"]] == [f"shop/{name}"]


def test_a_latin1_byte_on_line_1_with_the_cookie_on_line_2(scan_tree: ScanTree) -> None:
    source = b"# caf\xe9\n# -*- coding: latin-1 -*-\n" + SEND.encode()
    smap = scan_tree(BASE | {"shop/latin.py": source})
    assert smap.files_skipped == ()
    assert _sends(smap) == [("shop/latin.py", 5, "order_placed.send(sender=None)")]


@pytest.mark.parametrize(
    "character", ["\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029", "\x0b"]
)
def test_unusual_line_breaking_characters_do_not_shift_lines(
    scan_tree: ScanTree, character: str
) -> None:
    # ``str.splitlines`` breaks lines at these; Python's parser does not.
    source = (
        f"from shop.signals import order_placed\n"
        f"note = 'a{character}b'  # c{character}d\n"
        f"\n"
        f"order_placed.send(sender=None)  # x{character}y\n"
        f"order_placed.connect(handler)\n"
    )
    smap = scan_tree(BASE | {"shop/odd.py": source.encode()})
    assert smap.files_skipped == ()
    assert [(s.line, s.code.split("#")[0].strip()) for s in smap.senders] == [
        (4, "order_placed.send(sender=None)")
    ]
    assert [(r.line, r.code) for r in smap.receivers] == [(5, "order_placed.connect(handler)")]


def test_a_form_feed_at_the_start_of_a_line_is_indentation(scan_tree: ScanTree) -> None:
    source = SEND + "\f\ndef f():\n\f    order_placed.send(sender=f)\n"
    smap = scan_tree(BASE | {"shop/ff.py": source})
    assert [(s.line, s.code) for s in smap.senders] == [
        (3, "order_placed.send(sender=None)"),
        (6, "order_placed.send(sender=f)"),
    ]


def test_a_folder_symlink_walked_before_its_target_does_not_hide_it(tree: WriteTree) -> None:
    root = tree(BASE | {"zshop/__init__.py": "", "zshop/services.py": SEND})
    (root / "alink").symlink_to(root / "zshop", target_is_directory=True)
    smap = scan(root)
    assert _sends(smap) == [("zshop/services.py", 3, "order_placed.send(sender=None)")]
    assert [(s.path, s.reason) for s in smap.files_skipped] == [
        ("alink", "symlink loop: this folder was already scanned")
    ]
