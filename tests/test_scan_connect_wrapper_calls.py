"""Calls of a project's connect wrapper by any name (issue 16, "Static map"): ``with
listen_to(sig):`` in tests, ``register(sig, fn)``; each call is a receiver of the signal it
passes, handled by the function it passes or by the wrapper's own handler."""

from __future__ import annotations

from textwrap import dedent
from typing import TYPE_CHECKING

from blinker_samples import PAID, PLACED, project

from pytest_signaltrace.scan import scan

if TYPE_CHECKING:
    from pathlib import Path

    from conftest import ScanTree, WriteTree

    from pytest_signaltrace.model import StaticMap

#: Flask-Login's test helper: a context manager that connects a handler of its own.
LISTEN_TO = '''
    @contextmanager
    def listen_to(signal):
        """with listen_to(placed) as heard: (a docstring, not a call)"""

        class _Caught:
            def __init__(self):
                self.heard = []

            def add(self, *args, **kwargs):
                self.heard.append((args, kwargs))

        results = _Caught()
        signal.connect(results.add)
        try:
            yield results
        finally:
            signal.disconnect(results.add)
'''


def rows(smap: StaticMap) -> set[tuple[str | None, str, str, int, bool]]:
    return {(r.signal, r.handler, r.path, r.line, r.test_only) for r in smap.receivers}


def test_each_with_listen_to_call_in_tests_is_a_test_only_receiver_of_its_own_handler(
    scan_tree: ScanTree,
) -> None:
    smap = scan_tree(
        project(
            tests__test_orders=dedent(
                """
                from contextlib import contextmanager

                from app.signals import paid, placed


                def test_placed():
                    with listen_to(placed) as heard:
                        assert heard


                def test_both():
                    with (open("f") as f, listen_to(signal=paid) as heard):
                        pass
                """
            )
            + dedent(LISTEN_TO)
        )
    )
    add = "test_orders.listen_to.<locals>._Caught.add"  # as the trace names the bound method
    assert rows(smap) == {
        (PLACED, add, "tests/test_orders.py", 7, True),
        (PAID, add, "tests/test_orders.py", 12, True),
    }
    assert {(r.def_path, r.def_line, r.kind) for r in smap.receivers} == {
        ("tests/test_orders.py", 23, "connect")
    }
    # The helper's own ``signal.connect(results.add)`` is its callers' receivers, not a mystery.
    assert smap.unresolved_connects == ()


def test_a_wrapper_with_an_inner_function_defined_after_its_calls_in_library_code(
    scan_tree: ScanTree,
) -> None:
    smap = scan_tree(
        project(
            app__audit="""
                from app.signals import paid, placed

                record_on(placed)
                record_on(signal=paid)


                def record_on(signal):
                    def record(sender, **kwargs):
                        pass

                    signal.connect(record, weak=False)
                """
        )
    )
    assert rows(smap) == {
        (PLACED, "app.audit.record_on.<locals>.record", "app/audit.py", 3, False),
        (PAID, "app.audit.record_on.<locals>.record", "app/audit.py", 4, False),
    }
    assert {r.def_line for r in smap.receivers} == {8}
    assert smap.unresolved_connects == ()


def test_a_wrapper_not_named_like_connect_passes_the_handler_it_is_given(
    scan_tree: ScanTree,
) -> None:
    smap = scan_tree(
        project(
            app__hooks="""
                from app import signals


                def register(signal, receiver, sender=None):
                    signal.connect(receiver, sender=sender, weak=False)


                def on_placed(sender, **kwargs):
                    pass


                register(signals.placed, on_placed)
                register(signals.paid, receiver=on_placed, sender="till")
                """
        )
    )
    assert {(r.signal, r.handler, r.line, r.sender) for r in smap.receivers} == {
        (PLACED, "app.hooks.on_placed", 12, None),
        (PAID, "app.hooks.on_placed", 13, '"till"'),
    }
    assert {r.def_line for r in smap.receivers} == {8}


def test_a_wrapper_method_called_on_self(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        project(
            tests__test_hub="""
                from app.signals import placed


                class TestHub:
                    def watch(self, signal):
                        def seen(sender, **kwargs):
                            pass

                        signal.connect(seen)

                    def test_it(self):
                        self.watch(placed)
                """
        )
    )
    assert rows(smap) == {
        (PLACED, "test_hub.TestHub.watch.<locals>.seen", "tests/test_hub.py", 12, True)
    }


