"""The stat index: a warm scan of an unchanged tree reads no file, and never answers otherwise."""

from __future__ import annotations

import builtins
import io
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from scale_project import write_scale_project
from scan_samples import TREE

from pytest_signaltrace.cli import main
from pytest_signaltrace.model import StaticMap
from pytest_signaltrace.scan import memo, scan, statindex
from pytest_signaltrace.scan.bytefacts import content_digest

if TYPE_CHECKING:
    from conftest import WriteTree

EXAMPLE_PROJECT = Path(__file__).resolve().parent.parent / "example_project"
HOUR_NS = 3600 * 1_000_000_000

class Clock:
    """The stat index's clock: an hour from now (the tree was written long before the scan),
    or ``offset = 0`` (the scan runs right after the files were written)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.offset = HOUR_NS
        monkeypatch.setattr(statindex, "clock_ns", lambda: time.time_ns() + self.offset)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """Every file under ``tmp_path/src`` opened, by any reader, as a path relative to it."""
    opened: list[str] = []
    real_open = io.open
    root = str(tmp_path / "src") + os.sep

    def counting_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(file, (str, os.PathLike)) and os.fspath(file).startswith(root):
            opened.append(os.fspath(file)[len(root) :])
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(io, "open", counting_open)
    monkeypatch.setattr(builtins, "open", counting_open)
    return opened


def scanned(
    root: Path, cache: Path, reads: list[str], **options: Any
) -> tuple[StaticMap, list[str]]:
    """Scan ``root`` with the cache; the map and the source files it opened."""
    reads.clear()
    smap = scan(root, cache_dir=cache, **options)
    return smap, sorted(reads)


def python_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.py"))


def index_files(cache: Path) -> list[Path]:
    return sorted((cache / f"stat-v{statindex.SCHEMA}").glob("*.json"))


def forget_memos(cache: Path) -> None:
    """Remove the tree memos: the next scan of the unchanged tree goes through the index."""
    shutil.rmtree(cache / f"memo-v{memo.SCHEMA}")


def test_a_warm_scan_of_an_unchanged_tree_reads_no_file(
    tree: WriteTree, tmp_path: Path, clock: Clock, reads: list[str]
) -> None:
    root = tree(TREE)
    cache = tmp_path / "cache"
    cold, cold_reads = scanned(root, cache, reads)
    assert cold_reads == python_files(root)
    warm, warm_reads = scanned(root, cache, reads)
    assert warm_reads == []
    assert warm == cold == scan(root)
    # The subclass check ran from the index: BasketView's file holds no signal text.
    assert ("shop/views.py", 7, "shop.signals.basket_addition") in {
        (s.path, s.line, s.signal) for s in warm.senders
    }
    assert {s.path for s in warm.files_skipped} == {
        "shop/binary.py", "shop/latin.py", "shop/broken.py"
    }  # fmt: skip


@pytest.mark.slow
def test_warm_equals_cold_on_a_realistic_tree_and_after_an_edit(
    tree: WriteTree, tmp_path: Path, clock: Clock, reads: list[str]
) -> None:
    root = tree({})
    shutil.copytree(EXAMPLE_PROJECT, root / "example_project")
    write_scale_project(root / "scale")
    cache = tmp_path / "cache"
    cold, _ = scanned(root, cache, reads)
    warm, warm_reads = scanned(root, cache, reads)
    assert warm_reads == []
    assert warm == cold == scan(root)
    assert len(cold.receivers) > 450
    receivers = root / "example_project" / "notifications" / "receivers.py"
    receivers.write_text(
        receivers.read_text() + "\n\n@receiver(order_placed)\ndef late(**kw):\n    pass\n"
    )
    edited, edited_reads = scanned(root, cache, reads)
    assert edited_reads == ["example_project/notifications/receivers.py"]
    assert edited == scan(root) != cold


def test_several_roots_keep_an_index_each_and_a_warm_scan_of_them_reads_no_file(
    tree: WriteTree, tmp_path: Path, clock: Clock, reads: list[str]
) -> None:
    # As ``signaltrace run`` and the plugin scan their sources: several folders, paths relative
    # to the rootdir.
    root = tree({f"{app}/{name}": text for app in ("one", "two") for name, text in TREE.items()})
    cache = tmp_path / "cache"
    sources = [root / "one", root / "two"]
    cold = scan(sources, relative_to=root, cache_dir=cache)
    assert len(index_files(cache)) == 2
    reads.clear()
    warm = scan(sources, relative_to=root, cache_dir=cache)
    assert reads == []
    assert warm == cold == scan(sources, relative_to=root)
    assert {s.path.partition("/")[0] for s in warm.senders} == {"one", "two"}


def test_a_file_changed_within_the_racy_window_is_not_trusted(
    tree: WriteTree, tmp_path: Path, clock: Clock, reads: list[str]
) -> None:
    root = tree(TREE)
    cache = tmp_path / "cache"
    clock.offset = 0  # the files were written just now: each may change again unseen
    first, _ = scanned(root, cache, reads)
    second, second_reads = scanned(root, cache, reads)
    assert second_reads == python_files(root)
    clock.offset = HOUR_NS  # later: the files are old enough to be recorded
    third, third_reads = scanned(root, cache, reads)
    assert third_reads == python_files(root)
    fourth, fourth_reads = scanned(root, cache, reads)
    assert fourth_reads == []
    assert first == second == third == fourth


FULL_SIGNATURE = statindex.signature


def size_and_mtime_only(info: os.stat_result) -> statindex.Signature:
    """A file system whose ctime never changes on a write (on Windows it is the creation time)
    and whose inodes say nothing: only the index's size and mtime are left to tell."""
    size, mtime, _, _ = FULL_SIGNATURE(info)
    return (size, mtime, 0, 0)


