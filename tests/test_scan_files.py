"""Finding and reading files: bad input is skipped with a reason, and the scan goes on."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_signaltrace.cli import main
from pytest_signaltrace.scan import files, scan

if TYPE_CHECKING:
    from conftest import ScanTree, WriteTree

GOOD = {
    "shop/__init__.py": "",
    "shop/signals.py": """
        from django.dispatch import Signal

        order_placed = Signal()
    """,
    "shop/views.py": """
        from shop.signals import order_placed

        order_placed.send(sender=None)
    """,
}


def assert_rest_of_scan_works(smap) -> None:  # type: ignore[no-untyped-def]
    assert {d.signal for d in smap.definitions} == {"shop.signals.order_placed"}
    assert {(s.signal, s.path) for s in smap.senders} == {
        ("shop.signals.order_placed", "shop/views.py")
    }


def skipped(smap) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {(s.path, s.reason) for s in smap.files_skipped}


def test_a_file_with_a_syntax_error_is_skipped_with_its_line(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        GOOD
        | {
            "shop/broken.py": """
                from shop.signals import order_placed

                order_placed.send(sender=None
            """,
        }
    )
    assert_rest_of_scan_works(smap)
    assert {path for path, _ in skipped(smap)} == {"shop/broken.py"}
    assert next(iter(skipped(smap)))[1].startswith("syntax error at line 3")


def test_a_file_that_is_not_utf8_is_skipped(scan_tree: ScanTree) -> None:
    smap = scan_tree(GOOD | {"shop/latin.py": b"name = '\xe9t\xe9'\norder_placed.send()\n"})
    assert_rest_of_scan_works(smap)
    assert skipped(smap) == {
        ("shop/latin.py", "not valid utf-8 (byte 8: invalid continuation byte)")
    }


def test_a_file_with_a_pep263_coding_cookie_is_read_in_its_encoding(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        GOOD
        | {
            "shop/legacy.py": (
                b"# -*- coding: latin-1 -*-\n"
                b"from django.dispatch import Signal\n"
                b"caf\xe9_opened = 'caf\xe9'\n"
                b"legacy_ready = Signal()  # d\xe9j\xe0 vu\n"
            ),
        }
    )
    assert skipped(smap) == set()
    assert {(d.signal, d.line) for d in smap.definitions} == {
        ("shop.signals.order_placed", 3),
        ("shop.legacy.legacy_ready", 4),
    }


def test_a_file_with_nul_bytes_is_skipped(scan_tree: ScanTree) -> None:
    smap = scan_tree(GOOD | {"shop/blob.py": b"x = 1\0\0order_placed.send(sender=None)\n"})
    assert_rest_of_scan_works(smap)
    assert skipped(smap) == {("shop/blob.py", "contains NUL bytes (binary file?)")}


def test_an_empty_module_is_scanned_not_skipped_like_an_empty_package_marker(
    scan_tree: ScanTree,
) -> None:
    # An app's empty models.py is normal: listing it as skipped buries the files that matter.
    smap = scan_tree(GOOD | {"shop/models.py": "", "shop/sub/__init__.py": ""})
    assert_rest_of_scan_works(smap)
    assert skipped(smap) == set()
    assert smap.files_scanned == len(GOOD) + 2


def test_signaltrace_scan_prints_nothing_about_an_empty_module(
    tree: WriteTree, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tree(GOOD | {"shop/models.py": ""})
    assert main(["scan", str(root), "--no-cache", "--output", str(root / "map.md")]) == 0
    assert capsys.readouterr().err == ""
    assert "0 skipped" in (root / "map.md").read_text()


def test_an_unreadable_file_is_skipped(
    scan_tree: ScanTree, monkeypatch: pytest.MonkeyPatch
) -> None:
    # chmod 000 does not stop root, so make the read itself fail.
    read_source = files.read_source

    def deny(path: str) -> tuple[os.stat_result, bytes]:
        if os.path.basename(path) == "secret.py":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return read_source(path)

    monkeypatch.setattr(files, "read_source", deny)
    smap = scan_tree(GOOD | {"shop/secret.py": "order_placed.send(sender=None)\n"})
    assert_rest_of_scan_works(smap)
    assert skipped(smap) == {("shop/secret.py", "unreadable (Permission denied)")}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_or_a_folder_named_like_a_module_is_skipped_without_blocking(
    tree: WriteTree,
) -> None:
    root = tree(GOOD)
    os.mkfifo(root / "shop" / "pipe.py")
    (root / "shop" / "folder.py").mkdir()
    smap = scan(root)
    assert_rest_of_scan_works(smap)
    assert skipped(smap) == {
        ("shop/pipe.py", "not a regular file"),
        ("shop/folder.py", "not a regular file"),
    }


def test_symlink_loops_and_dangling_links_are_skipped(tree: WriteTree) -> None:
    root = tree(GOOD)
    (root / "shop" / "self.py").symlink_to("self.py")
    (root / "shop" / "gone.py").symlink_to("missing.py")
    (root / "shop" / "loop").symlink_to("..", target_is_directory=True)
    smap = scan(root)
    assert_rest_of_scan_works(smap)
    assert skipped(smap) == {
        ("shop/self.py", "symlink loop"),
        ("shop/gone.py", "broken symlink (No such file or directory)"),
        ("shop/loop", "symlink loop: this folder was already scanned"),
    }
    assert smap.files_scanned == 3


def test_a_symlinked_folder_outside_the_tree_is_scanned_once(
    tree: WriteTree, tmp_path: Path
) -> None:
    root = tree(GOOD)
    outside = tmp_path / "vendored"
    outside.mkdir()
    (outside / "__init__.py").write_text("")
    (outside / "hooks.py").write_text("from django.dispatch import Signal\nhooked = Signal()\n")
    (root / "vendored").symlink_to(outside, target_is_directory=True)
    (root / "vendored_again").symlink_to(outside, target_is_directory=True)
    smap = scan(root)
    # Folders are walked in name order: the second link is the one reported.
    assert {d.signal for d in smap.definitions} == {
        "shop.signals.order_placed",
        "vendored.hooks.hooked",
    }
    assert skipped(smap) == {("vendored_again", "symlink loop: this folder was already scanned")}


def test_skip_folders_are_not_entered_directly_or_through_a_symlink(tree: WriteTree) -> None:
    signal = "from django.dispatch import Signal\nstray = Signal()\n"
    root = tree(GOOD | {"tmp/pytest-0/test_x0/stray.py": signal})
    (root / "tmp" / "pytest-current").symlink_to("pytest-0", target_is_directory=True)
    smap = scan(root, skip_folders=[root / "tmp" / "pytest-0"])
    assert_rest_of_scan_works(smap)
    assert (smap.files_scanned, skipped(smap)) == (3, set())


def test_a_folder_or_file_deleted_during_the_walk_is_left_out_not_reported(
    tree: WriteTree, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A test run deletes its temporary folders while the controller's background scan walks
    # the tree: what is gone was not there to scan, and the report must not depend on timing.
    root = tree(GOOD | {"tmp/run-1/x.py": "", "shop/gone.py": "", "shop/read_gone.py": ""})
    scandir, stat, read_source = os.scandir, os.stat, files.read_source

    def gone(path: object) -> FileNotFoundError:
        return FileNotFoundError(errno.ENOENT, "No such file or directory", str(path))

    def fake_scandir(path: str) -> Iterator[os.DirEntry[str]]:
        if path.endswith("run-1"):
            raise gone(path)
        return scandir(path)

    def fake_stat(path: str, *args: Any, **kwargs: Any) -> os.stat_result:
        if str(path).endswith("/shop/gone.py"):
            raise gone(path)
        return stat(path, *args, **kwargs)

    def fake_read(path: str) -> tuple[os.stat_result, bytes]:
        if os.path.basename(path) == "read_gone.py":
            raise gone(path)
        return read_source(path)

    monkeypatch.setattr(files.os, "scandir", fake_scandir)
    monkeypatch.setattr(files.os, "stat", fake_stat)
    monkeypatch.setattr(files, "read_source", fake_read)
    smap = scan(root)
    assert_rest_of_scan_works(smap)
    assert (smap.files_scanned, skipped(smap)) == (3, set())


def test_a_missing_root_is_still_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        files.discover(tmp_path / "nowhere")


def test_a_file_over_the_size_limit_is_skipped(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        GOOD | {"shop/generated.py": "x = 1\n" * 100 + "order_placed.send(sender=None)\n"},
        max_file_size=500,
    )
    assert_rest_of_scan_works(smap)
    assert skipped(smap) == {("shop/generated.py", "too large (631 bytes; the limit is 500)")}


def test_hidden_virtualenv_and_excluded_folders_are_not_scanned(scan_tree: ScanTree) -> None:
    signal = "from django.dispatch import Signal\nstray = Signal()\n"
    smap = scan_tree(
        GOOD
        | {
            ".tox/py311/lib/stray.py": signal,
            "venv/lib/stray.py": signal,
            "node_modules/pkg/stray.py": signal,
            "shop/__pycache__/stray.py": signal,
            "legacy/old.py": signal,
            "shop/migrations/0001_initial.py": signal,
        },
        exclude=["legacy", "shop/migrations/*"],
    )
    assert_rest_of_scan_works(smap)
    assert smap.files_scanned == 3


def test_paths_are_posix_and_relative_to_the_root(scan_tree: ScanTree) -> None:
    smap = scan_tree(GOOD)
    assert {d.path for d in smap.definitions} | {s.path for s in smap.senders} == {
        "shop/signals.py",
        "shop/views.py",
    }
    assert smap.root == "."
    assert (smap.files_scanned, smap.files_parsed) == (3, 2)
