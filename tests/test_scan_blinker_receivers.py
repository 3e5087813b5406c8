"""Receivers and send sites of blinker signals in the static map: every connect form, a project's
own connect wrapper, what is not a receiver, and the send forms (issue 16, "Static map")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from blinker_samples import PAID, PLACED, app

from pytest_signaltrace.datafile.check import check_document
from pytest_signaltrace.report.scan_json import scan_to_dict

if TYPE_CHECKING:
    from conftest import ScanTree

    from pytest_signaltrace.model import StaticMap

def rows(smap: StaticMap) -> set[tuple[str | None, str, int, str, str | None]]:
    return {(r.signal, r.handler, r.line, r.kind, r.sender) for r in smap.receivers}


# -- connect forms -------------------------------------------------------------------------------


def test_every_connect_call_is_a_receiver_with_its_sender_and_weakness(
    scan_tree: ScanTree,
) -> None:
    smap = scan_tree(
        app(
            receivers="""
                from app.signals import paid, placed


                def on_placed(sender, **kwargs):
                    pass


                placed.connect(on_placed)
                placed.connect(on_placed, "shop")
                paid.connect(on_placed, weak=False)
                paid.connect(receiver=on_placed, sender="till")
                """
        )
    )
    assert {(r.signal, r.line, r.sender, r.weak) for r in smap.receivers} == {
        (PLACED, 8, None, None),
        (PLACED, 9, '"shop"', None),
        (PAID, 10, None, False),
        (PAID, 11, '"till"', None),
    }
    assert {r.handler for r in smap.receivers} == {"app.receivers.on_placed"}


def test_connect_and_connect_via_decorators_stacked_or_not(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        app(
            receivers="""
                from app import signals
                from app.signals import paid, placed


                @placed.connect
                def on_placed(sender, **kwargs):
                    pass


                @placed.connect_via("shop")
                @signals.paid.connect_via("till", weak=True)
                def on_both(sender, **kwargs):
                    pass
                """
        )
    )
    assert rows(smap) == {
        (PLACED, "app.receivers.on_placed", 5, "decorator", None),
        (PLACED, "app.receivers.on_both", 10, "decorator", '"shop"'),
        (PAID, "app.receivers.on_both", 11, "decorator", '"till"'),
    }
    assert {(r.line, r.def_line, r.weak) for r in smap.receivers} == {
        (5, 6, None),
        (10, 12, None),
        (11, 12, True),
    }


def test_connect_via_applied_by_hand_is_a_connect_with_that_sender(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        app(
            receivers="""
                from app.signals import placed


                def on_placed(sender, **kwargs):
                    pass


                placed.connect_via("shop")(on_placed)
                """
        )
    )
    assert rows(smap) == {(PLACED, "app.receivers.on_placed", 8, "connect", '"shop"')}


def test_handlers_made_by_factories_or_lambdas_are_named_as_well_as_can_be(
    scan_tree: ScanTree,
) -> None:
    smap = scan_tree(
        app(
            receivers="""
                import functools

                from app.signals import paid, placed


                def make_handler(kind):
                    def handler(sender, **kwargs):
                        return kind

                    return handler


                def log(kind, sender, **kwargs):
                    pass


                placed.connect(make_handler("placed"), weak=False)
                placed.connect(lambda sender, **kwargs: None, weak=False)
                paid.connect(functools.partial(log, "paid"), weak=False)
                paid.connect(getattr(object(), "x")(1)[0], weak=False)
                """
        )
    )
    assert {(r.signal, r.handler, r.line) for r in smap.receivers} == {
        (PLACED, "app.receivers.make_handler.<locals>.handler", 17),
        (PLACED, "app.receivers.<lambda>", 18),
        (PAID, "app.receivers.log", 19),
        (PAID, 'getattr(object(), "x")(1)[0]', 20),
    }


def test_connected_to_is_a_receiver_test_only_in_tests_even_in_a_parenthesised_with(
    scan_tree: ScanTree,
) -> None:
    smap = scan_tree(
        app(
            cli="""
                from app.signals import placed


                def on_placed(sender, **kwargs):
                    pass


                def run():
                    with placed.connected_to(on_placed, sender="cli"):
                        pass
                """,
        )
        | {
            "tests/__init__.py": "",
            "tests/test_orders.py": """
                from app.signals import paid, placed


                def test_placed():
                    seen = []

                    def spy(sender, **kwargs):
                        seen.append(sender)

                    with (
                        placed.connected_to(spy),
                        paid.connected_to(spy, sender="till"),
                        placed.muted(),
                    ):
                        placed.send("shop")
                """,
        }
    )
    assert {(r.signal, r.handler, r.line, r.test_only, r.sender) for r in smap.receivers} == {
        (PLACED, "app.cli.on_placed", 9, False, '"cli"'),
        (PLACED, "tests.test_orders.test_placed.<locals>.spy", 11, True, None),
        (PAID, "tests.test_orders.test_placed.<locals>.spy", 12, True, '"till"'),
    }


def test_muted_and_disconnect_are_not_receivers(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        app(
            receivers="""
                from app.signals import placed


                def on_placed(sender, **kwargs):
                    pass


                def quiet():
                    with placed.muted():
                        placed.disconnect(on_placed)
                        placed.disconnect(on_placed, sender="shop")
                """
        )
    )
    assert smap.receivers == ()
    assert smap.unresolved_connects == ()
    assert {(d.signal, d.handler, d.sender) for d in smap.disconnects} == {
        (PLACED, "app.receivers.on_placed", None),
        (PLACED, "app.receivers.on_placed", '"shop"'),
    }


# -- a project's own connect wrapper -------------------------------------------------------------

PLUGINS = """
    import functools


    class Plugin:
        def connect(self, signal, receiver, **connect_kwargs):
            connect_kwargs["weak"] = False
            func = functools.wraps(receiver)(functools.partial(receiver))
            signal.connect(func, **connect_kwargs)
