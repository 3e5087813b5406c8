"""The cut keeps what a statement after ``;`` or after a one-line compound header binds.

A logical line is kept or dropped whole, judged by its first word; ``pass; from . import match``
starts with ``pass``, so the import after the ``;`` was dropped and the signal it names was not
resolved. Each snippet's facts from the cut file must be libcst's on the whole file.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import pytest

from pytest_signaltrace.scan.extract import extract_facts
from pytest_signaltrace.scan.visitor import extract_facts as extract_with_libcst

if TYPE_CHECKING:
    from conftest import ScanTree

SNIPPETS = {
    "an import after a semicolon": """
        x = 1; from .signals import order_placed
        order_placed.send(sender=1)
    """,
    "a relative import after pass": """
        pass;from . import match
        match.placed.send(sender=1)
    """,
    "after a call": """
        print(1); from .signals import order_placed
        order_placed.send(sender=1)
    """,
    "after a string with a semicolon in it": """
        print('a; b'); from .signals import order_placed
        order_placed.send(sender=1)
    """,
    "after a docstring": """
        '''doc''' ; from .signals import order_placed
        order_placed.send(sender=1)
    """,
    "after a backslash continuation": """
        print(1) \\
          ; from .signals import order_placed
        order_placed.send(sender=1)
    """,
    "inside a function that sends": """
        def f():
            x = 1; from .signals import order_placed
            order_placed.send(sender=1)
    """,
    "an alias after a global statement": """
        from shop import signals
        global y; placed = signals.order_placed
        placed.send(sender=1)
    """,
    "an alias after a number": """
        from shop import signals
        x = 1; placed = signals.order_placed
        placed.send(sender=1)
    """,
    "a send bound after a semicolon": """
        from shop import signals
        x = 1; send = signals.order_placed.send
        send(sender=1)
    """,
    "a send bound in a one-line if": """
        from shop import signals
        if True: send = signals.order_placed.send
        send(sender=1)
    """,
    "a send bound in a one-line else": """
        from shop import signals
        if x: pass
        else: send = signals.order_placed.send
        send(sender=1)
    """,
    "a self attribute bound after a semicolon": """
        from shop import signals
        class A:
            def __init__(self):
                x = 1; self.sig = signals.order_placed
            def go(self):
                self.sig.send(sender=1)
    """,
    "a self attribute bound before a semicolon": """
        from shop import signals
        class A:
            def __init__(self):
                self.sig = signals.order_placed; x = 1
            def go(self):
                self.sig.send(sender=1)
    """,
    "a self attribute bound after another name's": """
        from shop import signals
        class A:
            def __init__(self):
                myself.x = y; self.sig = signals.order_placed
            def go(self):
                self.sig.send(sender=1)
    """,
    "a self attribute bound in a one-line if": """
        from shop import signals
        class A:
            def __init__(self):
                if True: self.sig = signals.order_placed
            def go(self):
                self.sig.send(sender=1)
    """,
    "an import in a one-line if": """
        if x: from .signals import order_placed
        order_placed.send(sender=1)
    """,
    "one-line try and except": """
        try: from .signals import order_placed
        except ImportError: pass
        order_placed.send(sender=1)
    """,
    "an import in a one-line with": """
        with ctx: from .signals import order_placed
        order_placed.send(sender=1)
    """,
}


def _facts(text: str, *, prune: bool) -> object:
    source = textwrap.dedent(text).lstrip("\n").encode()
    options = {"is_package": False, "test_only": False}
    if prune:
        return extract_facts(source, "shop.mod", "shop/mod.py", **options)  # type: ignore[arg-type]
    return extract_with_libcst(source, "shop.mod", "shop/mod.py", prune=False, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", SNIPPETS.values(), ids=SNIPPETS.keys())
def test_the_cut_gives_libcsts_facts_of_the_whole_file(text: str) -> None:
    whole = _facts(text, prune=False)
    assert whole.senders  # type: ignore[attr-defined]
    assert whole.senders[0].signal.target != "shop.mod.order_placed"  # type: ignore[attr-defined]
    assert _facts(text, prune=True) == whole


def test_a_semicolon_in_a_string_keeps_nothing_more() -> None:
    from pytest_signaltrace.scan.prune import outline

    text = "print('a; b')\nlog = 'x;y'  # ; here\nfrom shop import signals\n"
    assert outline(text).chunks[0].text.startswith("__signaltrace_imports_0\n")


def test_a_signal_imported_after_a_semicolon_is_resolved(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        {
            "shop/__init__.py": "",
            "shop/signals.py": "from django.dispatch import Signal\n\norder_placed = Signal()\n",
            "shop/views.py": """
                x = 1; from .signals import order_placed

                def place():
                    order_placed.send(sender=None)
            """,
        }
    )
    assert {(s.signal, s.path) for s in smap.senders} == {
        ("shop.signals.order_placed", "shop/views.py")
    }
