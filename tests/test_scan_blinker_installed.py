"""Third-party blinker signals (Flask extensions'), read from the installed package's source and
never imported, as Django's are (issue 16, "Static map")."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import ScanTree

#: Raises if anything imports the fake package: the scan must only read it.
NEVER_IMPORT = '\nraise RuntimeError("the scan imported an installed package")\n'


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder on ``sys.path`` with two Flask-extension-like packages: ``login_ext`` (its
    signals in a namespace of its own, imported from ``flask.signals``, re-exported by the
    package) and ``named_ext`` (signals made by name in blinker's default namespace, and a
    subclass of ``Namespace``)."""
    folder = tmp_path / "site-packages-like"
    login = folder / "login_ext"
    login.mkdir(parents=True)
    (login / "__init__.py").write_text(
        "from .signals import user_logged_in as user_logged_in\n" + NEVER_IMPORT
    )
    (login / "signals.py").write_text(
        # As Flask-Login and Flask-Principal do: blinker's Namespace, re-exported by Flask.
        "from flask.signals import Namespace\n\n"
        "_signals = Namespace()\n\n"
        'user_logged_in = _signals.signal("logged-in")\n' + NEVER_IMPORT
    )
    named = folder / "named_ext"
    named.mkdir()
    (named / "__init__.py").write_text(
        "import blinker\n\n"
        "class ExtNamespace(blinker.Namespace):\n    pass\n\n"
        'identity_changed = blinker.signal("identity-changed")\n'
        'loaded = ExtNamespace().signal("loaded")\n' + NEVER_IMPORT
    )
    monkeypatch.syspath_prepend(str(folder))
    return folder


def test_an_extensions_namespace_signal_is_named_by_its_definition(
    site: Path, scan_tree: ScanTree
) -> None:
    smap = scan_tree(
        {
            "app/__init__.py": "",
            "app/hooks.py": """
                import named_ext
                from login_ext import user_logged_in


                @user_logged_in.connect_via("app")
                def on_login(sender, user, **extra):
                    pass


                def on_identity(sender, identity):
                    pass


                named_ext.identity_changed.connect(on_identity)
                named_ext.loaded.connect(on_identity)
                """,
        }
    )
    assert {(r.signal, r.handler) for r in smap.receivers} == {
        ("login_ext.signals.user_logged_in", "app.hooks.on_login"),
        ("blinker:identity-changed", "app.hooks.on_identity"),
        ("named_ext.loaded", "app.hooks.on_identity"),
    }
    infos = {s.signal: (s.framework, s.category, s.status) for s in smap.signals}
    assert infos["login_ext.signals.user_logged_in"] == ("blinker", "external", "ok")
    assert infos["blinker:identity-changed"] == ("blinker", "external", "ok")
    assert not smap.dead_receivers


def test_flasks_installed_source_is_never_read_its_signals_are_in_the_catalogue(
    scan_tree: ScanTree,
) -> None:
    pytest.importorskip("flask")
    smap = scan_tree(
        {
            "app/__init__.py": "",
            "app/hooks.py": """
                from flask import signals


                def on_flash(sender, message, category, **extra):
                    pass


                signals.message_flashed.connect(on_flash)
                signals._signals.signal("message-flashed").connect(on_flash)
                """,
        }
    )
    assert {(r.signal, r.line) for r in smap.receivers} == {("flask.signals.message_flashed", 8)}
