"""libcst reads newer grammar than the interpreter, and the cut before parsing changes nothing."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import pytest

from pytest_signaltrace.scan.visitor import extract_facts

if TYPE_CHECKING:
    from conftest import ScanTree

SIGNALS = """
    from django.dispatch import Signal

    order_placed = Signal()
"""


def test_a_file_in_python_3_14_grammar_is_scanned(scan_tree: ScanTree) -> None:
    # ``except A, B:`` (PEP 758) is a syntax error before Python 3.14.
    smap = scan_tree(
        {
            "shop/__init__.py": "",
            "shop/signals.py": SIGNALS,
            "shop/services.py": """
                from shop.signals import order_placed


                def place(order):
                    try:
                        order.save()
                    except ValueError, TypeError:
                        return None
                    order_placed.send(sender=None, order=order)
            """,
        }
    )
    assert smap.files_skipped == ()
    assert [(s.path, s.line, s.signal) for s in smap.senders] == [
        ("shop/services.py", 9, "shop.signals.order_placed")
    ]


def test_type_aliases_and_pep_695_generics_are_scanned(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        {
            "shop/__init__.py": "",
            "shop/signals.py": SIGNALS,
            "shop/receivers.py": """
                from django.dispatch import receiver

                from shop.signals import order_placed

                type Handler = Callable[..., None]


                class Box[T]:
                    def put[U](self, item: U) -> None:
                        order_placed.send(sender=Box, item=item)


                @receiver(order_placed)
                def on_placed[T](sender: type[T], **kwargs: object) -> None: ...
            """,
        }
    )
    assert smap.files_skipped == ()
    assert [(s.line, s.signal) for s in smap.senders] == [(10, "shop.signals.order_placed")]
    assert [(r.line, r.handler, r.def_line) for r in smap.receivers] == [
        (13, "shop.receivers.on_placed", 14)
    ]


PROGRAMS = [
    SIGNALS,
    """
    import functools
    from shop import signals as s

    class Mailer:
        hook = s.order_placed
        def on(self, sender, **kw):
            pass

        def wire(self):
            self.hook.connect(self.on, dispatch_uid="m")
            s.order_placed.connect(functools.partial(self.on, 1), weak=False)

    def unrelated():
        x = [1, 2, 3]
        return sum(x)

    if True:
        from shop.signals import order_placed as placed
    else: pass
    try: placed.send(sender=None)
    except Exception: pass
    """,
    '''
    """A docstring.

    order_placed.send(sender=None)   # not code
    """
    x = """
    def fake(): pass
    """
    @decorator(a=[1,
      2])
    def f(): placed.send_robust(sender=f)
    async def g():
        async with lock: await placed.asend(sender=g)
        return [placed.disconnect(h) for h in hs]
    class C(Signal): ...
    c = C()
    ''',
]


@pytest.mark.parametrize("program", PROGRAMS)
def test_the_cut_finds_what_parsing_everything_finds(program: str) -> None:
    source = textwrap.dedent(program).encode()
    cut = extract_facts(source, "shop.x", "shop/x.py", is_package=False, test_only=False)
    whole = extract_facts(
        source, "shop.x", "shop/x.py", is_package=False, test_only=False, prune=False
    )
    assert cut.error is None
    assert cut == whole


def test_a_send_in_a_lambda_and_an_import_in_a_nested_block_are_found(
    scan_tree: ScanTree,
) -> None:
    # Shapes from wagtail (``transaction.on_commit(lambda: sig.send(...))``) and allauth
    # (the signal imported inside a ``with`` block of the function that sends it).
    smap = scan_tree(
        {
            "shop/__init__.py": "",
            "shop/signals.py": SIGNALS,
            "shop/models.py": """
                from django.db import transaction


                class Page:
                    def save(self, request):
                        with transaction.atomic():
                            from shop.signals import order_placed
                            self.store()
                        transaction.on_commit(
                            lambda: order_placed.send(sender=Page, page=self)
                        )
                        flag = order_placed.send if request else None
            """,
        }
    )
    assert [(s.line, s.signal) for s in smap.senders] == [(10, "shop.signals.order_placed")]


def test_a_multi_line_send_on_the_last_line_without_a_line_end_keeps_its_span() -> None:
    source = b"from shop.signals import s\ns.send(\n    sender=None)"
    facts = extract_facts(source, "shop.x", "shop/x.py", is_package=False, test_only=False)
    assert [(s.line, s.end_line, s.code) for s in facts.senders] == [(2, 3, "s.send(")]
