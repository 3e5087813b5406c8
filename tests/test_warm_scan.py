"""The warm scan: a run whose scan the cache can answer computes the map itself, with no scan
process and no parser, and the map is the one the process gives; a file that needs parsing, a
record that no longer holds or any fault of the warm scan leaves the work to the process."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_signaltrace.model import StaticMap
from pytest_signaltrace.plugin.static_scan import StaticScan, scan_sources
from pytest_signaltrace.scan import warm
from pytest_signaltrace.scan.cache import FactsCache, NotCached
from pytest_signaltrace.scan.handover import scan_as_requested, scan_request
from pytest_signaltrace.settings import Settings

if TYPE_CHECKING:
    from conftest import WriteTree

SIGNALS = """
    from django.dispatch import Signal, receiver

    order_placed = Signal()


    @receiver(order_placed)
    def on_placed(sender, **kwargs): ...
"""

RECEIVERS = """
    from django.dispatch import receiver

    from shop.signals import order_placed


    @receiver(order_placed)
    def on_placed_again(sender, **kwargs): ...
"""

PROJECT = {
    "shop/__init__.py": "",
    "shop/signals.py": SIGNALS,
    "shop/models.py": "class Order:\n    pass\n",
}


def _scan_of(root: Path, cache: Path | None) -> StaticScan:
    return StaticScan(Settings(active=True, sources=(root,)), root.parent, cache_dir=cache)


def _run(root: Path, cache: Path | None) -> tuple[StaticMap, bool]:
    """One run's scan, as the plugin does it: the map, and whether a scan process started."""
    scan = _scan_of(root, cache)
    scan.start_in_background()
    try:
        return scan.result(), scan.started_process
    finally:
        scan.close()


def _cold(root: Path) -> StaticMap:
    return scan_sources([root], root.parent, cache_dir=None, package_roots=())


def test_a_rerun_starts_no_scan_process_and_gets_the_processs_map(
    tree: WriteTree, tmp_path: Path
) -> None:
    root, cache = tree(PROJECT), tmp_path / "cache"
    first, started = _run(root, cache)
    assert started
    second, started_again = _run(root, cache)
    assert not started_again
    assert second == first == _cold(root)
    assert [r.handler for r in second.receivers] == ["shop.signals.on_placed"]


def test_a_changed_file_that_needs_parsing_is_scanned_by_the_process(
    tree: WriteTree, tmp_path: Path
) -> None:
    root, cache = tree(PROJECT), tmp_path / "cache"
    _run(root, cache)
    tree({"shop/receivers.py": RECEIVERS})
    changed, started = _run(root, cache)
    assert started
    assert changed == _cold(root)
    assert {r.handler for r in changed.receivers} == {
        "shop.signals.on_placed",
        "shop.receivers.on_placed_again",
    }
    again, started_again = _run(root, cache)  # the process filled the cache: warm again
    assert not started_again
    assert again == changed


def test_a_changed_file_without_signal_text_needs_no_process(
    tree: WriteTree, tmp_path: Path
) -> None:
    root, cache = tree(PROJECT), tmp_path / "cache"
    _run(root, cache)
    tree({"shop/models.py": "class Order:\n    total = 0\n", "shop/views.py": "x = 1\n"})
    changed, started = _run(root, cache)
    assert not started
    assert changed == _cold(root)
    assert changed.files_scanned == 4


def test_without_a_cache_folder_the_process_always_scans(tree: WriteTree) -> None:
    root = tree(PROJECT)
    for _ in range(2):
        found, started = _run(root, None)
        assert started
        assert found == _cold(root)


def test_a_warm_scan_that_fails_leaves_the_scan_and_its_fault_to_the_process(
    tree: WriteTree, tmp_path: Path
) -> None:
    root, cache = tree(PROJECT), tmp_path / "cache"
    _run(root, cache)
    (root / "shop" / "signals.py").unlink()
    (root / "shop" / "__init__.py").unlink()
    (root / "shop" / "models.py").unlink()
    (root / "shop").rmdir()
    root.rmdir()
    scan = _scan_of(root, cache)
    scan.start_in_background()
    with pytest.raises(FileNotFoundError) as raised:
        scan.result()
    assert scan.started_process
    assert any("in the scan process" in note for note in raised.value.__notes__)


