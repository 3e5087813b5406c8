"""``signaltrace fix``: dead receivers and unused signals removed losslessly (whole files
compared before and after)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pytest_signaltrace.cli import ExitCode, main

SIGNALS = '''\
"""The shop's signals."""
from django.dispatch import Signal

order_placed = Signal()  # sent by place()
order_refunded = Signal()
inventory_audited = Signal()


class Hooks:
    audited = Signal()
'''

RECEIVERS = '''\
"""Receivers: one live, several dead."""
import logging

from django.dispatch import receiver

from shop.signals import order_placed, order_refunded

log = logging.getLogger(__name__)


@receiver(order_placed)
def on_placed(sender, **kwargs):
    log.info("placed")  # keep me


@receiver(order_refunded)
def notify_refund(sender, **kwargs):
    """Dead: nothing sends order_refunded."""
    log.info("refunded")


@receiver([order_placed, order_refunded])
def both(sender, **kwargs):
    pass


@receiver(order_refunded)
def still_called(sender, **kwargs):
    pass


@receiver(order_refunded)  # pragma: no signal cover
def kept(sender, **kwargs):
    pass


def place():
    still_called(None)
    order_placed.send(sender=None)
'''

APPS = """\
from django.apps import AppConfig


def audit_helper(sender, **kwargs):
    pass


class ShopConfig(AppConfig):
    name = "shop"

    def ready(self):
        from shop.signals import order_refunded

        order_refunded.connect(audit_helper)
"""

TESTS = """\
from django.dispatch import receiver

from shop.signals import order_refunded


@receiver(order_refunded)
def spy(sender, **kwargs):
    pass
"""

FIXED_RECEIVERS = '''\
"""Receivers: one live, several dead."""
import logging

from django.dispatch import receiver

from shop.signals import order_placed, order_refunded

log = logging.getLogger(__name__)


@receiver(order_placed)
def on_placed(sender, **kwargs):
    log.info("placed")  # keep me


@receiver([order_placed])
def both(sender, **kwargs):
    pass


def still_called(sender, **kwargs):
    pass


@receiver(order_refunded)  # pragma: no signal cover
def kept(sender, **kwargs):
    pass


def place():
    still_called(None)
    order_placed.send(sender=None)
'''

FIXED_APPS = """\
from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "shop"

    def ready(self):
        pass
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shop = tmp_path / "shop"
    shop.mkdir()
    files = {
        "__init__.py": "",
        "signals.py": SIGNALS,
        "receivers.py": RECEIVERS,
        "apps.py": APPS,
        "tests.py": TESTS,
    }
    for name, text in files.items():
        (shop / name).write_text(text)
    return tmp_path


def _fix(capsys: pytest.CaptureFixture[str], project: Path, *args: str) -> tuple[int, str, str]:
    status = main(["fix", str(project), "--no-cache", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_write_removes_dead_receivers_and_what_only_they_used_and_nothing_else(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = _fix(capsys, project, "--dead", "--write")
    assert status == ExitCode.OK, err
    shop = project / "shop"
    assert (shop / "receivers.py").read_text() == FIXED_RECEIVERS
    # The connect statement and the helper only it named; the block keeps a pass; the import
    # inside ready() that nothing uses any more goes too.
    assert (shop / "apps.py").read_text() == FIXED_APPS
    assert (shop / "tests.py").read_text() == TESTS  # test code is never touched
    assert (shop / "signals.py").read_text() == SIGNALS
    assert err.endswith("; 2 files fixed\n")


def test_without_write_it_prints_a_unified_diff_and_changes_nothing(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = _fix(capsys, project, "--dead")
    assert status == ExitCode.OK
    assert out.startswith("--- a/shop/apps.py\n+++ b/shop/apps.py\n")
    assert "-@receiver(order_refunded)\n-def notify_refund(sender, **kwargs):\n" in out
    assert (project / "shop" / "receivers.py").read_text() == RECEIVERS


def test_unused_signals_go_with_the_import_they_alone_used(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, _ = _fix(capsys, project, "--unused-signals", "--write")
    assert status == ExitCode.OK
    assert (project / "shop" / "signals.py").read_text() == textwrap.dedent('''\
        """The shop's signals."""
        from django.dispatch import Signal

        order_placed = Signal()  # sent by place()
        order_refunded = Signal()


        class Hooks:
            pass
        ''')


def test_pragma_marks_instead_of_removing(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, _ = _fix(capsys, project, "--dead", "--pragma", "--write")
    assert status == ExitCode.OK
    receivers = (project / "shop" / "receivers.py").read_text()
    assert receivers == RECEIVERS.replace(
        "@receiver(order_refunded)\ndef notify_refund",
        "@receiver(order_refunded)  # pragma: no signal cover\ndef notify_refund",
    ).replace(
        "@receiver(order_refunded)\ndef still_called",
        "@receiver(order_refunded)  # pragma: no signal cover\ndef still_called",
    )
    assert (project / "shop" / "apps.py").read_text() == APPS.replace(
        "order_refunded.connect(audit_helper)",
        "order_refunded.connect(audit_helper)  # pragma: no signal cover",
    )
    # Marked receivers are excluded: a second run has only the list's dead element left (a
    # pragma would exclude the live one too).
    diff = _fix(capsys, project, "--dead")[1]
    assert [line for line in diff.splitlines() if line[:1] in "+-"] == [
        "--- a/shop/receivers.py",
        "+++ b/shop/receivers.py",
        "-@receiver([order_placed, order_refunded])",
        "+@receiver([order_placed])",
    ]


def test_nothing_to_say_is_an_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = _fix(capsys, project)
    assert status == ExitCode.USAGE
    assert "--dead and/or --unused-signals" in err


def test_possibly_dead_receivers_are_never_touched(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "shop" / "relay.py").write_text(
        "def relay(signal):\n    signal.send(sender=None)\n"
    )
    status, out, _ = _fix(capsys, project, "--dead")
    assert status == ExitCode.OK
    assert out == ""
