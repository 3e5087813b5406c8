"""Send sites found by the static scan, and the look-alikes it must leave alone."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import ScanTree

SIGNALS = """
    from django.dispatch import Signal

    order_placed = Signal()
"""
PLACED = "shop.signals.order_placed"


def shop(**files: str) -> dict[str, str]:
    return {
        "shop/__init__.py": "",
        "shop/signals.py": SIGNALS,
        **{f"shop/{name}.py": source for name, source in files.items()},
    }


def test_every_send_method_is_a_send_site(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        shop(
            views="""
            from shop.signals import order_placed

            def place(order):
                order_placed.send(sender=None, order=order)
                order_placed.send_robust(sender=None, order=order)

            async def aplace(order):
                await order_placed.asend(sender=None, order=order)
                await order_placed.asend_robust(sender=None, order=order)
            """
        )
    )
    assert {(s.signal, s.method, s.line, s.path) for s in smap.senders} == {
        (PLACED, "send", 4, "shop/views.py"),
        (PLACED, "send_robust", 5, "shop/views.py"),
        (PLACED, "asend", 8, "shop/views.py"),
        (PLACED, "asend_robust", 9, "shop/views.py"),
    }


def test_the_sender_is_read_by_keyword_or_positionally(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        shop(
            views="""
            from shop.models import Order
            from shop.signals import order_placed

            def place(o):
                order_placed.send(Order, order=o)
                order_placed.send(order=o, sender=Order)
                order_placed.send_robust(sender=o.__class__)
            """
        )
    )
    assert {(s.line, s.sender) for s in smap.senders} == {
        (5, "Order"),
        (6, "Order"),
        (7, "o.__class__"),
    }


def test_a_multi_line_send_spans_its_first_and_last_line(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        shop(
            views="""
            from shop import signals

            def place(order):
                signals.order_placed.send_robust(
                    sender="Order",
                    order=order,
                )
            """
        )
    )
    assert {(s.signal, s.line, s.end_line, s.code) for s in smap.senders} == {
        (PLACED, 4, 7, "signals.order_placed.send_robust(")
    }


def test_self_sig_send_resolves_through_the_class_attribute(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        {
            "shop/__init__.py": "",
            "shop/hooks.py": """
                from django.dispatch import Signal

                class Hooks:
                    ready = Signal()

                    def fire(self):
                        self.ready.send(sender=self.__class__)

                    @classmethod
                    def fire_cls(cls):
                        cls.ready.send(sender=cls)

                def fire():
                    Hooks.ready.send(sender=None)
            """,
        }
    )
    assert {(s.signal, s.line, s.sender) for s in smap.senders} == {
        ("shop.hooks.Hooks.ready", 7, "self.__class__"),
        ("shop.hooks.Hooks.ready", 11, "cls"),
        ("shop.hooks.Hooks.ready", 14, "None"),
    }


def test_self_sig_send_resolves_through_a_base_class_attribute(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        {
            "shop/__init__.py": "",
            "shop/hooks.py": """
                from django.dispatch import Signal

                class Hooks:
                    ready = Signal()

                    def on_ready(self, sender, **kwargs):
                        pass
            """,
            "shop/plugin.py": """
                from shop.hooks import Hooks

                class Plugin(Hooks):
                    def fire(self):
                        self.ready.send(sender=self)
                        self.ready.connect(self.on_ready)

                class SubPlugin(Plugin):
                    def fire(self):
                        self.ready.send_robust(sender=self)
            """,
        }
    )
    assert {(s.signal, s.method) for s in smap.senders} == {
        ("shop.hooks.Hooks.ready", "send"),
        ("shop.hooks.Hooks.ready", "send_robust"),
    }
    assert {(r.signal, r.handler, r.def_line) for r in smap.receivers} == {
        ("shop.hooks.Hooks.ready", "shop.hooks.Hooks.on_ready", 6)
    }


def test_a_signal_assigned_in_init_resolves_through_self(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        {
            "shop/__init__.py": "",
            "shop/service.py": """
                from django.dispatch import Signal

                class Service:
                    def __init__(self):
                        self.started = Signal()

                    def start(self):
                        self.started.send(sender=self)
            """,
        }
    )
    assert {(s.signal, s.line) for s in smap.senders} == {("shop.service.Service.started", 8)}


def test_an_unresolvable_send_with_a_sender_keyword_keeps_its_expression(
    scan_tree: ScanTree,
) -> None:
    smap = scan_tree(
        shop(
            views="""
            class Relay:
                def __init__(self, other):
                    self.other = other

                def relay(self):
                    self.other.send(sender=self)
            """
        )
    )
    assert {(s.signal, s.expression, s.line) for s in smap.senders} == {(None, "self.other", 6)}


def test_a_hooks_class_attribute_is_sent_from_another_module(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        {
            "shop/__init__.py": "",
            "shop/hooks.py": """
                from django.dispatch import Signal

                class Hooks:
                    ready = Signal()
            """,
            "shop/boot.py": """
                from shop.hooks import Hooks

                def boot():
                    Hooks.ready.send(sender=None)
            """,
        }
    )
    assert {(s.signal, s.path) for s in smap.senders} == {
        ("shop.hooks.Hooks.ready", "shop/boot.py")
    }


def test_a_sender_is_found_whatever_the_file_order(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        {
            "pkg/__init__.py": "",
            "pkg/a.py": """
                from pkg.z import late

                def go():
                    late.send(sender=None)
                    late.send("positional")
            """,
            "pkg/z.py": """
                from django.dispatch import Signal

                late = Signal()
            """,
        }
    )
    assert {(s.signal, s.path, s.line, s.sender) for s in smap.senders} == {
        ("pkg.z.late", "pkg/a.py", 4, "None"),
        ("pkg.z.late", "pkg/a.py", 5, '"positional"'),
    }
    assert {(s.signal, s.status) for s in smap.signals} == {("pkg.z.late", "no_receivers")}


def test_a_builtin_signal_sent_by_the_project_is_a_send_site(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        {
            "shop/__init__.py": "",
            "shop/views.py": """
                from django.core.signals import request_finished

                def done():
                    request_finished.send(sender=None)
            """,
        }
    )
    assert {(s.signal, s.method) for s in smap.senders} == {
        ("django.core.signals.request_finished", "send")
    }


def test_senders_in_test_code_are_marked_test_only(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        shop(
            views="""
            from shop.signals import order_placed
            order_placed.send(sender=None)
            """
        )
        | {
            "tests/test_views.py": """
                from shop.signals import order_placed
                order_placed.send(sender=None)
            """
        }
    )
    assert {(s.path, s.test_only) for s in smap.senders} == {
        ("shop/views.py", False),
        ("tests/test_views.py", True),
    }


def test_send_look_alikes_are_not_send_sites(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        shop(
            views="""
            import smtplib
            from unittest import mock

            from django.core.mail import send_mail
            from sms import SmsClient

            from shop.signals import order_placed

            notifier = SmsClient()

            def notify(msg):
                notifier.send(msg)
                send_mail("hi", "body", "a@b.c", ["d@e.f"])
                smtp = smtplib.SMTP("localhost")
                smtp.send(b"NOOP")
                with mock.patch("app.signals.order_placed.send"):
                    pass
                order_placed.send(None)

            class Client:
                def push(self, data):
                    self.client.send(data)
                    self.sock.send(data)
            """
        )
    )
    # The file is parsed (it sends ``order_placed``): the look-alikes are told apart by the parser.
    assert {(s.signal, s.line) for s in smap.senders} == {(PLACED, 18)}
