"""Flask and blinker end to end: a small Flask app (an app factory connecting receivers to Flask's
built-in signals, a ``Namespace`` signal, a ``blinker.signal`` by name, ``connect_via`` a sender
nobody sends for) run under the plugin in a subprocess, serially and under xdist; and the plugin
without blinker or Flask installed."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("flask")

ARGS = ("-p", "no:cacheprovider", "-p", "no:randomly")

PROJECT = {
    "pytest.ini": """
        [pytest]
        pythonpath = .
        signaltrace_source = app tests
    """,
    "app/__init__.py": """
        from flask import Flask, render_template_string

        from app import receivers


        def create_app():
            app = Flask(__name__)
            app.config["TESTING"] = True

            @app.route("/")
            def index():
                return render_template_string("hello {{ n }}", n=1)

            @app.route("/boom")
            def boom():
                raise ValueError("boom")

            receivers.connect_to(app)
            return app
    """,
    "app/signals.py": """
        import blinker
        from blinker import Namespace

        _signals = Namespace()
        order_placed = _signals.signal("order-placed")
        audit = blinker.signal("audit")
    """,
    "app/receivers.py": """
        from flask import got_request_exception, request_started, template_rendered

        from app.signals import audit, order_placed

        CALLS = []


        class Cli:
            '''A sender the app never sends for.'''


        def on_request(sender, **extra):
            CALLS.append("request")


        def on_rendered(sender, template, context, **extra):
            CALLS.append(("rendered", context["n"]))


        def on_error(sender, exception, **extra):
            CALLS.append(("error", str(exception)))


        def connect_to(app):
            request_started.connect(on_request, app)
            template_rendered.connect(on_rendered, app)
            got_request_exception.connect(on_error, app)


        @order_placed.connect
        def on_placed(sender, **kwargs):
            CALLS.append(("placed", kwargs["n"]))


        @order_placed.connect_via(Cli)
        def on_placed_from_cli(sender, **kwargs):
            CALLS.append("never")


        @audit.connect
        def on_audit(sender, **kwargs):
            CALLS.append(("audit", kwargs["what"]))
    """,
    "app/service.py": """
        from app.signals import audit, order_placed


        def place(app, n):
            order_placed.send(app, n=n)
            audit.send(app, what="placed")
    """,
    "tests/__init__.py": "",
    "tests/conftest.py": """
        import pytest

        from app import create_app


        @pytest.fixture
        def app():
            return create_app()


        @pytest.fixture
        def client(app):
            return app.test_client()
    """,
    "tests/test_app.py": """
        import gc

        import blinker
        import pytest
        from flask import got_request_exception, request_started, template_rendered

        from app import receivers, service
        from app.signals import audit, order_placed


        def test_a_request_renders(app, client, signals):
            assert client.get("/").data == b"hello 1"
            signals.assert_sent(request_started, sender=app, times=1)
            assert signals.sent(request_started)[0].kwargs == {}  # not Flask's _async_wrapper
            signals.assert_sent(template_rendered, sender=app, context=lambda c: c["n"] == 1)
            signals.assert_not_sent(got_request_exception)
            assert ("rendered", 1) in receivers.CALLS


        def test_a_failing_request_signals_it(app, client, signals):
            with pytest.raises(ValueError, match="boom"):
                client.get("/boom")
            signals.assert_sent(got_request_exception, sender=app)
            assert ("error", "boom") in receivers.CALLS


        def test_the_service_signals(app, signals):
            service.place(app, 7)
            signals.assert_sent(order_placed, sender=app, n=7)
            signals.assert_sent(audit, what="placed")
            assert blinker.signal("audit") is audit
            assert ("placed", 7) in receivers.CALLS


        def test_muted(app, signals):
            before = list(receivers.CALLS)
            with signals.muted(order_placed, audit):
                service.place(app, 8)
            assert not order_placed.is_muted
            signals.assert_sent(order_placed, times=1, n=8)
            assert signals.sent(order_placed)[0].receivers == []
            assert receivers.CALLS == before
            assert receivers.on_placed in order_placed.receivers_for(app)


        def test_a_weak_receiver_dies(app):
            hits = []

            def temporary(sender, **kwargs):
                hits.append(kwargs["n"])

            order_placed.connect(temporary)
            service.place(app, 1)
            del temporary
            gc.collect()
            service.place(app, 2)
            assert hits == [1]
            assert len(order_placed.receivers) == 2  # on_placed, on_placed_from_cli
    """,
}


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


def rows(report: dict[str, Any], table: str, key: str) -> dict[str | None, dict[str, Any]]:
    return {row[key]: row for row in report[table]}


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_a_flask_app_s_signals_are_traced_and_reported(
    pytester: pytest.Pytester, workers: list[str]
) -> None:
    write(pytester.path, PROJECT)
    result = pytester.runpytest_subprocess(*ARGS, *workers, "--signal-report=json:report.json")
    result.assert_outcomes(passed=5)
    assert "SignalTraceWarning" not in result.stdout.str()
    report = json.loads((pytester.path / "report.json").read_text("utf-8"))

    signals = rows(report, "signals", "signal")
    assert signals["flask.signals.request_started"]["sends"] == 2
    assert signals["flask.signals.request_started"]["framework"] == "blinker"
    assert signals["flask.signals.got_request_exception"]["sends"] == 1
    assert signals["app.signals.order_placed"]["sends"] == 4
    assert signals["blinker:audit"]["sends"] == 4
    assert signals["blinker:audit"]["framework"] == "blinker"

    receivers = rows(report, "receivers", "handler")
    assert receivers["app.receivers.on_request"]["calls"] == 2
    assert receivers["app.receivers.on_request"]["status"] == "exercised"
    assert receivers["app.receivers.on_rendered"]["calls"] == 1
    assert receivers["app.receivers.on_error"]["calls"] == 1
    assert receivers["app.receivers.on_error"]["tests"] == [
        "tests/test_app.py::test_a_failing_request_signals_it"
    ]
    assert receivers["app.receivers.on_placed"]["calls"] == 3  # not the muted send
    assert receivers["app.receivers.on_audit"]["calls"] == 3
    never = receivers["app.receivers.on_placed_from_cli"]
    assert (never["status"], never["calls"]) == ("unexercised", 0)
    assert never["senders_seen"] == ["<flask.app.Flask object>"]
    assert receivers["app.receivers.on_placed"]["senders_seen"] == []
    temporary = receivers["tests.test_app.test_a_weak_receiver_dies.<locals>.temporary"]
    assert (temporary["calls"], temporary["test_only"]) == (1, True)


def test_flask_imported_before_the_trace_is_found_once_and_the_terminal_says_never_sent_for(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A plugin named with -p is imported before the trace is installed (as pytest-flask imports
    # Flask): Flask's signals exist already and are found by one walk over the modules.
    write(pytester.path, {**PROJECT, "preload_flask.py": "import flask\n"})
    monkeypatch.setenv("PYTHONPATH", str(pytester.path))
    result = pytester.runpytest_subprocess(
        *ARGS,
        "-p",
        "preload_flask",
        "--signal-report=term-missing",
        "--signal-report=json:report.json",
    )
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines(
        [
            "*app.receivers.on_placed_from_cli*",
            "*never sent for its sender; sent for <flask.app.Flask object>",
        ]
    )
    report = json.loads((pytester.path / "report.json").read_text("utf-8"))
    signals = rows(report, "signals", "signal")
    assert signals["flask.signals.request_started"]["sends"] == 2
    assert signals["flask.signals.template_rendered"]["sends"] == 1
    assert rows(report, "receivers", "handler")["app.receivers.on_request"]["calls"] == 2


def test_the_plugin_loads_and_traces_without_blinker_or_flask(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Packages named blinker and flask that fail to import, first on the path: as if absent.
    for name in ("blinker", "flask"):
        package = pytester.path / "blocked" / name
        package.mkdir(parents=True)
        (package / "__init__.py").write_text(f"raise ImportError('{name} is not installed')\n")
    pytester.makepyfile(
        test_it="""
        import sys

        import pytest

        def test_neither_is_imported(signals):
            assert "blinker" not in sys.modules
            assert "flask" not in sys.modules
            signals.assert_not_sent(object())

        def test_neither_can_be_imported():
            with pytest.raises(ImportError, match="not installed"):
                import blinker  # noqa: F401
            with pytest.raises(ImportError, match="not installed"):
                import flask  # noqa: F401
        """
    )
    monkeypatch.setenv("PYTHONPATH", str(pytester.path / "blocked"))
    result = pytester.runpytest_subprocess(*ARGS, "--signal-report=json:report.json")
    result.assert_outcomes(passed=2)
    assert "SignalTraceWarning" not in result.stdout.str()
    assert json.loads((pytester.path / "report.json").read_text("utf-8"))["receivers"] == []
