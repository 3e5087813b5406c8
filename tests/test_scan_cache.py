"""The per-file facts cache, and parsing in worker processes."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_signaltrace.scan import cache as cache_module
from pytest_signaltrace.scan import engine, pool, scan

if TYPE_CHECKING:
    from conftest import WriteTree

TREE = {
    "shop/__init__.py": "",
    "shop/signals.py": """
        from django.dispatch import Signal

        order_placed = Signal()
        order_paid = Signal()
    """,
    "shop/receivers.py": """
        from functools import partial

        from django.dispatch import receiver
        from shop.signals import order_paid, order_placed

        class Mailer:
            def on_placed(self, sender, **kwargs):
                pass

        mailer = Mailer()
        order_placed.connect(mailer.on_placed, dispatch_uid="mail")
        order_paid.connect(partial(print, "paid"), weak=False)

        @receiver([order_placed, order_paid], sender="Order")
        def audit(sender, **kwargs):
            pass
    """,
    "shop/views.py": """
        from shop.signals import order_placed

        def place():
            order_placed.send(sender="Order")
            order_placed.disconnect(dispatch_uid="mail")
    """,
    "shop/broken.py": "order_placed.send(\n",
}


class CountingCache(cache_module.FactsCache):
    """A FactsCache that remembers its hits and misses after the scan."""

    instances: list[CountingCache] = []  # noqa: RUF012

    def __init__(self, directory: Path | None, *, required: bool = False) -> None:
        super().__init__(directory, required=required)
        CountingCache.instances.append(self)


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> list[CountingCache]:
    CountingCache.instances = []
    monkeypatch.setattr(engine, "FactsCache", CountingCache)
    return CountingCache.instances


def test_a_second_scan_reads_every_parsed_file_from_the_cache_and_gives_the_same_map(
    tree: WriteTree, tmp_path: Path, counting: list[CountingCache]
) -> None:
    root = tree(TREE)
    cache_dir = tmp_path / "cache"
    first = scan(root, cache_dir=cache_dir)
    second = scan(root, cache_dir=cache_dir)
    assert second == first
    assert [(c.hits, c.misses) for c in counting] == [
        (0, first.files_parsed),
        (first.files_parsed, 0),
    ]
    assert all([first.receivers, first.senders, first.disconnects, first.files_skipped])


def test_a_cached_scan_does_not_parse_again(
    tree: WriteTree, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tree(TREE)
    cache_dir = tmp_path / "cache"
    first = scan(root, cache_dir=cache_dir)

    def no_parsing(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("parsed although cached")

    monkeypatch.setattr(engine, "extract_facts", no_parsing)
    assert scan(root, cache_dir=cache_dir) == first


def test_a_changed_file_misses_the_cache(
    tree: WriteTree, tmp_path: Path, counting: list[CountingCache]
) -> None:
    root = tree(TREE)
    cache_dir = tmp_path / "cache"
    first = scan(root, cache_dir=cache_dir)
    views = root / "shop" / "views.py"
    views.write_text(views.read_text() + "    order_placed.send_robust(sender=None)\n")
    second = scan(root, cache_dir=cache_dir)
    assert counting[1].hits == first.files_parsed - 1
    assert {(s.method, s.line) for s in second.senders} == {("send", 4), ("send_robust", 6)}


def test_a_corrupt_cache_entry_is_a_miss_not_a_crash(
    tree: WriteTree, tmp_path: Path, counting: list[CountingCache]
) -> None:
    root = tree(TREE)
    cache_dir = tmp_path / "cache"
    first = scan(root, cache_dir=cache_dir)
    entries = sorted((cache_dir / f"facts-v{cache_module.SCHEMA}").rglob("*.json"))
    assert len(entries) == first.files_parsed
    entries[0].write_text("{not json")
    entries[1].write_text('{"module": "x"}')
    assert scan(root, cache_dir=cache_dir) == first
    assert (counting[1].hits, counting[1].misses) == (first.files_parsed - 2, 2)


def test_an_unwritable_cache_folder_does_not_fail_the_scan(tree: WriteTree, tmp_path: Path) -> None:
    root = tree(TREE)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    assert scan(root, cache_dir=blocker) == scan(root)


def test_parallel_parsing_gives_the_same_map_as_serial(
    tree: WriteTree, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tree(TREE)
    serial = scan(root, jobs=1)
    pools: list[int | None] = []

    class RecordingPool(ProcessPoolExecutor):
        def __init__(self, max_workers: int | None = None, **options: Any) -> None:
            pools.append(max_workers)
            super().__init__(max_workers=max_workers, **options)

    monkeypatch.setattr(engine, "PARALLEL_THRESHOLD", 0)
    monkeypatch.setattr(pool, "ProcessPoolExecutor", RecordingPool)
    progress: list[tuple[int, int]] = []
    parallel = scan(root, jobs=2, progress=lambda done, total: progress.append((done, total)))
    assert parallel == serial
    assert pools == [2]
    assert progress[-1][0] == progress[-1][1]


def test_a_warm_scan_never_imports_the_parser(tree: WriteTree, tmp_path: Path) -> None:
    # A fresh process, as a traced run's end is: only a cache miss may import libcst (about a
    # tenth of a second), not merely importing the scan.
    import subprocess
    import sys

    root = tree(TREE)
    cache_dir = tmp_path / "cache"
    script = (
        "import sys, pathlib\n"
        "from pytest_signaltrace.scan import scan\n"
        "before = 'libcst' in sys.modules\n"
        f"scan(pathlib.Path({str(root)!r}), cache_dir=pathlib.Path({str(cache_dir)!r}))\n"
        "print(before, 'libcst' in sys.modules)\n"
    )

    def run() -> str:
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True
        )
        return done.stdout.strip()

    assert run() == "False True"  # cold: files parsed
    assert run() == "False False"  # warm: every file's facts from the cache


def test_the_facts_of_a_scan_are_written_in_one_folder(tree: WriteTree, tmp_path: Path) -> None:
    root = tree(TREE)
    cache_dir = tmp_path / "cache"
    first = scan(root, cache_dir=cache_dir)
    folder = cache_dir / f"facts-v{cache_module.SCHEMA}"
    # A folder per key prefix cost a cold scan as much again as its entries.
    assert [p for p in folder.iterdir() if p.is_dir()] == []
    assert len(list(folder.glob("*.json"))) == first.files_parsed