def test_the_warm_scan_looks_for_installed_packages_where_the_process_looks(
    tree: WriteTree, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ``someapp`` is importable in the run (sys.path) but not in the scan process (``python -I``
    # reads none of the run's path): the warm scan must not find it either.
    site = tmp_path / "site"
    (site / "someapp").mkdir(parents=True)
    (site / "someapp" / "__init__.py").write_text("from .signals import action\n")
    (site / "someapp" / "signals.py").write_text(
        "from django.dispatch import Signal\n\naction = Signal()\n"
    )
    monkeypatch.syspath_prepend(str(site))
    project = {
        **PROJECT,
        "shop/receivers.py": (
            "from django.dispatch import receiver\nfrom someapp import action\n\n\n"
            "@receiver(action)\ndef on_action(sender, **kwargs): ...\n"
        ),
    }
    root, cache = tree(project), tmp_path / "cache"
    first, _ = _run(root, cache)
    second, started = _run(root, cache)
    assert not started
    assert second == first
    assert "someapp.signals.action" not in {r.signal for r in second.receivers}
    # On a path that has it, the same scan does find it.
    request = scan_request(
        [root], root.parent, cache_dir=cache, package_roots=(), skip_folders=(), jobs=None
    )
    record = warm.read_record(request)
    assert record is not None
    found = scan_as_requested(request, search_path=[str(site), *record.search_path])
    assert "someapp.signals.action" in {r.signal for r in found.receivers}


def _record_path(root: Path, cache: Path) -> Path:
    request = scan_request(
        [root], root.parent, cache_dir=cache, package_roots=(), skip_folders=(), jobs=1
    )
    path = warm.record_file(request)
    assert path is not None
    return path


def test_a_record_no_longer_holds_once_what_made_the_search_path_changes(
    tree: WriteTree, tmp_path: Path
) -> None:
    root, cache = tree(PROJECT), tmp_path / "cache"
    _run(root, cache)
    path = _record_path(root, cache)
    document = json.loads(path.read_text())
    assert document["search_path"][0] == warm.package_parent()
    stamped = tmp_path / "site-packages"
    stamped.mkdir()
    document["stamps"].append([str(stamped), stamped.stat().st_mtime_ns])
    path.write_text(json.dumps(document))
    assert _run(root, cache)[1] is False
    (stamped / "new.pth").write_text("/somewhere\n")  # a package installed: the folder changed
    os.utime(stamped, ns=(0, stamped.stat().st_mtime_ns + 1))
    assert _run(root, cache)[1] is True
    assert _run(root, cache)[1] is False  # the process wrote a new record


@pytest.mark.parametrize("damage", ["", "{}", "[1]", '{"format": 1}', "not json"])
def test_a_damaged_record_is_no_record(tree: WriteTree, tmp_path: Path, damage: str) -> None:
    root, cache = tree(PROJECT), tmp_path / "cache"
    _run(root, cache)
    _record_path(root, cache).write_text(damage)
    found, started = _run(root, cache)
    assert started
    assert found == _cold(root)


def test_the_record_is_per_folder_set(tree: WriteTree, tmp_path: Path) -> None:
    root, cache = tree(PROJECT), tmp_path / "cache"
    _run(root, cache)
    other = tmp_path / "other"
    other.mkdir()
    (other / "app.py").write_text("x = 1\n")
    assert _run(other, cache)[1] is True


def test_a_required_cache_raises_instead_of_missing(tmp_path: Path) -> None:
    assert FactsCache(tmp_path).get("ab" * 20) is None
    with pytest.raises(NotCached):
        FactsCache(tmp_path, required=True).get("ab" * 20)
    with pytest.raises(NotCached):
        FactsCache(None, required=True).get("ab" * 20)
