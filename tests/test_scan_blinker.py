"""The static map of blinker (and Flask) signals: definitions, signals made by name, Flask's own
signals, and what the scan resolves them through (issue 16, "Static map")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_signaltrace.scan import catalogue, prefilter

if TYPE_CHECKING:
    from conftest import ScanTree

    from pytest_signaltrace.model import StaticMap


def definitions(smap: StaticMap) -> set[tuple[str, str, int, str]]:
    return {(d.signal, d.path, d.line, d.framework) for d in smap.definitions}


# -- definitions ---------------------------------------------------------------------------------


def test_signal_and_named_signal_instances_are_blinker_definitions(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        {
            "app/__init__.py": "",
            "app/signals.py": """
                import blinker
                from blinker import NamedSignal, Signal
                from blinker.base import Signal as BaseSignal

                placed = Signal()
                shipped = NamedSignal("shipped")
                paid = blinker.Signal("doc")
                refunded = BaseSignal()
                """,
        }
    )
    assert definitions(smap) == {
        ("app.signals.placed", "app/signals.py", 5, "blinker"),
        ("app.signals.shipped", "app/signals.py", 6, "blinker"),
        ("app.signals.paid", "app/signals.py", 7, "blinker"),
        ("app.signals.refunded", "app/signals.py", 8, "blinker"),
    }


def test_a_namespace_signal_is_named_where_it_is_held(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        {
            "app/__init__.py": "",
            "app/signals.py": """
                from blinker import Namespace

                _signals = Namespace()

                created = _signals.signal("created")
                deleted = _signals.signal(
                    "deleted",
                    doc='''Sent when an object is deleted.''',
                )
                inline = Namespace().signal("inline")


                class Hooks:
                    ready = _signals.signal("ready")
                """,
        }
    )
    assert definitions(smap) == {
        ("app.signals.created", "app/signals.py", 5, "blinker"),
        ("app.signals.deleted", "app/signals.py", 6, "blinker"),
        ("app.signals.inline", "app/signals.py", 10, "blinker"),
        ("app.signals.Hooks.ready", "app/signals.py", 14, "blinker"),
    }


def test_a_namespace_shared_across_modules_and_imported_back_from_a_package(
    scan_tree: ScanTree,
) -> None:
    smap = scan_tree(
        {
            "app/__init__.py": "",
            "app/signals/__init__.py": """
                from blinker import Namespace

                _signals = Namespace()

                from app.signals.core import *
                """,
            "app/signals/core.py": """
                from app.signals import _signals

                created = _signals.signal("created")
                """,
            "app/signals/other.py": """
                from . import _signals as ns

                moved = ns.signal("moved")
                """,
        }
    )
    assert definitions(smap) == {
        ("app.signals.core.created", "app/signals/core.py", 3, "blinker"),
        ("app.signals.other.moved", "app/signals/other.py", 3, "blinker"),
    }


def test_subclasses_of_namespace_and_signal_make_signals(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        {
            "app/__init__.py": "",
            "app/base.py": """
                import blinker


                class AppNamespace(blinker.Namespace):
                    pass


                class LoudSignal(blinker.Signal):
                    pass
                """,
            "app/signals.py": """
                from app.base import AppNamespace, LoudSignal

                ns = AppNamespace()
                made = ns.signal("made")
                loud = LoudSignal()
                """,
        }
    )
    assert definitions(smap) == {
        ("app.signals.made", "app/signals.py", 4, "blinker"),
        ("app.signals.loud", "app/signals.py", 5, "blinker"),
    }


def test_signals_made_by_name_are_one_signal_with_a_definition_row_per_site(
    scan_tree: ScanTree,
) -> None:
    smap = scan_tree(
        {
            "app/__init__.py": "",
            "app/a.py": """
                import blinker

                placed = blinker.signal("order-placed")
                """,
            "app/b.py": """
                from blinker import default_namespace, signal

                placed_too = signal("order-placed")
                also = default_namespace.signal("order-placed")
                other = signal("other", doc="another")
                """,
            "app/c.py": """
                from app.b import also

                def place():
                    also.send("shop")
                """,
        }
    )
    assert definitions(smap) == {
        ("blinker:order-placed", "app/a.py", 3, "blinker"),
        ("blinker:order-placed", "app/b.py", 3, "blinker"),
        ("blinker:order-placed", "app/b.py", 4, "blinker"),
        ("blinker:other", "app/b.py", 5, "blinker"),
    }
    assert [(s.signal, s.path) for s in smap.senders] == [("blinker:order-placed", "app/c.py")]
    infos = {s.signal: (s.status, s.framework, s.category) for s in smap.signals}
    assert infos["blinker:order-placed"] == ("no_receivers", "blinker", "custom")
    assert infos["blinker:other"] == ("unused", "blinker", "custom")


def test_a_signal_made_by_name_where_it_is_used_is_that_signal(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        {
            "app/__init__.py": "",
            "app/signals.py": """
                from blinker import signal

                placed = signal("placed")
                """,
            "app/handlers.py": """
                import blinker
                from blinker import signal


                def on_placed(sender, **kwargs):
                    pass


                signal("placed").connect(on_placed)


                @blinker.signal("placed").connect
                def on_placed_too(sender, **kwargs):
                    pass


                def place():
                    blinker.signal("placed").send("shop")
                """,
        }
    )
    assert {(r.signal, r.handler) for r in smap.receivers} == {
        ("blinker:placed", "app.handlers.on_placed"),
        ("blinker:placed", "app.handlers.on_placed_too"),
    }
    assert [(s.signal, s.line) for s in smap.senders] == [("blinker:placed", 18)]
    assert not smap.dead_receivers


def test_only_a_literal_name_given_to_a_signal_maker_is_a_definition(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        {
            "app/__init__.py": "",
            "app/signals.py": """
                import signal as os_signal

                from blinker import signal

                NAME = "x"
                made = signal(NAME)
                previous = os_signal.signal(os_signal.SIGTERM, os_signal.SIG_DFL)
                handler = os_signal.signal(os_signal.SIGINT, "ignored")
                named = signal(name="named")
                """,
        }
    )
    assert definitions(smap) == {("blinker:named", "app/signals.py", 9, "blinker")}


# -- Flask's own signals -------------------------------------------------------------------------


def test_flasks_signals_are_built_in_under_flask_signals() -> None:
    builtin = catalogue.builtin_signals()
    names = [
        "template_rendered",
        "before_render_template",
        "request_started",
        "request_finished",
        "request_tearing_down",
        "got_request_exception",
        "appcontext_tearing_down",
        "appcontext_pushed",
        "appcontext_popped",
        "message_flashed",
    ]
    for name in names:
        assert builtin[f"flask.signals.{name}"] == "blinker"
        assert catalogue.canonical_builtin(f"flask.{name}") == f"flask.signals.{name}"
    assert catalogue.framework_of_signal("blinker:anything.at-all") == "blinker"
    assert catalogue.framework_of_signal("flask_login.signals.user_logged_in") != "blinker"


def test_flasks_signals_are_known_however_they_are_imported(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        {
            "app/__init__.py": "",
            "app/hooks.py": """
                import flask
                from flask import request_started, template_rendered
                from flask.signals import got_request_exception


                def on_start(sender, **extra):
                    pass


                request_started.connect(on_start)


                @template_rendered.connect_via(flask.current_app)
                def on_render(sender, template, context, **extra):
                    pass


                flask.signals.message_flashed.connect(on_start)
                got_request_exception.connect(on_start, weak=False)
                flask.appcontext_pushed.connect(on_start)
                """,
        }
    )
    assert {(r.signal, r.handler, r.kind) for r in smap.receivers} == {
        ("flask.signals.request_started", "app.hooks.on_start", "connect"),
        ("flask.signals.template_rendered", "app.hooks.on_render", "decorator"),
        ("flask.signals.message_flashed", "app.hooks.on_start", "connect"),
        ("flask.signals.got_request_exception", "app.hooks.on_start", "connect"),
        ("flask.signals.appcontext_pushed", "app.hooks.on_start", "connect"),
    }
    infos = {s.signal: (s.framework, s.category) for s in smap.signals}
    assert infos["flask.signals.request_started"] == ("blinker", "builtin")
    assert not smap.dead_receivers


def test_the_prefilter_keeps_a_file_that_only_makes_a_signal_by_name() -> None:
    assert prefilter.may_define(b'x = signal("x")')
    assert prefilter.may_define(b"x = ns.signal('x')")
    assert prefilter.may_define(b"x = ns.signal(\n    'x',\n)")
    assert prefilter.may_define(b'x=signal(name="x")')
    assert not prefilter.may_define(b"signal.signal(signal.SIGTERM, handler)")
    assert not prefilter.may_define(b"emit_post_migrate_signal(\n    verbosity)")