"""


def test_a_wrapper_forwarding_a_signal_to_connect_makes_its_callers_receivers(
    scan_tree: ScanTree,
) -> None:
    smap = scan_tree(
        app(
            plugins=PLUGINS,
            shop="""
                from app import signals
                from app.plugins import Plugin


                class ShopPlugin(Plugin):
                    def init(self):
                        self.connect(signals.placed, self._on_placed)
                        self.connect(signals.paid, self._on_paid, sender="till")
                        self.connect(receiver=self._on_paid, signal=signals.placed)

                    def _on_placed(self, sender, **kwargs):
                        pass

                    def _on_paid(self, sender, **kwargs):
                        pass


                def setup(plugin: ShopPlugin):
                    ShopPlugin().connect(signals.paid, on_any)


                def on_any(sender, **kwargs):
                    pass
                """,
        )
    )
    assert rows(smap) == {
        (PLACED, "app.shop.ShopPlugin._on_placed", 7, "connect", None),
        (PAID, "app.shop.ShopPlugin._on_paid", 8, "connect", '"till"'),
        (PLACED, "app.shop.ShopPlugin._on_paid", 9, "connect", None),
        (PAID, "app.shop.on_any", 19, "connect", None),
    }
    assert {(r.handler, r.def_line) for r in smap.receivers if r.line == 7} == {
        ("app.shop.ShopPlugin._on_placed", 11)
    }
    # The wrapper's own ``signal.connect(func)`` is its callers' receivers, not a mystery.
    assert smap.unresolved_connects == ()


def test_a_wrapper_nothing_calls_through_a_connect_name_stays_an_unresolved_connect(
    scan_tree: ScanTree,
) -> None:
    smap = scan_tree(
        app(
            plugins=PLUGINS,
            shop="""
                from app import signals
                from app.plugins import Plugin


                def on_placed(sender, **kwargs):
                    pass


                def register() -> None:
                    plugin = Plugin()
                    plugin.connect(signals.placed, on_placed)
                """,
        )
        | {"other/__init__.py": "", "other/plugins.py": PLUGINS}
    )
    assert rows(smap) == {(PLACED, "app.shop.on_placed", 11, "connect", None)}
    assert [(u.path, u.line, u.expression) for u in smap.unresolved_connects] == [
        ("other/plugins.py", 8, "signal")
    ]


# -- send sites ----------------------------------------------------------------------------------


def test_send_and_send_async_through_aliases_and_with_the_value_used(
    scan_tree: ScanTree,
) -> None:
    smap = scan_tree(
        app(
            service="""
                from app import signals as sigs
                from app.signals import paid, placed

                notify = placed.send


                def values_from_signal(results):
                    return [value for _, value in results]


                def place(order):
                    notify("shop", order=order)
                    answers = values_from_signal(placed.send(order))
                    return answers, [v for _, v in sigs.paid.send(order)]


                async def pay(order):
                    await paid.send_async("till", order=order)
                """,
        )
    )
    assert {(s.signal, s.line, s.method, s.sender) for s in smap.senders} == {
        (PLACED, 12, "send", '"shop"'),
        (PLACED, 13, "send", "order"),
        (PAID, 14, "send", "order"),
        (PAID, 18, "send_async", '"till"'),
    }
    # A data file holding the map (with its send_async site) is not taken for a corrupt one.
    check_document({"static": scan_to_dict(smap)}, name="the data file")


# -- resolution ----------------------------------------------------------------------------------

STAR_PACKAGE = {
    "app/__init__.py": "",
    "app/signals/__init__.py": """
        from app.signals.core import *
        from app.signals import event
        """,
    "app/signals/core.py": """
        from blinker import Namespace

        _signals = Namespace()

        app_created = _signals.signal("app-created")
        """,
    "app/signals/event/__init__.py": """
        from blinker import Namespace

        _signals = Namespace()

        from app.signals.event.core import *
        from app.signals.event.notes import *
        """,
    "app/signals/event/core.py": """
        from app.signals.event import _signals

        created = _signals.signal("created", '''
        Called when an event is created.
        ''')
        """,
    "app/signals/event/notes.py": """
        from app.signals.event import _signals

        note_added = _signals.signal("note-added")
        """,
}


def test_a_signal_package_star_importing_submodules_that_import_its_namespace_back(
    scan_tree: ScanTree,
) -> None:
    smap = scan_tree(
        {
            **STAR_PACKAGE,
            "app/receivers.py": """
                from app import signals
                from app.signals.event.core import created


                @signals.event.created.connect
                def on_created(sender, **kwargs):
                    pass


                @signals.event.core.created.connect_via("cli")
                def on_created_by_cli(sender, **kwargs):
                    pass


                created.connect(on_created)
                signals.app_created.connect(on_created)
                """,
            "app/service.py": """
                def create():
                    from app import signals

                    signals.event.created.send("shop")
                    signals.event.note_added.send("shop")


                def boot():
                    import app.signals as s

                    s.app_created.send("boot")
                """,
        }
    )
    created = "app.signals.event.core.created"
    assert {(r.signal, r.line) for r in smap.receivers} == {
        (created, 5),
        (created, 10),
        (created, 15),
        ("app.signals.core.app_created", 16),
    }
    assert {(s.signal, s.line) for s in smap.senders} == {
        (created, 4),
        ("app.signals.event.notes.note_added", 5),
        ("app.signals.core.app_created", 11),
    }
    assert {d.signal for d in smap.definitions} == {
        created,
        "app.signals.event.notes.note_added",
        "app.signals.core.app_created",
    }
    assert not smap.dead_receivers


def test_a_signal_sent_nowhere_makes_its_receivers_dead(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        app(
            receivers="""
                from app.signals import paid, placed


                @placed.connect
                def on_placed(sender, **kwargs):
                    pass


                @paid.connect_via("till")
                def on_paid(sender, **kwargs):
                    pass
                """,
            service="""
                from app.signals import placed


                def place():
                    placed.send("shop")
                """,
        )
    )
    assert smap.dead_receivers == {("app/receivers.py", 9, PAID)}
