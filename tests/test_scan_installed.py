"""A third-party signal re-exported by an installed package: read from its source, not imported."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_signaltrace.model import SignalCategory, StaticMap

if TYPE_CHECKING:
    from conftest import ScanTree

#: Raises if anything imports the fake package: the scan must only read it.
NEVER_IMPORT = '\nraise RuntimeError("the scan imported an installed package")\n'


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder on ``sys.path`` holding ``someapp``, which re-exports its signals."""
    folder = tmp_path / "site-packages-like"
    package = folder / "someapp"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(
        "from .signals import action, audited\nfrom .utils import helper\n" + NEVER_IMPORT
    )
    (package / "signals.py").write_text(
        "from django.dispatch import Signal\n\n"
        "class AuditSignal(Signal):\n    pass\n\n"
        "action = Signal()\naudited = AuditSignal()\n" + NEVER_IMPORT
    )
    (package / "utils.py").write_text("def helper():\n    pass\n")
    monkeypatch.syspath_prepend(str(folder))
    return folder


PROJECT = {
    "shop/__init__.py": "",
    "shop/receivers.py": """
        from django.dispatch import receiver
        from someapp import action, audited, helper

        @receiver(action)
        def on_action(sender, **kwargs):
            pass

        def on_audit(sender, **kwargs):
            pass

        audited.connect(on_audit)
        helper.connect(on_audit)
        action.send(sender=None)
    """,
}


def signals_of(smap: StaticMap) -> set[tuple[str | None, str]]:
    return {(r.signal, r.handler) for r in smap.receivers}


def test_a_signal_re_exported_by_an_installed_package_is_named_by_its_definition(
    site: Path, scan_tree: ScanTree
) -> None:
    smap = scan_tree(PROJECT)
    assert signals_of(smap) == {
        ("someapp.signals.action", "shop.receivers.on_action"),
        ("someapp.signals.audited", "shop.receivers.on_audit"),
    }
    assert {s.signal for s in smap.senders} == {"someapp.signals.action"}
    categories = {info.signal: info.category for info in smap.signals}
    assert categories["someapp.signals.audited"] is SignalCategory.EXTERNAL
    # Read, never imported.
    assert "someapp" not in sys.modules


def test_a_name_of_an_installed_package_that_is_no_signal_is_no_receiver(
    site: Path, scan_tree: ScanTree
) -> None:
    smap = scan_tree(PROJECT)
    assert "shop.receivers.on_audit" in {c.handler for c in smap.unresolved_connects}
    assert all(r.line != 12 for r in smap.receivers)


def test_without_the_package_installed_the_re_export_stays_unknown(scan_tree: ScanTree) -> None:
    smap = scan_tree(PROJECT)
    assert "someapp.signals.audited" not in {r.signal for r in smap.receivers}


def test_the_scanned_folders_are_never_read_as_installed_packages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_signaltrace.scan.installed import InstalledSource

    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text(
        "from django.dispatch import Signal\nx = Signal()\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert InstalledSource(exclude=[tmp_path]).signal("shop.x") is None
    assert InstalledSource().signal("shop.x") == "shop.x"


def test_a_django_signal_re_exported_by_an_installed_package_is_djangos(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scan_tree: ScanTree
) -> None:
    # allauth.account.signals does ``from django.contrib.auth.signals import user_logged_out``.
    folder = tmp_path / "installed"
    (folder / "accounts_lib").mkdir(parents=True)
    (folder / "accounts_lib" / "__init__.py").write_text("")
    (folder / "accounts_lib" / "signals.py").write_text(
        "from django.contrib.auth.signals import user_logged_out  # noqa\n" + NEVER_IMPORT
    )
    monkeypatch.syspath_prepend(str(folder))
    smap = scan_tree(
        {
            "shop/__init__.py": "",
            "shop/receivers.py": """
                from accounts_lib.signals import user_logged_out

                def on_logout(sender, **kwargs):
                    pass

                user_logged_out.connect(on_logout)
            """,
        }
    )
    assert signals_of(smap) == {
        ("django.contrib.auth.signals.user_logged_out", "shop.receivers.on_logout")
    }
