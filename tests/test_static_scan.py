"""The run's static scan: on demand, or in the background while xdist workers run the tests."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import pytest_signaltrace.plugin.session as session_module
from pytest_signaltrace.plugin.session import StaticScan, TraceSession
from pytest_signaltrace.settings import Settings

if TYPE_CHECKING:
    from conftest import WriteTree

SIGNALS = """
    from django.dispatch import Signal, receiver

    order_placed = Signal()


    @receiver(order_placed)
    def on_placed(sender, **kwargs): ...
"""


def _session(root: Path) -> TraceSession:
    return TraceSession(Settings(active=True, sources=(root,)), root.parent, "controller")


def test_a_background_scan_gives_the_map_an_on_demand_scan_gives(tree: WriteTree) -> None:
    root = tree({"shop/__init__.py": "", "shop/signals.py": SIGNALS})
    background = StaticScan(_session(root), cache_dir=None)
    background.start_in_background()
    on_demand = StaticScan(_session(root), cache_dir=None)
    assert background.result() == on_demand.result()
    assert [r.path for r in on_demand.result().receivers] == ["src/shop/signals.py"]


def test_a_failure_in_the_background_is_raised_by_result(
    tree: WriteTree, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("scan failed")

    monkeypatch.setattr(session_module, "scan_sources", broken)
    scan = StaticScan(_session(tree({"a.py": ""})), cache_dir=None)
    scan.start_in_background()
    with pytest.raises(RuntimeError, match="scan failed"):
        scan.result()
