"""Receivers found by the static scan: decorators, connect calls, and what their handlers are."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import ScanTree

SIGNALS = """
    from django.dispatch import Signal

    order_placed = Signal()
    order_paid = Signal()
"""
PLACED = "shop.signals.order_placed"
PAID = "shop.signals.order_paid"


def shop(receivers: str, **more: str) -> dict[str, str]:
    return {
        "shop/__init__.py": "",
        "shop/signals.py": SIGNALS,
        "shop/receivers.py": receivers,
        **more,
    }


# -- @receiver ---------------------------------------------------------------------------------


def test_a_receiver_decorator_gives_a_row_at_the_decorator_line_with_the_def_line(
    scan_tree: ScanTree,
) -> None:
    smap = scan_tree(
        shop(
            """
            from django.dispatch import receiver
            from shop.signals import order_placed

            @receiver(order_placed)
            def on_placed(sender, **kwargs):
                pass
            """
        )
    )
    assert {(r.signal, r.handler, r.line, r.def_line, r.kind) for r in smap.receivers} == {
        (PLACED, "shop.receivers.on_placed", 4, 5, "decorator")
    }


def test_a_receiver_decorator_with_a_list_gives_one_row_per_signal(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        shop(
            """
            from django.dispatch import receiver
            from shop.models import Order
            from shop.signals import order_paid, order_placed

            @receiver([order_placed, order_paid], sender=Order, dispatch_uid="uid")
            def on_order(sender, **kwargs):
                pass
            """
        )
    )
    assert {(r.signal, r.handler, r.sender, r.dispatch_uid) for r in smap.receivers} == {
        (PLACED, "shop.receivers.on_order", "Order", "uid"),
        (PAID, "shop.receivers.on_order", "Order", "uid"),
    }


def test_a_receiver_decorator_with_a_tuple_gives_one_row_per_signal(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        shop(
            """
            from django.dispatch import receiver
            from shop.signals import order_paid, order_placed

            @receiver((order_placed, order_paid))
            def on_order(sender, **kwargs):
                pass
            """
        )
    )
    assert {(r.signal, r.line) for r in smap.receivers} == {(PLACED, 4), (PAID, 4)}


def test_stacked_receiver_decorators_give_one_row_each_at_their_own_line(
    scan_tree: ScanTree,
) -> None:
    smap = scan_tree(
        shop(
            """
            from django.dispatch import receiver
            from shop.signals import order_paid, order_placed

            @receiver(order_placed)
            @receiver(order_paid, dispatch_uid="paid")
            def on_order(sender, **kwargs):
                pass
            """
        )
    )
    assert {(r.signal, r.line, r.def_line, r.dispatch_uid) for r in smap.receivers} == {
        (PLACED, 4, 6, None),
        (PAID, 5, 6, "paid"),
    }


def test_a_receiver_decorator_with_the_signal_as_keyword_is_found(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        shop(
            """
            from django.dispatch import receiver
            from shop.signals import order_paid, order_placed

            @receiver(signal=order_placed, sender="Order")
            def on_placed(sender, **kwargs):
                pass

            @receiver(sender="Order", signal=[order_paid])
            def on_paid(sender, **kwargs):
                pass
            """
        )
    )
    assert {(r.signal, r.handler, r.sender) for r in smap.receivers} == {
        (PLACED, "shop.receivers.on_placed", '"Order"'),
        (PAID, "shop.receivers.on_paid", '"Order"'),
    }


def test_a_receiver_decorator_through_django_dispatch_module_is_found(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        shop(
            """
            from django import dispatch
            from shop import signals

            @dispatch.receiver(signals.order_placed)
            def on_placed(sender, **kwargs):
                pass
            """
        )
    )
    assert {(r.signal, r.handler) for r in smap.receivers} == {(PLACED, "shop.receivers.on_placed")}


def test_a_receiver_decorator_on_a_method_names_the_method(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        shop(
            """
            from django.dispatch import receiver
            from shop.signals import order_placed

            class Handlers:
                @receiver(order_placed)
                def on_placed(sender, **kwargs):
                    pass
            """
        )
    )
    assert {(r.handler, r.line, r.def_line) for r in smap.receivers} == {
        ("shop.receivers.Handlers.on_placed", 5, 6)
    }


def test_an_async_def_receiver_is_found(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        shop(
            """
            from django.dispatch import receiver
            from shop.signals import order_placed

            @receiver(order_placed)
            async def on_placed(sender, **kwargs):
                pass

            async def later(sender, **kwargs):
                pass

            order_placed.connect(later)
            """
        )
    )
    assert {(r.handler, r.line, r.def_line, r.kind) for r in smap.receivers} == {
        ("shop.receivers.on_placed", 4, 5, "decorator"),
        ("shop.receivers.later", 11, 8, "connect"),
    }


def test_a_receiver_function_that_is_not_djangos_is_not_a_receiver(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        shop(
            """
            from shop.signals import order_placed
            from mylib.events import receiver

            @receiver(order_placed)
            def on_placed(sender, **kwargs):
                pass

            def other_receiver(x):
                return x

            @other_receiver(order_placed)
            def also(sender, **kwargs):
                pass
            """
        )
    )
    assert smap.receivers == ()


def test_a_locally_defined_receiver_function_is_not_djangos(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        shop(
            """
            from shop.signals import order_placed

            def receiver(signal):
                return lambda f: f

            @receiver(order_placed)
            def on_placed(sender, **kwargs):
                pass
            """
        )
    )
    assert smap.receivers == ()


# -- sig.connect(...) --------------------------------------------------------------------------


def test_a_connect_call_reads_sender_weak_and_dispatch_uid(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        shop(
            """
            from shop.signals import order_placed

            def on_placed(sender, **kwargs):
                pass

            order_placed.connect(on_placed, sender="Order", weak=False, dispatch_uid="placed")
            """
        )
    )
    assert {
        (r.signal, r.handler, r.line, r.def_line, r.kind, r.sender, r.weak, r.dispatch_uid)
        for r in smap.receivers
    } == {(PLACED, "shop.receivers.on_placed", 6, 3, "connect", '"Order"', False, "placed")}


def test_a_connect_call_with_positional_arguments_reads_them(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        shop(
            """
            from shop.signals import order_placed

            def on_placed(sender, **kwargs):
                pass

            order_placed.connect(on_placed, None, True, "uid-1")
            """
        )
    )
    assert {(r.handler, r.sender, r.weak, r.dispatch_uid) for r in smap.receivers} == {
        ("shop.receivers.on_placed", "None", True, "uid-1")
    }


def test_a_connect_call_with_the_handler_as_receiver_keyword_is_found(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        shop(
            """
            from shop.signals import order_placed

            def on_placed(sender, **kwargs):
                pass

            order_placed.connect(receiver=on_placed, dispatch_uid="kw")
            """
        )
    )
    assert {(r.signal, r.handler, r.def_line) for r in smap.receivers} == {
        (PLACED, "shop.receivers.on_placed", 3)
    }


def test_the_line_of_a_connect_receiver_is_the_line_of_connect(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        shop(
            """
            from shop import signals

            def on_placed(sender, **kwargs):
                pass

            (
                signals
                .order_placed
                .connect(
                    on_placed,
                    weak=False,
                )
            )
            """
        )
    )
    assert {(r.line, r.code) for r in smap.receivers} == {(9, ".connect(")}


def test_a_connect_call_inside_a_function_is_found(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        shop(
            """
            from shop.signals import order_placed

            def on_placed(sender, **kwargs):
                pass

            def install():
                order_placed.connect(on_placed)
            """
        )
    )
    assert {(r.signal, r.handler, r.line) for r in smap.receivers} == {
        (PLACED, "shop.receivers.on_placed", 7)
    }


def test_connect_calls_in_appconfig_ready_name_nested_defs_and_lambdas_by_qualname(
    scan_tree: ScanTree,
) -> None:
    smap = scan_tree(
        shop(
            "",
            **{
                "shop/apps.py": """
                    from django.apps import AppConfig

                    class ShopConfig(AppConfig):
                        name = "shop"

                        def ready(self):
                            from django.db.models.signals import post_save
                            from shop import receivers, signals

                            def handler(sender, **kwargs):
                                pass

                            signals.order_placed.connect(handler)
                            signals.order_paid.connect(lambda sender, **kw: None)
                            post_save.connect(receivers.on_saved, sender="shop.Order")
                """,
                "shop/receivers.py": """
                    def on_saved(sender, **kwargs):
                        pass
                """,
            },
        )
    )
    assert {(r.signal, r.handler, r.line, r.def_line) for r in smap.receivers} == {
        (PLACED, "shop.apps.ShopConfig.ready.<locals>.handler", 13, 10),
        (PAID, "shop.apps.ShopConfig.ready.<locals>.<lambda>", 14, 14),
        ("django.db.models.signals.post_save", "shop.receivers.on_saved", 15, 1),
    }


# -- handlers ----------------------------------------------------------------------------------


def test_a_bound_method_handler_on_self_names_the_method_of_the_class(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        shop(
            """
            from shop.signals import order_placed

            class Mailer:
                def install(self):
                    order_placed.connect(self.on_placed)

                def on_placed(self, sender, **kwargs):
                    pass
            """
        )
    )
    assert {(r.handler, r.def_line) for r in smap.receivers} == {
        ("shop.receivers.Mailer.on_placed", 7)
    }


def test_a_handler_from_an_imported_module_is_named_by_its_definition(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        shop(
            """
            import shop.handlers
            import shop.handlers as h
            from shop import handlers
            from shop.signals import order_paid, order_placed

            order_placed.connect(handlers.on_placed)
            order_paid.connect(h.on_paid)
            order_placed.connect(shop.handlers.on_paid, dispatch_uid="again")
            """,
            **{
                "shop/handlers.py": """
                    def on_placed(sender, **kwargs):
                        pass

                    def on_paid(sender, **kwargs):
                        pass
                """
            },
        )
    )
    assert {(r.signal, r.handler, r.def_line) for r in smap.receivers} == {
        (PLACED, "shop.handlers.on_placed", 1),
        (PAID, "shop.handlers.on_paid", 4),
        (PLACED, "shop.handlers.on_paid", 4),
    }


def test_a_method_of_a_module_level_instance_names_the_method_of_its_class(
    scan_tree: ScanTree,
) -> None:
    smap = scan_tree(
        shop(
            """
            from shop.signals import order_placed

            class Mailer:
                def on_placed(self, sender, **kwargs):
                    pass

            mailer = Mailer()
            order_placed.connect(mailer.on_placed)
            """
        )
    )
    assert {(r.handler, r.line, r.def_line) for r in smap.receivers} == {
        ("shop.receivers.Mailer.on_placed", 8, 4)
    }


def test_a_method_of_an_instance_imported_from_another_module_names_its_class(
    scan_tree: ScanTree,
) -> None:
    smap = scan_tree(
        shop(
            """
            from shop.mail import mailer
            from shop.signals import order_placed

            order_placed.connect(mailer.on_placed)
            """,
            **{
                "shop/mail.py": """
                    class Mailer:
                        def on_placed(self, sender, **kwargs):
                            pass

                    mailer = Mailer()
                """
            },
        )
    )
    assert {(r.handler, r.def_line) for r in smap.receivers} == {("shop.mail.Mailer.on_placed", 2)}


def test_a_module_level_lambda_handler_is_named_lambda(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        shop(
            """
            from shop.signals import order_placed

            order_placed.connect(lambda sender, **kw: None, weak=False)
            """
        )
    )
    assert {(r.handler, r.def_line) for r in smap.receivers} == {("shop.receivers.<lambda>", 3)}


def test_a_partial_handler_is_the_wrapped_function(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        shop(
            """
            import functools
            from functools import partial
            from shop.signals import order_paid, order_placed

            def notify(channel, sender, **kwargs):
                pass

            order_placed.connect(functools.partial(notify, "mail"), weak=False)
            order_paid.connect(partial(notify, channel="sms"), weak=False)
            """
        )
    )
    assert {(r.signal, r.handler, r.def_line) for r in smap.receivers} == {
        (PLACED, "shop.receivers.notify", 5),
        (PAID, "shop.receivers.notify", 5),
    }


def test_an_unresolvable_handler_keeps_its_text(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        shop(
            """
            from shop.signals import order_placed

            def install(registry):
                order_placed.connect(registry["placed"], weak=False)
            """
        )
    )
    assert {(r.signal, r.handler, r.def_line) for r in smap.receivers} == {
        (PLACED, 'registry["placed"]', None)
    }


# -- Celery ------------------------------------------------------------------------------------


def test_celery_connect_decorators_are_receivers_of_celery_signals(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        {
            "jobs/__init__.py": "",
            "jobs/hooks.py": """
                from celery import signals
                from celery.signals import task_prerun, task_success

                @task_success.connect
                def on_success(sender=None, result=None, **kwargs):
                    pass

                @task_prerun.connect(sender="jobs.tasks.add", weak=False)
                def on_prerun(sender=None, **kwargs):
                    pass

                @signals.task_failure.connect
                def on_failure(sender=None, **kwargs):
                    pass
            """,
        }
    )
    assert {
        (r.signal, r.handler, r.line, r.def_line, r.kind, r.sender, r.weak) for r in smap.receivers
    } == {
        ("celery.signals.task_success", "jobs.hooks.on_success", 4, 5, "decorator", None, None),
        (
            "celery.signals.task_prerun",
            "jobs.hooks.on_prerun",
            8,
            9,
            "decorator",
            '"jobs.tasks.add"',
            False,
        ),
        ("celery.signals.task_failure", "jobs.hooks.on_failure", 12, 13, "decorator", None, None),
    }
    assert {s.signal: s.framework for s in smap.signals} == {
        "celery.signals.task_success": "celery",
        "celery.signals.task_prerun": "celery",
        "celery.signals.task_failure": "celery",
    }


def test_a_connect_decorator_on_a_custom_celery_signal_is_a_receiver(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        {
            "jobs/__init__.py": "",
            "jobs/signals.py": """
                from celery.utils.dispatch import Signal
                job_done = Signal(name="job_done")
            """,
            "jobs/hooks.py": """
                from jobs.signals import job_done

                @job_done.connect
                def on_done(sender=None, **kwargs):
                    pass
            """,
        }
    )
    assert {(r.signal, r.handler) for r in smap.receivers} == {
        ("jobs.signals.job_done", "jobs.hooks.on_done")
    }


# -- disconnect and look-alikes ----------------------------------------------------------------


def test_a_disconnect_is_recorded_apart_and_never_as_a_receiver(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        shop(
            """
            from django.db.models.signals import post_save
            from shop.signals import order_placed

            def on_placed(sender, **kwargs):
                pass

            order_placed.disconnect(on_placed)
            post_save.disconnect(sender="shop.Order", dispatch_uid="uid")
            """
        )
    )
    assert smap.receivers == ()
    assert {(d.signal, d.handler, d.line, d.sender, d.dispatch_uid) for d in smap.disconnects} == {
        (PLACED, "shop.receivers.on_placed", 7, None, None),
        ("django.db.models.signals.post_save", None, 8, '"shop.Order"', "uid"),
    }


def test_connect_calls_that_are_not_on_signals_are_not_receivers(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        shop(
            """
            import signal
            import socket

            import pymysql
            from sqlalchemy import create_engine
            from shop.signals import order_placed

            def on_term(signum, frame):
                pass

            def run(addr):
                conn = pymysql.connect(host="db", user="root")
                engine = create_engine("sqlite://")
                with engine.connect() as c:
                    c.execute("select 1")
                sock = socket.socket()
                sock.connect(addr)
                signal.signal(signal.SIGTERM, on_term)
                socket.connect(addr)
                order_placed.connect(on_term)
                return conn
            """
        )
    )
    # The file is parsed (it connects to ``order_placed``): the parser tells the rest apart.
    assert {(r.signal, r.line) for r in smap.receivers} == {(PLACED, 20)}
    assert smap.disconnects == ()


def test_receivers_in_test_code_are_marked_test_only(scan_tree: ScanTree) -> None:
    spy = """
        from django.dispatch import receiver
        from shop.signals import order_placed

        @receiver(order_placed)
        def spy(sender, **kwargs):
            pass
    """
    smap = scan_tree(
        shop(
            "",
            **{
                "tests/test_orders.py": spy,
                "shop/tests/helpers.py": spy,
                "shop/test/helpers.py": spy,
                "conftest.py": spy,
                "shop/orders_test.py": spy,
                "shop/tests.py": spy,
                "shop/spy.py": spy,
            },
        )
    )
    assert {(r.path, r.test_only) for r in smap.receivers} == {
        ("tests/test_orders.py", True),
        ("shop/tests/helpers.py", True),
        ("shop/test/helpers.py", True),
        ("conftest.py", True),
        ("shop/orders_test.py", True),
        ("shop/tests.py", True),
        ("shop/spy.py", False),
    }
