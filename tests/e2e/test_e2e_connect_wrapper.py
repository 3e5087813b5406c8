"""A test helper that connects its own handler to the signal it is given (Flask-Login's
``listen_to``), end to end: the scan's receivers at the helper's call sites are the receivers
the trace sees run (the same handler names), not dead ones beside unexpected ones."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("blinker")

PROJECT = {
    "pytest.ini": """
        [pytest]
        pythonpath = .
        signaltrace_source = app tests
    """,
    "app/__init__.py": "",
    "app/signals.py": """
        from blinker import Namespace

        _signals = Namespace()
        placed = _signals.signal("placed")
        paid = _signals.signal("paid")
    """,
    "app/service.py": """
        from app.signals import paid, placed


        def place(n):
            placed.send("shop", n=n)
    """,
    "tests/__init__.py": "",
    "tests/helpers.py": """
        from contextlib import contextmanager


        @contextmanager
        def listen_to(signal):
            heard = []

            def record(sender, **kwargs):
                heard.append(kwargs)

            signal.connect(record)
            try:
                yield heard
            finally:
                signal.disconnect(record)
    """,
    "tests/test_orders.py": """
        from contextlib import contextmanager

        from app import service
        from app.signals import paid, placed
        from tests.helpers import listen_to


        @contextmanager
        def caught(signal):
            class _Caught:
                def __init__(self):
                    self.heard = []

                def add(self, sender, **kwargs):
                    self.heard.append(kwargs)

            results = _Caught()
            signal.connect(results.add)
            try:
                yield results
            finally:
                signal.disconnect(results.add)


        def test_placed():
            with listen_to(placed) as heard:
                service.place(1)
            assert heard == [{"n": 1}]


        def test_caught():
            with caught(placed) as results:
                service.place(2)
            assert results.heard == [{"n": 2}]


        def test_paid_never_sent():
            with listen_to(paid) as heard:
                pass
            assert heard == []
    """,
}


def test_the_receivers_of_a_connect_helper_s_calls_are_the_ones_that_run(
    pytester: pytest.Pytester,
) -> None:
    for name, text in PROJECT.items():
        path = pytester.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "no:randomly", "--signal-report=json:report.json"
    )
    result.assert_outcomes(passed=3)
    assert "SignalTraceWarning" not in result.stdout.str()
    report = json.loads(Path(pytester.path / "report.json").read_text("utf-8"))
    rows = {
        (r["signal"], r["handler"], r.get("path"), r.get("line")): (r["status"], r["calls"])
        for r in report["receivers"]
    }
    record = "tests.helpers.listen_to.<locals>.record"
    add = "tests.test_orders.caught.<locals>._Caught.add"
    assert rows == {
        ("app.signals.placed", record, "tests/test_orders.py", 26): ("exercised", 1),
        ("app.signals.placed", add, "tests/test_orders.py", 32): ("exercised", 1),
        ("app.signals.paid", record, "tests/test_orders.py", 38): ("dead", 0),  # never sent
    }
