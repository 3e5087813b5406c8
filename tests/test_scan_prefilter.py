"""The byte-level prefilter: which files are worth parsing."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import pytest

from pytest_signaltrace.scan import prefilter

if TYPE_CHECKING:
    from conftest import ScanTree

KNOWN = prefilter.builtin_names() | {b"order_placed"}


def source(text: str) -> bytes:
    return textwrap.dedent(text).encode()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("order_placed = Signal()", True),
        ("stock = ModelSignal(use_caching=True)", True),
        ("class Hook(Signal):\n    pass", True),
        ("from django.dispatch import Signal", False),
        ("signal.signal(signal.SIGTERM, handler)", False),
    ],
)
def test_a_file_may_define_a_signal_when_it_calls_or_subclasses_a_signal_class(
    text: str, expected: bool
) -> None:
    assert prefilter.may_define(source(text)) is expected


@pytest.mark.parametrize(
    "text",
    [
        "order_placed.send(sender=None)",
        "post_save.connect(handler)",
        "from shop import signals\nsignals.anything.send_robust(x)",
        "from . import signals\nsignals.anything.send_robust(x)",
        "from shop.signals import anything\nanything.send(x)",
        "from shop.events import placed\nplaced.send(x)",
        "from shop.events import (\n    a,\n    placed,\n)\nplaced.send(x)",
        "from shop.events import placed as p\np.send(x)",
        # An import after another statement on its line, or in a one-line compound statement.
        "x = 1; from shop.events import placed\nplaced.send(x)",
        "pass;from shop.events import placed\nplaced.send(x)",
        "if TYPE_CHECKING: from shop.events import placed\nplaced.send(x)",
        "try: from shop.events import placed\nexcept ImportError: pass\nplaced.send(x)",
        "s = 'from a import b'; from shop.events import placed\nplaced.send(x)",
        "x = 1; from shop.events import placed; y = 2\nplaced.send(x)",
        "from shop import events\nevents.placed.send(x)",
        "@receiver(post_save)\ndef f(sender, **kw): pass",
        "from django import dispatch\nx = dispatch.receiver(sig)(f)",
        "self.other.send(sender=self)",
        "self.hooks.connect(handler, dispatch_uid='x')",
        "await order_placed.asend(sender=None)",
        "order_placed.disconnect(handler)",
    ],
)
def test_a_file_that_may_use_a_signal_is_a_candidate(text: str) -> None:
    data = source(text)
    assert prefilter.may_use(data)
    assert prefilter.uses_known_signal(data, KNOWN)


@pytest.mark.parametrize(
    "text",
    [
        "notifier.send(msg)",
        "send_mail('subject', 'body', 'a@b.c', ['d@e.f'])",
        "import pymysql\nconn = pymysql.connect(host='db')",
        "import pymysql as db\nconn = db.connect(host='db')",
        "import socket\nsocket.connect(addr)",
        "with engine.connect() as c:\n    pass",
        "sock.connect(addr)",
        "signal.signal(signal.SIGTERM, handler)",
        "self.client.send(data)",
        "x = 1",
    ],
)
def test_a_file_with_only_look_alikes_is_not_a_candidate(text: str) -> None:
    data = source(text)
    assert not (prefilter.may_use(data) and prefilter.uses_known_signal(data, KNOWN))


def test_only_candidate_files_are_parsed(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        {
            "shop/__init__.py": "",
            "shop/signals.py": """
                from django.dispatch import Signal
                order_placed = Signal()
            """,
            "shop/views.py": """
                from shop.signals import order_placed
                order_placed.send(sender=None)
            """,
            "shop/sms.py": """
                def notify(notifier, msg):
                    notifier.send(msg)
            """,
            "shop/db.py": """
                import pymysql
                conn = pymysql.connect(host="db")
            """,
            "shop/models.py": "class Order:\n    pass\n",
        }
    )
    assert (smap.files_scanned, smap.files_parsed) == (6, 2)
    assert {(s.signal, s.path) for s in smap.senders} == {
        ("shop.signals.order_placed", "shop/views.py")
    }


@pytest.mark.parametrize(
    "text",
    [
        "order_placed = Signal()",
        "placed = ns.signal('placed')",
        "x = signal(\n    'placed')",
        "class Hook(ModelSignal):\n    pass",
        "the_signal('placed')",
        "Signals(x)",
        "order.send_robust(sender=1)",
        "app.connected_to(handler)",
        "@receiver(post_save)\ndef f(): ...",
        "nothing here",
    ],
)
def test_the_probes_answer_as_every_trigger_would(text: str) -> None:
    from pytest_signaltrace.scan import shapes

    data = source(text)
    current = shapes.current()
    assert prefilter.may_define(data) is any(t in data for t in current.define_triggers)
    every_use = [b".send_robust", b".connected_to", b".send_async", b".asend_robust"]
    assert prefilter.may_use(data) is any(t in data for t in [*current.use_triggers, *every_use])
    assert all(any(p in t for p in current.define_probes) for t in current.define_triggers)


def test_innermost_keeps_the_texts_that_hold_no_other() -> None:
    from pytest_signaltrace.scan.shapes import innermost

    assert innermost([b".send_robust", b".send", b".connect", b".send"]) == (b".connect", b".send")


@pytest.mark.parametrize(
    "text",
    [
        b"class A(B): pass",
        b"subclass X(Y)\nclass Z(W): pass",
        b"xclass class Y(Q)",
        b"_class C(D)\n1class E(F)\n\xffclass G(H)",
        b"class A(class B(C)",
        b"class\n  K (L)",
    ],
)
def test_class_statements_are_found_as_a_word_bounded_pattern_finds_them(text: bytes) -> None:
    import re

    bounded = re.compile(rb"\bclass\s+\w+\s*\(")
    found = [m.span() for m in prefilter._class_opens(text)]
    assert found == [m.span() for m in bounded.finditer(text)]
