"""Literals libcst's tree refuses though Python's grammar has them (issue 22, item 10): the file
is skipped with a reason, and the rest of the tree is scanned."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pytest_signaltrace.scan.visitor import extract_facts

if TYPE_CHECKING:
    from conftest import ScanTree

SIGNALS = "from django.dispatch import Signal\n\norder_placed = Signal()\n"
SEND = "from shop.signals import order_placed\n\norder_placed.send(sender=None)\n"


@pytest.mark.parametrize(
    "literal",
    ['"" b""', 'b"a" "b"', 'f"{x}" b""', '"a" rb"b"', '(b"a"\n    "b")'],
)
def test_implicit_str_and_bytes_concatenation_skips_only_its_file(
    scan_tree: ScanTree, literal: str
) -> None:
    smap = scan_tree(
        {
            "shop/__init__.py": "",
            "shop/signals.py": SIGNALS,
            "shop/odd.py": f"from shop.signals import order_placed\n\n"
            f"order_placed.send(sender={literal})\n",
            "shop/fine.py": SEND,
        }
    )
    assert [(s.path, s.reason.split(":")[0]) for s in smap.files_skipped] == [
        ("shop/odd.py", "the parser cannot handle it")
    ]
    assert [(s.path, s.line) for s in smap.senders] == [("shop/fine.py", 3)]


def test_a_refused_literal_the_cut_leaves_out_costs_nothing() -> None:
    # The literal sits in a statement with no signal text: the cut leaves it out. Parsing every
    # statement meets it, and gives a reason instead of a crash.
    source = b'x = "" b""\nfrom shop.signals import order_placed\norder_placed.send(sender=1)\n'
    cut = extract_facts(source, "shop.odd", "shop/odd.py", is_package=False, test_only=False)
    assert cut.error is None
    assert [s.line for s in cut.senders] == [3]
    whole = extract_facts(
        source, "shop.odd", "shop/odd.py", is_package=False, test_only=False, prune=False
    )
    assert whole.error is not None
    assert whole.error.startswith("the parser cannot handle it")
