"""A signal whose only receivers are test code has its own status (issue 22, items 25 and 27)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pytest_signaltrace.merge.merge import PathMapper, build_report
from pytest_signaltrace.model import SignalStatus
from pytest_signaltrace.trace.model import CodeRef, ConnectKey, HandlerRef, SignalRef, Trace

if TYPE_CHECKING:
    from conftest import ScanTree

PROJECT = {
    "shop/__init__.py": "",
    "shop/signals.py": """
        from django.dispatch import Signal

        order_placed = Signal()
        order_paid = Signal()
    """,
    "shop/services.py": """
        from shop.signals import order_paid, order_placed

        def place():
            order_placed.send(sender=None)
            order_paid.send(sender=None)
    """,
    "shop/receivers.py": """
        from django.dispatch import receiver

        from shop.signals import order_paid

        @receiver(order_paid)
        def on_paid(sender, **kwargs):
            pass
    """,
    "tests/test_shop.py": """
        from django.dispatch import receiver

        from shop.signals import order_paid, order_placed

        @receiver(order_placed)
        def spy(sender, **kwargs):
            pass

        @receiver(order_paid)
        def other_spy(sender, **kwargs):
            pass
    """,
}


def test_a_sent_signal_received_only_in_tests_is_not_ok(scan_tree: ScanTree) -> None:
    smap = scan_tree(PROJECT)
    statuses = {s.signal: s.status for s in smap.signals}
    assert statuses == {
        "shop.signals.order_placed": SignalStatus.TEST_RECEIVERS_ONLY,
        "shop.signals.order_paid": SignalStatus.OK,
    }


def test_a_mock_a_project_helper_connected_is_a_test_only_receiver(
    scan_tree: ScanTree, tmp_path: Path
) -> None:
    project = {k: v for k, v in PROJECT.items() if not k.startswith("tests/")}
    project["shop/testing.py"] = "def mock_signal_receiver(signal):\n    signal.connect(m)\n"
    smap = scan_tree(project)
    assert {s.signal: s.status for s in smap.signals}["shop.signals.order_placed"] is (
        SignalStatus.NO_RECEIVERS
    )
    root = tmp_path / "src"
    signal = SignalRef("shop.signals.order_placed", str(root / "shop/signals.py"), 3)
    mock = HandlerRef("unittest.mock.CallableMixin.__call__", "/usr/lib/unittest/mock.py", 1)
    library = HandlerRef("somelib.handlers.on_any", "/usr/lib/somelib/handlers.py", 1)
    site = CodeRef(str(root / "shop/testing.py"), 2)
    connects = {
        ConnectKey(signal, mock, site, None, None): 1,
        # A library's receiver connected by project code is not the project's to report.
        ConnectKey(signal, library, site, None, None): 1,
    }
    report = build_report(smap, Trace(connects=connects), PathMapper(root, [root]))
    rows = [(r.handler, r.path, r.line, r.test_only) for r in report.receivers if not r.declared]
    assert rows == [("unittest.mock.CallableMixin.__call__", "shop/testing.py", 2, True)]
    placed = next(s for s in report.signals if s.signal == "shop.signals.order_placed")
    assert placed.status is SignalStatus.TEST_RECEIVERS_ONLY
    assert report.receiver_totals.total == 1
