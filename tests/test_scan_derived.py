"""Derived facts: each signal's status, and which receivers are dead."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_signaltrace.model import SignalCategory, SignalStatus

if TYPE_CHECKING:
    from conftest import ScanTree

TREE = {
    "shop/__init__.py": "",
    "shop/signals.py": """
        from django.dispatch import Signal

        order_placed = Signal()     # received and sent: ok
        order_paid = Signal()       # received, never sent: never_sent
        order_shipped = Signal()    # sent, never received: no_receivers
        order_lost = Signal()       # neither: unused
        order_tested = Signal()     # received and sent only in tests: ok
    """,
    "shop/receivers.py": """
        from django.db.models.signals import post_save
        from django.dispatch import receiver

        from shop.signals import order_paid, order_placed

        @receiver(order_placed)
        def on_placed(sender, **kwargs):
            pass

        @receiver(order_paid)
        def on_paid(sender, **kwargs):
            pass

        @receiver(post_save)
        def on_saved(sender, **kwargs):
            pass
    """,
    "shop/views.py": """
        from shop.signals import order_placed, order_shipped

        def place():
            order_placed.send(sender=None)
            order_shipped.send(sender=None)
    """,
    "tests/test_tested.py": """
        from django.dispatch import receiver
        from shop.signals import order_tested

        @receiver(order_tested)
        def spy(sender, **kwargs):
            pass

        def test_it():
            order_tested.send(sender=None)
    """,
}


def test_custom_signals_get_a_status_from_their_receivers_and_senders(scan_tree: ScanTree) -> None:
    smap = scan_tree(TREE)
    assert {(s.signal, s.status, s.receivers, s.senders) for s in smap.signals} == {
        ("shop.signals.order_placed", SignalStatus.OK, 1, 1),
        ("shop.signals.order_paid", SignalStatus.NEVER_SENT, 1, 0),
        ("shop.signals.order_shipped", SignalStatus.NO_RECEIVERS, 0, 1),
        ("shop.signals.order_lost", SignalStatus.UNUSED, 0, 0),
        ("shop.signals.order_tested", SignalStatus.TEST_RECEIVERS_ONLY, 1, 1),
        ("django.db.models.signals.post_save", SignalStatus.OK, 1, 0),
    }


def test_signal_infos_carry_category_definition_site_and_test_counts(scan_tree: ScanTree) -> None:
    smap = scan_tree(TREE)
    info = {s.signal: s for s in smap.signals}
    assert {
        (s.signal, s.category, s.definition_path, s.definition_line)
        for s in (info["shop.signals.order_lost"], info["django.db.models.signals.post_save"])
    } == {
        ("shop.signals.order_lost", SignalCategory.CUSTOM, "shop/signals.py", 6),
        ("django.db.models.signals.post_save", SignalCategory.BUILTIN, None, None),
    }
    tested = info["shop.signals.order_tested"]
    assert (tested.test_receivers, tested.test_senders) == (1, 1)


def test_a_builtin_signal_with_receivers_is_never_never_sent(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        {
            "shop/__init__.py": "",
            "shop/receivers.py": """
                from celery.signals import task_success
                from django.core.signals import request_finished

                def on_done(sender, **kwargs):
                    pass

                request_finished.connect(on_done)
                task_success.connect(on_done)
            """,
        }
    )
    assert {(s.signal, s.status) for s in smap.signals} == {
        ("django.core.signals.request_finished", SignalStatus.OK),
        ("celery.signals.task_success", SignalStatus.OK),
    }
    assert not any(smap.is_dead(r) for r in smap.receivers)


def test_only_receivers_of_custom_signals_sent_nowhere_are_dead(scan_tree: ScanTree) -> None:
    smap = scan_tree(TREE)
    assert {(r.handler, smap.is_dead(r)) for r in smap.receivers} == {
        ("shop.receivers.on_placed", False),
        ("shop.receivers.on_paid", True),
        ("shop.receivers.on_saved", False),
        ("test_tested.spy", False),
    }


def test_a_send_in_test_code_keeps_a_receiver_alive(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        {
            "shop/__init__.py": "",
            "shop/signals.py": """
                from django.dispatch import Signal
                order_paid = Signal()
            """,
            "shop/receivers.py": """
                from django.dispatch import receiver
                from shop.signals import order_paid

                @receiver(order_paid)
                def on_paid(sender, **kwargs):
                    pass
            """,
            "tests/test_paid.py": """
                from shop.signals import order_paid

                def test_paid():
                    order_paid.send(sender=None)
            """,
        }
    )
    assert {(r.handler, smap.is_dead(r)) for r in smap.receivers} == {
        ("shop.receivers.on_paid", False)
    }
