"""``signaltrace fix`` on blinker registrations: ``@sig.connect``, ``@sig.connect_via(...)``
(stacked too) and ``sig.connect_via(x)(fn)`` go when dead, with the rules of every fix: only
certain verdicts, never half-changed (issue 16, "Report, fix, docs")."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_signaltrace.cli import ExitCode, main
from pytest_signaltrace.scan import scan

if TYPE_CHECKING:
    from conftest import WriteTree

SIGNALS = """\
from blinker import Namespace, signal

_signals = Namespace()

dead = _signals.signal("dead")
live = _signals.signal("live")
named = signal("named")
"""

SENDS_LIVE = """\
from app.signals import live


def run():
    live.send("app")
"""


def _fix(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, str, str]:
    status = main(["fix", str(root), "--no-cache", *args])
    out, err = capsys.readouterr()
    return status, out, err


def _project(tree: WriteTree, receivers: str, **more: str) -> Path:
    return tree(
        {
            "app/__init__.py": "",
            "app/signals.py": SIGNALS,
            "app/run.py": SENDS_LIVE,
            "app/receivers.py": receivers,
            **more,
        }
    )


def _receivers(root: Path) -> str:
    return (root / "app" / "receivers.py").read_text()


def test_dead_connect_and_connect_via_decorators_go_with_their_functions(
    tree: WriteTree, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(
        tree,
        """\
            from app.signals import dead, live


            @dead.connect
            def on_dead(sender, **kwargs):
                pass


            @dead.connect_via("app")
            def on_dead_for_app(sender, **kwargs):
                pass


            @live.connect_via("app")
            def on_live(sender, **kwargs):
                pass
            """,
    )
    status, _, err = _fix(capsys, root, "--dead", "--write")
    assert status == ExitCode.OK, err
    assert _receivers(root) == textwrap.dedent("""\
        from app.signals import live


        @live.connect_via("app")
        def on_live(sender, **kwargs):
            pass
        """)


def test_stacked_connect_via_loses_only_its_dead_decorator(
    tree: WriteTree, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(
        tree,
        """\
            from app import signals


            # Handles both: this comment stays.
            @signals.dead.connect_via("app")
            @signals.live.connect_via("app")
            def on_both(sender, **kwargs):
                pass
            """,
    )
    status, _, err = _fix(capsys, root, "--dead", "--write")
    assert status == ExitCode.OK, err
    assert _receivers(root) == textwrap.dedent("""\
        from app import signals


        # Handles both: this comment stays.
        @signals.live.connect_via("app")
        def on_both(sender, **kwargs):
            pass
        """)


def test_connect_via_applied_by_hand_goes_as_a_connect_call(
    tree: WriteTree, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(
        tree,
        """\
            from app.signals import dead, live


            def on_dead(sender, **kwargs):
                pass


            def on_live(sender, **kwargs):
                pass


            dead.connect_via("app")(on_dead)
            live.connect_via("app")(on_live)
            """,
    )
    status, _, err = _fix(capsys, root, "--dead", "--write")
    assert status == ExitCode.OK, err
    assert _receivers(root) == textwrap.dedent("""\
        from app.signals import live


        def on_live(sender, **kwargs):
            pass


        live.connect_via("app")(on_live)
        """)


def test_pragma_marks_a_connect_via_decorator(
    tree: WriteTree, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(
        tree,
        """\
            from app.signals import dead


            @dead.connect_via("app")
            def on_dead(sender, **kwargs):
                pass
            """,
    )
    status, _, err = _fix(capsys, root, "--dead", "--pragma", "--write")
    assert status == ExitCode.OK, err
    assert '@dead.connect_via("app")  # pragma: no signal cover\n' in _receivers(root)


def test_a_signal_made_by_name_is_never_certainly_dead(
    tree: WriteTree, capsys: pytest.CaptureFixture[str]
) -> None:
    # Installed code may make ``signal("named")`` too, and send it: the scan says dead, fix
    # does not trust it.
    receivers = """\
        from app.signals import named


        @named.connect_via("app", weak=True)
        def on_named(sender, **kwargs):
            pass
        """
    root = _project(tree, receivers)
    static = scan(root)
    assert {r.signal for r in static.receivers if static.is_dead(r)} == {"blinker:named"}
    status, _, err = _fix(capsys, root, "--dead", "--write")
    assert status == ExitCode.OK, err
    assert "nothing dead" in err
    assert _receivers(root) == textwrap.dedent(receivers)


def test_an_unused_signal_made_by_name_is_never_removed(
    tree: WriteTree, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = """\
        from blinker import Namespace, signal

        _ns = Namespace()

        gone = _ns.signal("g")
        kept = signal("k")
        """
    root = _project(tree, "", **{"app/extra.py": extra})
    status, _, err = _fix(capsys, root, "--unused-signals", "--write")
    assert status == ExitCode.OK, err
    assert (root / "app" / "extra.py").read_text() == textwrap.dedent("""\
        from blinker import Namespace, signal

        _ns = Namespace()

        kept = signal("k")
        """)


def test_a_test_only_connected_to_is_never_touched(
    tree: WriteTree, capsys: pytest.CaptureFixture[str]
) -> None:
    test = """\
        from app.signals import dead


        def test_dead():
            def spy(sender, **kwargs):
                pass

            with dead.connected_to(spy):
                pass
        """
    root = _project(tree, "", **{"tests/__init__.py": "", "tests/test_app.py": test})
    status, _, err = _fix(capsys, root, "--dead", "--write")
    assert status == ExitCode.OK, err
    assert "nothing dead" in err
    assert (root / "tests" / "test_app.py").read_text() == textwrap.dedent(test)


def test_a_dead_connected_to_block_is_left_alone_with_its_handler(
    tree: WriteTree, capsys: pytest.CaptureFixture[str]
) -> None:
    receivers = """\
        from app.signals import dead


        def on_dead(sender, **kwargs):
            pass


        def run():
            with dead.connected_to(on_dead):
                pass
        """
    root = _project(tree, receivers)
    status, _, err = _fix(capsys, root, "--dead", "--write")
    assert status == ExitCode.OK, err
    assert "app/receivers.py:9: left alone: a form fix does not rewrite" in err
    assert _receivers(root) == textwrap.dedent(receivers)