@pytest.fixture(params=["full signature", "size and mtime only"])
def signature(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "size and mtime only":
        monkeypatch.setattr(statindex, "signature", size_and_mtime_only)
    return str(request.param)


def test_a_same_size_rewrite_with_the_same_mtime_in_the_racy_window_is_read_again(
    tree: WriteTree, tmp_path: Path, clock: Clock, reads: list[str], signature: str
) -> None:
    root = tree(TREE)
    cache = tmp_path / "cache"
    views = root / "shop" / "views.py"
    clock.offset = 0
    before, _ = scanned(root, cache, reads)
    mtime = os.stat(views).st_mtime_ns
    text = views.read_text()
    views.write_text(text.replace('sender="Order"', 'sender="Other"'))
    os.utime(views, ns=(mtime, mtime))
    assert os.stat(views).st_size == len(text)
    assert os.stat(views).st_mtime_ns == mtime
    after, after_reads = scanned(root, cache, reads)
    assert "shop/views.py" in after_reads
    assert after == scan(root) != before


def test_a_content_change_with_its_mtime_put_back_but_another_size_is_read_again(
    tree: WriteTree, tmp_path: Path, clock: Clock, reads: list[str], signature: str
) -> None:
    root = tree(TREE)
    cache = tmp_path / "cache"
    scanned(root, cache, reads)
    views = root / "shop" / "views.py"
    mtime = os.stat(views).st_mtime_ns
    views.write_text(views.read_text() + "    order_placed.send_robust(sender=None)\n")
    os.utime(views, ns=(mtime, mtime))
    after, after_reads = scanned(root, cache, reads)
    assert after_reads == ["shop/views.py"]
    assert "send_robust" in {s.method for s in after.senders}
    assert after == scan(root)


def test_a_file_changed_after_its_stat_matched_makes_the_scan_read_every_file(
    tree: WriteTree, tmp_path: Path, clock: Clock, reads: list[str]
) -> None:
    # The index says signals.py has other bytes than it has (as if it changed between the
    # stat and the read of a parse): the scan starts again, reading, and repairs the index.
    root = tree(TREE)
    cache = tmp_path / "cache"
    first, _ = scanned(root, cache, reads)
    (index,) = index_files(cache)
    document = json.loads(index.read_text())
    document["files"]["shop/signals.py"][4] = content_digest(b"other bytes")
    index.write_text(json.dumps(document))
    forget_memos(cache)
    again, again_reads = scanned(root, cache, reads)
    assert again == first
    assert set(python_files(root)) <= set(again_reads)
    assert scanned(root, cache, reads)[1] == []


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: "{not json",
        lambda text: text[: len(text) // 2],
        lambda text: "[]",
        lambda text: text.replace('"schema":', '"schema":9,"was":'),
        lambda text: text.replace('"root":"', '"root":"/elsewhere'),
        lambda text: "[" * 100_000,
    ],
    ids=["not json", "truncated", "not an object", "other schema", "other root", "too deep"],
)
def test_a_damaged_index_is_a_miss(
    tree: WriteTree,
    tmp_path: Path,
    clock: Clock,
    reads: list[str],
    damage: Callable[[str], str],
) -> None:
    root = tree(TREE)
    cache = tmp_path / "cache"
    first, _ = scanned(root, cache, reads)
    (index,) = index_files(cache)
    index.write_text(damage(index.read_text()))
    forget_memos(cache)
    again, again_reads = scanned(root, cache, reads)
    assert again == first
    assert again_reads == python_files(root)
    assert scanned(root, cache, reads)[1] == []  # and it was written again


