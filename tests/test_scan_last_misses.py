"""The last static misses on real projects (issue 22, items 22 to 24): each on a snippet."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pytest_signaltrace.scan import prefilter

if TYPE_CHECKING:
    from conftest import ScanTree

SIGNALS = """
    from django.dispatch import Signal

    some_signal = Signal()
    other_signal = Signal()
"""
RECEIVER = """
    from django.dispatch import receiver

    from shop.signals import some_signal

    @receiver(some_signal)
    def on_some(sender, **kwargs):
        pass
"""
MIXIN = """
    class SendMixin:
        x_signal = None

        def fire(self, request):
            self.x_signal.send(request, user=request.user)
"""


@pytest.mark.parametrize(
    "header",
    [
        "class Sub(SendMixin,\n          Other):",
        "class Sub(\n    SendMixin,  # sends (see fire)\n    Other,\n):",
        "class Sub(  # the mixin (below)\n    SendMixin, Other\n):",
    ],
)
def test_a_mixin_send_set_by_a_subclass_in_another_module_is_reported_with_its_signal(
    scan_tree: ScanTree, header: str
) -> None:
    views = (
        "from shop.mixins import SendMixin\nfrom shop.signals import some_signal\n\n\n"
        f"class Other:\n    pass\n\n\n{header}\n    x_signal = some_signal\n"
    )
    smap = scan_tree(
        {
            "shop/__init__.py": "",
            "shop/signals.py": SIGNALS,
            "shop/receivers.py": RECEIVER,
            "shop/mixins.py": MIXIN,
            "shop/views.py": views,
        }
    )
    assert [(s.path, s.line, s.signal) for s in smap.senders] == [
        ("shop/mixins.py", 5, "shop.signals.some_signal")
    ]
    assert smap.dead_receivers == frozenset()


def test_a_mixin_send_set_to_different_signals_has_them_all_as_candidates(
    scan_tree: ScanTree,
) -> None:
    views = """
        from shop.mixins import SendMixin
        from shop.signals import other_signal, some_signal


        class One(SendMixin,
                  object):
            x_signal = some_signal


        class Two(
            SendMixin,
        ):
            x_signal = other_signal
    """
    smap = scan_tree(
        {
            "shop/__init__.py": "",
            "shop/signals.py": SIGNALS,
            "shop/mixins.py": MIXIN,
            "shop/views.py": views,
        }
    )
    assert [(s.signal, s.signal_candidates) for s in smap.senders] == [
        (None, ("shop.signals.other_signal", "shop.signals.some_signal"))
    ]


def test_class_base_words_skip_comments_in_a_multi_line_header() -> None:
    data = b"class Sub(  # see (docs)\n    SendMixin,  # (x)\n    Other,\n):\n    pass\n"
    assert prefilter.class_base_words(data) == {"SendMixin", "Other"}
    assert prefilter.subclasses_any(data, {"SendMixin"})


def test_a_self_attribute_connect_overridden_by_subclasses_is_one_row_per_signal(
    scan_tree: ScanTree,
) -> None:
    smap = scan_tree(
        {
            "shop/__init__.py": "",
            "shop/signals.py": SIGNALS,
            "shop/base.py": """
                class Listener:
                    signal = None

                    def ready(self):
                        self.signal.connect(self.handle)

                    def handle(self, sender, **kwargs):
                        pass
            """,
            "shop/listeners.py": """
                from shop.base import Listener
                from shop.signals import other_signal, some_signal

                class OnSome(Listener):
                    signal = some_signal

                class OnOther(Listener):
                    signal = other_signal
            """,
        }
    )
    assert {(r.path, r.line, r.signal, r.handler) for r in smap.receivers} == {
        ("shop/base.py", 5, "shop.signals.some_signal", "shop.base.Listener.handle"),
        ("shop/base.py", 5, "shop.signals.other_signal", "shop.base.Listener.handle"),
    }
    assert smap.unresolved_connects == ()


@pytest.mark.parametrize(
    "partial_import", ["from functools import partial", "import functools as ft"]
)
def test_a_partial_bound_to_a_name_then_connected_is_named_by_its_handler(
    scan_tree: ScanTree, partial_import: str
) -> None:
    call = "partial" if partial_import.endswith("partial") else "ft.partial"
    smap = scan_tree(
        {
            "shop/__init__.py": "",
            "shop/signals.py": SIGNALS,
            "shop/apps.py": f"""
                {partial_import}

                from shop.signals import some_signal


                def handler(sender, tag, **kwargs):
                    pass


                def ready():
                    cb = {call}(handler, tag="x")
                    some_signal.connect(cb, weak=False)
            """,
        }
    )
    assert [(r.handler, r.def_path, r.def_line) for r in smap.receivers] == [
        ("shop.apps.handler", "shop/apps.py", 6)
    ]


def test_a_subclass_of_a_subclass_in_a_file_without_signal_text_is_found(
    scan_tree: ScanTree,
) -> None:
    smap = scan_tree(
        {
            "shop/__init__.py": "",
            "shop/signals.py": SIGNALS,
            "shop/mixins.py": MIXIN,
            "shop/base.py": "from shop.mixins import SendMixin\n\n\n"
            "class BaseView(SendMixin):\n    pass\n",
            "shop/views.py": "from shop.base import BaseView\nfrom shop.signals import some_signal"
            "\n\n\nclass Sub(\n    BaseView,\n):\n    x_signal = some_signal\n",
        }
    )
    assert [(s.path, s.signal) for s in smap.senders] == [
        ("shop/mixins.py", "shop.signals.some_signal")
    ]
