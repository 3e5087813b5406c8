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