def damaged_entries(files: dict[str, list[Any]]) -> Iterator[str]:
    """Damage one entry each way; yield the file whose entry was damaged."""
    damages: list[Callable[[list[Any]], Any]] = [
        lambda entry: entry.__setitem__(6, [10**9]),
        lambda entry: entry.__setitem__(0, "12"),
        lambda entry: entry.pop(),
        lambda entry: entry.__setitem__(9, {"a": 1}),
        lambda entry: entry.__setitem__(10, 3),
    ]
    for relpath, damage in zip(sorted(files), damages, strict=False):
        damage(files[relpath])
        yield relpath


def test_a_damaged_entry_is_a_miss_for_its_file_only(
    tree: WriteTree, tmp_path: Path, clock: Clock, reads: list[str]
) -> None:
    root = tree(TREE)
    cache = tmp_path / "cache"
    first, _ = scanned(root, cache, reads)
    (index,) = index_files(cache)
    document = json.loads(index.read_text())
    damaged = sorted(damaged_entries(document["files"]))
    assert len(damaged) == 5
    index.write_text(json.dumps(document))
    forget_memos(cache)
    again, again_reads = scanned(root, cache, reads)
    assert again == first
    assert again_reads == damaged


def test_a_file_now_over_the_size_limit_is_skipped_though_its_entry_matches(
    tree: WriteTree, tmp_path: Path, clock: Clock, reads: list[str]
) -> None:
    root = tree(TREE)
    cache = tmp_path / "cache"
    scanned(root, cache, reads)
    smaller, smaller_reads = scanned(root, cache, reads, max_file_size=60)
    assert smaller == scan(root, max_file_size=60)
    assert any(s.reason.startswith("too large") for s in smaller.files_skipped)
    assert smaller_reads == []


def test_no_cache_writes_no_index_and_the_cache_dir_holds_it(
    tree: WriteTree, tmp_path: Path, clock: Clock
) -> None:
    root = tree(TREE)
    out = tmp_path / "out.md"
    assert main(["scan", str(root), "--no-cache", "-o", str(out)]) == 0
    assert not list(tmp_path.rglob(f"stat-v{statindex.SCHEMA}"))
    cache = tmp_path / "elsewhere"
    assert main(["scan", str(root), "--cache-dir", str(cache), "-o", str(out)]) == 0
    (index,) = index_files(cache)
    assert set(json.loads(index.read_text())["files"]) == set(python_files(root))


def test_an_index_of_more_files_than_the_limit_is_not_written(
    tree: WriteTree, tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(statindex, "MAX_ENTRIES", 3)
    root = tree(TREE)
    cache = tmp_path / "cache"
    assert scan(root, cache_dir=cache) == scan(root)
    assert index_files(cache) == []


def test_only_the_most_recent_indexes_are_kept(
    tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(statindex, "MAX_INDEXES", 2)
    cache = tmp_path / "cache"
    for number in range(4):
        root = tmp_path / "src" / f"tree{number}"
        root.mkdir(parents=True)
        (root / "a.py").write_text("x = 1\n")
        scan(root, cache_dir=cache)
        written = statindex.StatIndex.open(cache, root).path
        os.utime(written, ns=(number, number))  # in this order, whatever the clock's tick
    kept = index_files(cache)
    assert len(kept) == 2
    roots = {json.loads(path.read_text())["root"] for path in kept}
    assert roots == {str(tmp_path / "src" / "tree2"), str(tmp_path / "src" / "tree3")}
