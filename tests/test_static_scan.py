"""The run's static scan: on demand, or in the background while xdist workers run the tests."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import pytest_signaltrace.plugin.static_scan as static_scan_module
from pytest_signaltrace.plugin.static_scan import StaticScan
from pytest_signaltrace.settings import Settings

if TYPE_CHECKING:
    from conftest import WriteTree

SIGNALS = """
    from django.dispatch import Signal, receiver

    order_placed = Signal()


    @receiver(order_placed)
    def on_placed(sender, **kwargs): ...
"""


def _scan_of(root: Path) -> StaticScan:
    return StaticScan(Settings(active=True, sources=(root,)), root.parent, cache_dir=None)


def test_a_background_scan_gives_the_map_an_on_demand_scan_gives(tree: WriteTree) -> None:
    root = tree({"shop/__init__.py": "", "shop/signals.py": SIGNALS})
    background = _scan_of(root)
    background.start_in_background()
    on_demand = _scan_of(root)
    assert background.result() == on_demand.result()
    assert [r.path for r in on_demand.result().receivers] == ["src/shop/signals.py"]


def test_a_failure_in_the_background_is_raised_by_result(
    tree: WriteTree, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("scan failed")

    monkeypatch.setattr(static_scan_module, "scan_sources", broken)
    scan = _scan_of(tree({"a.py": ""}))
    scan.start_in_background()
    with pytest.raises(RuntimeError, match="scan failed"):
        scan.result()
