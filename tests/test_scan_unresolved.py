"""``.connect(...)`` on objects the scan cannot tell are signals: reported apart, not receivers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_signaltrace.model import StaticMap
from pytest_signaltrace.report.scan_json import scan_to_dict

if TYPE_CHECKING:
    from conftest import ScanTree

SIGNALS = """
    from django.dispatch import Signal

    order_placed = Signal()
"""


def unresolved(smap: StaticMap) -> set[tuple[str, int, str, str]]:
    return {(c.path, c.line, c.handler, c.expression) for c in smap.unresolved_connects}


def test_connect_on_a_function_parameter_is_an_unresolved_connect(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        {
            "shop/__init__.py": "",
            "shop/signals.py": SIGNALS,
            "shop/registry.py": """
                def on_any(sender, **kwargs):
                    pass

                def register(signal, handler):
                    signal.connect(handler)

                def register_default(hook):
                    hook.connect(on_any)
            """,
        }
    )
    assert smap.receivers == ()
    assert unresolved(smap) == {
        ("shop/registry.py", 5, "handler", "signal"),
        ("shop/registry.py", 8, "shop.registry.on_any", "hook"),
    }


def test_connect_on_self_or_super_inside_a_signal_class_is_an_unresolved_connect(
    scan_tree: ScanTree,
) -> None:
    smap = scan_tree(
        {
            "shop/__init__.py": "",
            "shop/signals.py": """
                from django.dispatch import Signal

                class LoggedSignal(Signal):
                    def connect(self, receiver, sender=None, weak=True, dispatch_uid=None):
                        return super().connect(receiver, sender=sender, weak=weak)

                    def connect_all(self, receivers):
                        for receiver in receivers:
                            self.connect(receiver)

                placed = LoggedSignal()
            """,
        }
    )
    assert smap.receivers == ()
    assert unresolved(smap) == {
        ("shop/signals.py", 5, "receiver", "super()"),
        ("shop/signals.py", 9, "receiver", "self"),
    }


def test_connect_with_signal_keywords_on_an_unknown_object_is_unresolved_not_a_null_receiver(
    scan_tree: ScanTree,
) -> None:
    smap = scan_tree(
        {
            "shop/__init__.py": "",
            "shop/signals.py": SIGNALS,
            "shop/apps.py": """
                from shop import signals

                def on_placed(sender, **kwargs):
                    pass

                def ready(registry):
                    registry.lookup("placed").connect(on_placed, dispatch_uid="placed")
                    signals.order_placed.connect(on_placed)
            """,
        }
    )
    assert {(r.signal, r.line) for r in smap.receivers} == {("shop.signals.order_placed", 8)}
    assert all(r.signal is not None for r in smap.receivers)
    assert unresolved(smap) == {
        ("shop/apps.py", 7, "shop.apps.on_placed", 'registry.lookup("placed")')
    }


def test_look_alikes_are_neither_receivers_nor_unresolved_connects(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        {
            "shop/__init__.py": "",
            "shop/signals.py": SIGNALS,
            "shop/db.py": """
                import socket

                import pymysql
                import sqlite3
                from sqlalchemy import create_engine
                from shop.signals import order_placed

                DB_PATH = "db.sqlite"

                def run(addr, dsn):
                    conn = pymysql.connect(host="db", user="root")
                    other = pymysql.connect(dsn)
                    lite = sqlite3.connect(DB_PATH)
                    engine = create_engine("sqlite://")
                    with engine.connect() as c:
                        c.execute("select 1")
                    sock = socket.socket()
                    sock.connect(addr)
                    order_placed.send(sender=None)
                    return conn, other, lite
            """,
        }
    )
    assert smap.receivers == ()
    assert smap.unresolved_connects == ()


def test_an_unresolved_receiver_decorator_is_an_unresolved_connect(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        {
            "shop/__init__.py": "",
            "shop/signals.py": SIGNALS,
            "shop/receivers.py": """
                from django.dispatch import receiver
                from shop.signals import order_placed

                HOOKS = {}

                @receiver(HOOKS["placed"])
                def on_hook(sender, **kwargs):
                    pass

                @receiver(order_placed)
                def on_placed(sender, **kwargs):
                    pass
            """,
        }
    )
    assert {r.handler for r in smap.receivers} == {"shop.receivers.on_placed"}
    assert unresolved(smap) == {
        ("shop/receivers.py", 6, "shop.receivers.on_hook", 'HOOKS["placed"]')
    }


def test_unresolved_connects_are_in_the_scan_json(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        {
            "shop/__init__.py": "",
            "shop/signals.py": SIGNALS,
            "shop/tests/helpers.py": """
                def listen(signal, spy):
                    signal.connect(spy)
            """,
        }
    )
    document = json.loads(json.dumps(scan_to_dict(smap)))
    assert document["unresolved_connects"] == [
        {
            "path": "shop/tests/helpers.py",
            "line": 2,
            "handler": "spy",
            "expression": "signal",
            "code": "signal.connect(spy)",
            "test_only": True,
        }
    ]


def test_unresolved_connects_survive_the_data_file_and_reach_the_merged_json(
    scan_tree: ScanTree, tmp_path: Path
) -> None:
    from pytest_signaltrace.datafile.data import static_map_from_dict
    from pytest_signaltrace.merge.merge import PathMapper, build_report
    from pytest_signaltrace.report.json_report import report_to_dict
    from pytest_signaltrace.trace.model import Trace

    smap = scan_tree(
        {
            "shop/__init__.py": "",
            "shop/registry.py": """
                def register(signal, handler):
                    signal.connect(handler, weak=False)
            """,
        }
    )
    again = static_map_from_dict(json.loads(json.dumps(scan_to_dict(smap))))
    assert again.unresolved_connects == smap.unresolved_connects != ()
    report = build_report(again, Trace(), PathMapper(tmp_path, [tmp_path]))
    assert [c["expression"] for c in report_to_dict(report)["unresolved_connects"]] == ["signal"]
    # A static map written before unresolved connects existed reads as having none.
    old = scan_to_dict(smap)
    del old["unresolved_connects"]
    assert static_map_from_dict(old).unresolved_connects == ()
