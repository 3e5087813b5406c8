"""Send sites the scan cannot resolve make the verdicts they could touch "possibly", whatever
their arguments look like (issue 22, items 4 and 26); look-alikes (mail, sockets, channels,
HTTP clients) do not."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_signaltrace.merge.merge import PathMapper, build_report
from pytest_signaltrace.model import ReceiverStatus, SiteRef, StaticMap
from pytest_signaltrace.report.scan_json import scan_to_dict
from pytest_signaltrace.report.scan_markdown import render_scan_markdown
from pytest_signaltrace.scan import scan
from pytest_signaltrace.scan.derive import possibly_dead_receivers
from pytest_signaltrace.trace.model import Trace

if TYPE_CHECKING:
    from conftest import ScanTree

GIFTS = {
    "gifts/__init__.py": "",
    "gifts/signals.py": """
        from django.dispatch import Signal

        gift_wrapped = Signal()
    """,
    "gifts/receivers.py": """
        from django.dispatch import receiver

        from gifts.signals import gift_wrapped

        @receiver(gift_wrapped)
        def on_wrapped(sender, **kwargs):
            pass
    """,
    "gifts/loading.py": """
        import importlib

        def get_class(module, name):
            return getattr(importlib.import_module(module), name)
    """,
}
RECEIVER = ("gifts/receivers.py", 5, "gifts.signals.gift_wrapped")


def dead(smap: StaticMap) -> set[tuple[str, int, str | None]]:
    return set(smap.dead_receivers)


def possibly_dead(smap: StaticMap) -> set[tuple[str, int, str | None]]:
    return set(possibly_dead_receivers(smap.receivers, smap.signals))


def unresolved_sends(smap: StaticMap) -> set[tuple[str, int, str]]:
    return {(s.path, s.line, s.expression) for s in smap.senders if s.signal is None}


@pytest.mark.parametrize(
    ("name", "views"),
    [
        (
            "a project's class-loading helper",
            """
            from gifts.loading import get_class

            gift_wrapped = get_class("gifts.signals", "gift_wrapped")

            def wrap(request):
                gift_wrapped.send(request)
            """,
        ),
        (
            "getattr on the signals module",
            """
            from gifts import signals

            def wrap(request, kind):
                getattr(signals, kind).send(request, kind=kind)
            """,
        ),
        (
            "a parameter, the sender by position, in a file with no other signal text",
            """
            def wrap(sig, view):
                sig.send(view, gift=1)
            """,
        ),
        (
            "a dict of signals",
            """
            from gifts.signals import gift_wrapped

            SIGNALS = {"wrapped": gift_wrapped}

            def wrap(request, kind):
                SIGNALS[kind].send(request)
            """,
        ),
    ],
)
def test_a_send_the_scan_cannot_resolve_makes_its_receivers_possibly_dead_not_dead(
    scan_tree: ScanTree, name: str, views: str
) -> None:
    smap = scan_tree(GIFTS | {"gifts/views.py": views})
    assert [s.path for s in smap.senders] == ["gifts/views.py"], name
    assert dead(smap) == set(), name
    assert possibly_dead(smap) == {RECEIVER}, name


@pytest.mark.parametrize(
    "views",
    [
        "def wrap(mail, sock):\n    mail.send(1)\n    sock.send(b'x')\n",
        "from django.core.mail import EmailMessage\n\n"
        "def wrap():\n    EmailMessage('hi', 'body', to=['a@b.c']).send(False)\n",
        "from channels.layers import get_channel_layer\n\n"
        "async def wrap():\n    await get_channel_layer().send('chat', {})\n",
        "import requests\n\ndef wrap(prepared):\n    requests.Session().send(prepared)\n",
        "from channels.generic.websocket import WebsocketConsumer\n\n"
        "class Chat(WebsocketConsumer):\n    def receive(self, text_data):\n"
        "        self.send(text_data)\n",
        "class Mailer:\n    def send(self, to):\n        pass\n\n"
        "def wrap():\n    Mailer().send('a@b.c')\n",
        "def wrap(self):\n    self.client.send(1)\n    self.channel_layer.send(2)\n"
        "    gen = iter([])\n    gen.send(None)\n",
    ],
)
def test_look_alikes_of_a_send_leave_a_dead_receiver_dead(scan_tree: ScanTree, views: str) -> None:
    smap = scan_tree(GIFTS | {"gifts/views.py": views})
    assert unresolved_sends(smap) == set()
    assert dead(smap) == {RECEIVER}


def test_a_project_without_signals_has_no_unresolved_send_sites(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        {"app/__init__.py": "", "app/net.py": "def push(target, data):\n    target.send(data)\n"}
    )
    assert smap.senders == ()


TWO_MODULES = GIFTS | {
    "gifts/other.py": """
        from django.dispatch import Signal

        ribbon_cut = Signal()
    """,
    "gifts/more.py": """
        from django.dispatch import receiver

        from gifts.other import ribbon_cut

        @receiver(ribbon_cut)
        def on_cut(sender, **kwargs):
            pass
    """,
}
OTHER_RECEIVER = ("gifts/more.py", 5, "gifts.other.ribbon_cut")


@pytest.mark.parametrize(
    ("views", "candidates"),
    [
        (
            """
            from gifts.loading import get_class

            gift_wrapped = get_class("gifts.signals", "gift_wrapped")

            def wrap(request):
                gift_wrapped.send(request)
            """,
            ("gifts.signals.gift_wrapped",),
        ),
        (
            # Helpers such as django-oscar's name the module by its app label.
            """
            from oscar.core.loading import get_class

            def wrap(request):
                get_class("signals", "gift_wrapped").send(request)
            """,
            ("gifts.signals.gift_wrapped",),
        ),
        (
            """
            from gifts import signals

            def wrap(request, kind):
                getattr(signals, kind).send(request)
            """,
            ("gifts.signals.gift_wrapped",),
        ),
    ],
)
def test_a_send_whose_candidates_are_known_touches_only_them(
    scan_tree: ScanTree, views: str, candidates: tuple[str, ...]
) -> None:
    smap = scan_tree(TWO_MODULES | {"gifts/views.py": views})
    assert [(s.signal, s.signal_candidates) for s in smap.senders] == [(None, candidates)]
    assert possibly_dead(smap) == {RECEIVER}
    assert dead(smap) == {OTHER_RECEIVER}


def test_getattr_with_a_literal_name_is_that_signal(scan_tree: ScanTree) -> None:
    views = """
        from gifts import signals

        def wrap(request):
            getattr(signals, "gift_wrapped").send(request)
    """
    smap = scan_tree(TWO_MODULES | {"gifts/views.py": views})
    assert [s.signal for s in smap.senders] == ["gifts.signals.gift_wrapped"]
    assert possibly_dead(smap) == set()
    assert dead(smap) == {OTHER_RECEIVER}


@pytest.mark.parametrize(
    ("name", "files", "options"),
    [
        (
            "unparsable",
            {"gifts/views.py": "from gifts.signals import gift_wrapped\ngift_wrapped.send(None\n"},
            {},
        ),
        (
            "too large",
            {"gifts/views.py": "from gifts.signals import gift_wrapped\ngift_wrapped.send(None)\n"
             + "# padding\n" * 200},
            {"max_file_size": 1000},
        ),
        (
            "not valid in its encoding",
            {"gifts/views.py": b"# \xff\nfrom gifts.signals import gift_wrapped\n"},
            {},
        ),
    ],
)
def test_a_skipped_file_that_may_send_makes_every_unsent_signal_possibly_sent(
    scan_tree: ScanTree, name: str, files: dict[str, str | bytes], options: dict[str, int]
) -> None:
    smap = scan_tree(GIFTS | files, **options)
    assert [(s.path, s.may_send) for s in smap.files_skipped] == [("gifts/views.py", True)], name
    assert dead(smap) == set(), name
    assert possibly_dead(smap) == {RECEIVER}, name
    markdown = render_scan_markdown(smap)
    assert "| `gifts/receivers.py:5` | `gifts/views.py (skipped)` |" in markdown, name
    (signal,) = scan_to_dict(smap)["signals"]
    assert signal["possible_senders"] == [
        {"path": "gifts/views.py", "line": 0, "method": "send", "expression": ""}
    ]


def test_a_skipped_file_that_cannot_send_changes_no_verdict(scan_tree: ScanTree) -> None:
    broken = "from django.dispatch import receiver\n\n@receiver(gift_wrapped\ndef f(): pass\n"
    smap = scan_tree(GIFTS | {"gifts/more.py": broken})
    assert [(s.path, s.may_send) for s in smap.files_skipped] == [("gifts/more.py", False)]
    assert dead(smap) == {RECEIVER}


def test_a_symlink_loop_changes_no_verdict_when_paths_are_relative_to_a_rootdir(
    scan_tree: ScanTree, tmp_path: Path
) -> None:
    """``signaltrace fix`` scans with ``relative_to``: the loop (pytester's ``runpytest-current``
    link) must keep ``may_send=False`` there too, or every dead receiver turns "possibly"."""
    scan_tree(GIFTS)
    root = tmp_path / "src"  # where scan_tree writes
    (root / "loop").symlink_to(root, target_is_directory=True)
    smap = scan([root], relative_to=root)
    assert [(s.path, s.may_send) for s in smap.files_skipped] == [("loop", False)]
    assert dead(smap) == {RECEIVER}


def test_a_python_script_without_a_suffix_is_scanned(scan_tree: ScanTree) -> None:
    script = "#!/usr/bin/env python3\nfrom gifts.signals import gift_wrapped\n\n"
    script += "gift_wrapped.send(None)\n"
    smap = scan_tree(GIFTS | {"bin/wrap_gifts": script, "bin/README": "gift_wrapped.send()\n"})
    assert [(s.path, s.line, s.signal) for s in smap.senders] == [
        ("bin/wrap_gifts", 4, "gifts.signals.gift_wrapped")
    ]
    assert dead(smap) == set()
    assert possibly_dead(smap) == set()


def test_the_merged_report_makes_receivers_possibly_dead_for_a_skipped_file(
    scan_tree: ScanTree, tmp_path: Path
) -> None:
    smap = scan_tree(GIFTS | {"gifts/views.py": "gift_wrapped.send(None\n"})
    root = tmp_path / "src"
    report = build_report(smap, Trace(), PathMapper(root, [root]))
    (row,) = report.receivers
    assert (row.status, row.possible_senders) == (
        ReceiverStatus.POSSIBLY_DEAD,
        (SiteRef("gifts/views.py", 0, "send", ""),),
    )
