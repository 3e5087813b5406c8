"""``# pragma: no signal cover`` leaves a receiver out of the numbers, like coverage's pragma."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import ScanTree

SIGNALS = """
    from django.dispatch import Signal, receiver
    from shop.handlers import kept, legacy

    order_placed = Signal()


    @receiver(order_placed)  # pragma: no signal cover
    def on_decorator_line(sender, **kwargs): ...


    @receiver(order_placed)
    def on_def_line(sender, **kwargs):  # Pragma: No Signal Cover
        ...


    order_placed.connect(  # pragma: no signal cover
        kept,
    )
    order_placed.connect(legacy)
    order_placed.connect(kept)


    @receiver(order_placed)
    def counted(sender, **kwargs): ...
"""

HANDLERS = """
    def legacy(sender, **kwargs):  # pragma: no signal cover
        ...


    def kept(sender, **kwargs): ...
"""


def test_the_pragma_excludes_a_receiver_on_its_decorator_def_or_connect_lines(
    scan_tree: ScanTree,
) -> None:
    smap = scan_tree(
        {"shop/__init__.py": "", "shop/signals.py": SIGNALS, "shop/handlers.py": HANDLERS}
    )
    assert {(r.handler.rpartition(".")[2], r.line, r.excluded) for r in smap.receivers} == {
        ("on_decorator_line", 7, True),
        ("on_def_line", 11, True),
        ("kept", 16, True),
        ("legacy", 19, True),
        ("kept", 20, False),
        ("counted", 23, False),
    }


def test_a_pragma_elsewhere_in_the_file_excludes_nothing(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        {
            "shop/__init__.py": "",
            "shop/signals.py": """
                from django.dispatch import Signal, receiver

                order_placed = Signal()  # pragma: no signal cover


                @receiver(order_placed)
                def on_placed(sender, **kwargs): ...
            """,
        }
    )
    assert [r.excluded for r in smap.receivers] == [False]
