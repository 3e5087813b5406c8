"""A framework the package does not know, added through the seam alone: an adapter module in an
installed package, declared in the ``pytest_signaltrace.frameworks`` entry-point group (or passed
to ``frameworks.register`` from a conftest). No core module changes: its signals get static rows,
runtime rows and ``signals`` fixture assertions as Django's do."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from toy_framework import install_toy, write

PROJECT = {
    "pytest.ini": """
        [pytest]
        pythonpath = .
        signaltrace_source = app
    """,
    "app/__init__.py": "",
    "app/events.py": """
        from toyfw import Signal

        placed = Signal()
        shipped = Signal()
    """,
    "app/receivers.py": """
        import toyfw
        from toyfw import receiver

        from app.events import placed, shipped

        CALLS = []


        @receiver(placed)
        def on_placed(signal, sender, **kwargs):
            CALLS.append(("placed", sender, kwargs))


        def on_shipped(signal, sender, **kwargs):
            CALLS.append(("shipped", sender, kwargs))


        shipped.connect(on_shipped)


        @receiver(toyfw.booted)
        def on_booted(signal, sender, **kwargs):
            pass
    """,
    "app/service.py": """
        from app.events import placed, shipped


        def place(order):
            placed.send(sender="shop", order=order)


        def ship(order):
            shipped.send(sender="shop", order=order)
    """,
    "tests/test_app.py": """
        from app import receivers, service
        from app.events import placed, shipped


        def test_place(signals):
            service.place(7)
            signals.assert_sent(placed, sender="shop", order=7)
            signals.assert_not_sent(shipped)
            assert receivers.CALLS[-1] == ("placed", "shop", {"order": 7})


        def test_muted(signals):
            before = len(receivers.CALLS)
            with signals.muted(placed):
                service.place(8)
            signals.assert_sent(placed, times=1, order=8)
            assert signals.sent(placed)[0].receivers == []
            assert len(receivers.CALLS) == before
            assert placed.receivers == [receivers.on_placed]
    """,
}


def _run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, lib: Path) -> Any:
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(lib), os.environ.get("PYTHONPATH", "")]))
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "no:randomly", "--signal-report=json:report.json"
    )
    result.assert_outcomes(passed=2)
    return json.loads((pytester.path / "report.json").read_text("utf-8"))


def _rows(report: dict[str, Any], table: str, key: str) -> dict[str, dict[str, Any]]:
    return {row[key]: row for row in report[table]}


def test_an_entry_point_adapter_gets_static_runtime_and_fixture_rows(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    lib = install_toy(pytester.path)
    write(pytester.path, PROJECT)

    report = _run(pytester, monkeypatch, lib)

    signals = _rows(report, "signals", "signal")
    assert signals["app.events.placed"]["framework"] == "toy"
    assert signals["app.events.placed"]["category"] == "custom"
    assert signals["app.events.placed"]["definition_line"] == 3
    assert signals["app.events.placed"]["sends"] == 2
    assert signals["toyfw.booted"]["framework"] == "toy"
    assert signals["toyfw.booted"]["category"] == "builtin"

    receivers = _rows(report, "receivers", "handler")
    placed = receivers["app.receivers.on_placed"]
    assert (placed["kind"], placed["line"], placed["status"]) == ("decorator", 9, "exercised")
    assert placed["declared"] is True  # the scan found it; the run saw it
    assert placed["calls"] == 1  # the muted send ran no receiver
    assert placed["tests"] == ["tests/test_app.py::test_place"]
    shipped = receivers["app.receivers.on_shipped"]
    assert (shipped["kind"], shipped["line"], shipped["status"]) == ("connect", 18, "unexercised")
    # Sent by the framework, never in the run: not dead.
    assert receivers["app.receivers.on_booted"]["status"] == "unexercised"

    senders = {(row["path"], row["line"]): row for row in report["senders"]}
    assert senders[("app/service.py", 5)]["calls"] == 2
    assert senders[("app/service.py", 5)]["evidence"] == "static+runtime"
    assert senders[("app/service.py", 9)]["calls"] == 0


def test_a_conftest_can_register_an_adapter_after_the_trace_is_installed(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    lib = install_toy(pytester.path)
    (lib / "toyfw-0.1.dist-info" / "entry_points.txt").unlink()
    write(pytester.path, PROJECT)
    write(
        pytester.path,
        {
            "conftest.py": """
                from toyfw_signaltrace import FRAMEWORK

                from pytest_signaltrace import frameworks

                frameworks.register(FRAMEWORK)
            """
        },
    )

    report = _run(pytester, monkeypatch, lib)

    assert _rows(report, "signals", "signal")["app.events.placed"]["framework"] == "toy"
    receivers = _rows(report, "receivers", "handler")
    assert receivers["app.receivers.on_placed"]["status"] == "exercised"
    assert receivers["app.receivers.on_placed"]["calls"] == 1
