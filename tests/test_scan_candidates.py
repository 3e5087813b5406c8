"""Send sites through class attributes, ``self`` attributes, defaults and saved ``send``s."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import ScanTree

    from pytest_signaltrace.model import StaticMap

SIGNALS = """
    from django.dispatch import Signal

    basket_addition = Signal()
    voucher_addition = Signal()
"""


def sends(smap: StaticMap) -> list[tuple[str, int, str | None, tuple[str, ...]]]:
    return [(s.path, s.line, s.signal, s.signal_candidates) for s in smap.senders]


def project(**modules: str) -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {"shop/__init__.py": "", "shop/signals.py": SIGNALS}
    files.update({f"shop/{name}.py": text for name, text in modules.items()})
    return files


def test_a_class_attribute_aliasing_an_imported_signal_is_that_signal(
    scan_tree: ScanTree,
) -> None:
    # django-oscar's basket views.
    smap = scan_tree(
        project(
            views="""
                from django.views.generic import FormView

                from shop.signals import basket_addition


                class BasketAddView(FormView):
                    add_signal = basket_addition

                    def form_valid(self, form):
                        self.add_signal.send(
                            sender=self, product=form.product, user=self.request.user,
                            request=self.request,
                        )
            """
        )
    )
    assert sends(smap) == [("shop/views.py", 10, "shop.signals.basket_addition", ())]


def test_an_attribute_none_on_the_base_and_a_signal_per_subclass_gives_candidates(
    scan_tree: ScanTree,
) -> None:
    smap = scan_tree(
        project(
            base="""
                class AddView:
                    add_signal = None

                    def post(self):
                        self.add_signal.send(sender=self)
            """,
            views="""
                from shop import signals
                from shop.base import AddView


                class BasketView(AddView):
                    add_signal = signals.basket_addition


                class VoucherView(AddView):
                    add_signal = signals.voucher_addition
            """,
        )
    )
    assert sends(smap) == [
        (
            "shop/base.py",
            5,
            None,
            ("shop.signals.basket_addition", "shop.signals.voucher_addition"),
        )
    ]


def test_none_on_the_base_and_one_subclass_signal_is_that_signal(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        project(
            views="""
                from shop.signals import basket_addition


                class AddView:
                    add_signal = None

                    def post(self):
                        self.add_signal.send(sender=self)


                class BasketView(AddView):
                    add_signal = basket_addition
            """
        )
    )
    assert sends(smap) == [("shop/views.py", 8, "shop.signals.basket_addition", ())]


def test_a_class_attribute_connect_is_a_receiver_of_its_signal(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        project(
            wiring="""
                from shop.signals import voucher_addition


                def on_voucher(sender, **kwargs): ...


                class Wiring:
                    hook = voucher_addition

                    def ready(self):
                        self.hook.connect(on_voucher)
            """
        )
    )
    assert [(r.line, r.signal, r.handler) for r in smap.receivers] == [
        (11, "shop.signals.voucher_addition", "shop.wiring.on_voucher")
    ]


def test_self_attribute_set_in_init_is_that_signal(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        project(
            service="""
                from shop.signals import basket_addition as placed


                class Notifier:
                    def __init__(self):
                        self.sig = placed

                    def notify(self, item):
                        self.sig.send(sender=Notifier, item=item)
            """
        )
    )
    assert sends(smap) == [("shop/service.py", 9, "shop.signals.basket_addition", ())]


def test_a_default_argument_is_a_candidate_not_a_certainty(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        project(
            service="""
                from shop.signals import basket_addition


                def notify(item, signal=basket_addition):
                    signal.send(None, item=item)
            """
        )
    )
    assert sends(smap) == [("shop/service.py", 5, None, ("shop.signals.basket_addition",))]


def test_a_bound_send_saved_at_import_and_called_later(scan_tree: ScanTree) -> None:
    # celery's app/trace.py.
    smap = scan_tree(
        {
            "worker/__init__.py": "",
            "worker/trace.py": """
                from celery import signals

                send_prerun = signals.task_prerun.send
                send_success = signals.task_success.send


                def build_tracer(task):
                    def trace_task(uuid, args, kwargs):
                        send_prerun(sender=task, task_id=uuid, task=task,
                                    args=args, kwargs=kwargs)
                        retval = task(*args, **kwargs)
                        send_success(sender=task, result=retval)
                        return retval

                    return trace_task
            """,
        }
    )
    assert [(s.line, s.end_line, s.signal, s.method, s.expression) for s in smap.senders] == [
        (9, 10, "celery.signals.task_prerun", "send", "send_prerun"),
        (12, 12, "celery.signals.task_success", "send", "send_success"),
    ]


def test_a_conditional_bound_send_then_called(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        project(
            service="""
                from shop.signals import voucher_addition


                def apply(voucher):
                    send = voucher_addition.send if voucher_addition.receivers else None
                    if send is not None:
                        send(sender=None, voucher=voucher)
            """
        )
    )
    assert sends(smap) == [("shop/service.py", 7, "shop.signals.voucher_addition", ())]


def test_candidates_are_shown_in_the_scan_json_and_markdown(scan_tree: ScanTree) -> None:
    from pytest_signaltrace.report.scan_json import scan_to_dict
    from pytest_signaltrace.report.scan_markdown import render_scan_markdown

    smap = scan_tree(
        project(
            service="""
                from shop.signals import basket_addition


                def notify(signal=basket_addition):
                    signal.send(None)
            """
        )
    )
    row = scan_to_dict(smap)["senders"][0]
    assert (row["signal"], row["signal_candidates"]) == (None, ["shop.signals.basket_addition"])
    assert "may be `shop.signals.basket_addition`" in render_scan_markdown(smap)