def test_odd_calls_of_a_wrapper_make_no_receiver_and_no_crash(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        project(
            tests__test_odd=dedent(
                """
                from contextlib import contextmanager

                from app.signals import placed

                args = (placed,)


                def test_odd(make):
                    with listen_to(*args):
                        pass
                    listen_to()
                    listen_to(make())
                    listen_to(lambda: None)
                    listen_to(other=placed)
                    (listen_to)(placed)
                    make(listen_to)(placed)
                    getattr(listen_to, "x")(placed)
                    notify(placed)


                def notify(signal):
                    signal.send("x")
                """
            )
            + dedent(LISTEN_TO)
        )
    )
    assert smap.receivers == ()
    # A call whose signal the scan cannot name is an unresolved connect where it is, as a call of
    # ``connect`` would be; the helper's own ``signal.connect`` is not one then.
    assert {(u.path, u.line, u.expression) for u in smap.unresolved_connects} == {
        ("tests/test_odd.py", 12, "make()"),
        ("tests/test_odd.py", 13, "lambda: None"),
    }


def test_a_call_named_like_a_wrapper_but_of_another_function_is_not_a_receiver(
    scan_tree: ScanTree,
) -> None:
    smap = scan_tree(
        project(
            app__one="""
                from app.signals import placed


                def listen_to(signal):
                    signal.connect(print)


                listen_to(placed)
                """,
            app__two="""
                from app.signals import placed
                from app.one import listen_to as _unused


                def listen_to(signal):
                    return signal


                listen_to(placed)
                placed.connect(print, weak=False)
                """,
        )
    )
    # ``listen_to`` of two.py is its own function, which connects nothing.
    assert {(r.path, r.line) for r in smap.receivers} == {("app/one.py", 8), ("app/two.py", 10)}


HELPERS = '''
    from contextlib import contextmanager


    @contextmanager
    def listen_to(signal):
        heard = []

        def record(sender, **kwargs):
            heard.append(sender)

        signal.connect(record)
        try:
            yield heard
        finally:
            signal.disconnect(record)
'''
#: Calls the helper imported by name, under another name and through its module; nothing else
#: here says "signal".
CALLER = """
    from app.signals import paid, placed
    from tests import helpers
    from tests.helpers import listen_to
    from tests.helpers import (
        listen_to as listening,
    )


    def test_placed():
        with listen_to(placed):
            pass
        with helpers.listen_to(paid) as heard:
            assert heard
        with listening(placed):
            pass
"""


def test_a_wrapper_imported_from_a_project_module_by_name_or_through_its_module(
    scan_tree: ScanTree,
) -> None:
    smap = scan_tree(project(tests____init__="", tests__helpers=HELPERS, tests__test_orders=CALLER))
    record = "tests.helpers.listen_to.<locals>.record"
    assert rows(smap) == {
        (PLACED, record, "tests/test_orders.py", 10, True),
        (PAID, record, "tests/test_orders.py", 12, True),
        (PLACED, record, "tests/test_orders.py", 14, True),
    }
    assert {(r.def_path, r.def_line) for r in smap.receivers} == {("tests/helpers.py", 8)}
    assert smap.unresolved_connects == ()


def test_a_cached_scan_finds_the_calls_of_an_imported_wrapper_again(
    tree: WriteTree, tmp_path: Path
) -> None:
    root = tree(project(tests____init__="", tests__helpers=HELPERS, tests__test_orders=CALLER))
    first = scan(root, cache_dir=tmp_path / "cache")
    assert len(first.receivers) == 3
    assert scan(root, cache_dir=tmp_path / "cache") == first


def test_a_wrapper_imported_after_a_semicolon_is_found_like_any_other_import(
    scan_tree: ScanTree,
) -> None:
    # Nothing else in the caller says "signal" or "connect": only its imports tie it to the
    # helper, and they follow a ``;`` on their line.
    caller = """
        import os; from app.signals import placed; from tests.helpers import listen_to


        def test_placed():
            with listen_to(placed):
                pass
    """
    smap = scan_tree(project(tests____init__="", tests__helpers=HELPERS, tests__test_orders=caller))
    record = "tests.helpers.listen_to.<locals>.record"
    assert rows(smap) == {(PLACED, record, "tests/test_orders.py", 5, True)}
