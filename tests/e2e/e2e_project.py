"""The small Django (+Celery) projects the end-to-end tests run, and a reader for their reports.

Each project lives in ``pytester.path``: ``settings.py`` (in-memory SQLite), a ``pytest.ini``
naming it, and one app, ``shop``, whose ``apps.py`` imports ``shop.receivers`` when a test wrote
one and whose ``signals.py`` defines ``order_placed``, ``order_shipped`` and ``order_refunded``.
Tests add the receivers, senders and tests they need with :meth:`DjangoProject.write`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

#: Options of every inner run: tests in file order.
BASE_ARGS = ("-p", "no:randomly")

SETTINGS = """
SECRET_KEY = "e2e-tests-only"
INSTALLED_APPS = ["shop"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
"""

CELERY_SETTINGS = """
CELERY_BROKER_URL = "memory://"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
"""

APPS = """
import importlib
import importlib.util

from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "shop"

    def ready(self):
        if importlib.util.find_spec("shop.receivers") is not None:
            importlib.import_module("shop.receivers")
"""

SIGNALS = """
from django.dispatch import Signal

order_placed = Signal()
order_shipped = Signal()
order_refunded = Signal()
"""

PYTEST_INI = """
[pytest]
DJANGO_SETTINGS_MODULE = settings
pythonpath = .
"""

CELERY_APP = """
from celery import Celery

app = Celery("shop")
app.config_from_object("django.conf:settings", namespace="CELERY")
"""


#: Three receivers, two of them on ``order_refunded``; with :data:`TWO_OF_THREE_TESTS` two of the
#: three run (66.67%): the sample of the report-option and configuration tests.
TWO_OF_THREE_RECEIVERS = """
from django.dispatch import receiver

from shop.signals import order_placed, order_refunded


@receiver(order_placed)
def on_placed(sender, **kwargs):
    pass


@receiver(order_refunded)
def on_refunded(sender, **kwargs):
    pass


@receiver(order_refunded)
def on_refunded_again(sender, **kwargs):
    pass
"""

TWO_OF_THREE_TESTS = """
from shop.signals import order_placed, order_refunded


def test_place():
    order_placed.send(sender=None)


def test_refund():
    order_refunded.send(sender=None)
"""


def line_of(source: str, text: str) -> int:
    """The 1-based line of the first line containing ``text`` in ``source`` as written to disk
    (``pytester.makepyfile`` dedents and strips the source)."""
    lines = textwrap.dedent(source).strip().splitlines()
    return next(number for number, line in enumerate(lines, 1) if text in line)


class SignalReport:
    """The JSON report of a run, with lookups that fail loudly when a row is missing."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.summary: dict[str, Any] = data["summary"]
        self.receivers: list[dict[str, Any]] = data["receivers"]
        self.senders: list[dict[str, Any]] = data["senders"]
        self.signals: list[dict[str, Any]] = data["signals"]

    def receiver(self, handler: str, signal: str | None = None) -> dict[str, Any]:
        """The one receiver row of ``handler`` (for ``signal``)."""
        rows = [
            row
            for row in self.receivers
            if row["handler"] == handler and (signal is None or row["signal"] == signal)
        ]
        assert len(rows) == 1, f"{len(rows)} rows for {handler} ({signal}): {self.receivers}"
        return rows[0]

    def signal(self, signal: str) -> dict[str, Any]:
        """The row of ``signal``."""
        rows = [row for row in self.signals if row["signal"] == signal]
        assert len(rows) == 1, f"{len(rows)} rows for {signal}: {self.signals}"
        return rows[0]

    def handlers(self) -> set[str]:
        """The handler ids of every receiver row."""
        return {row["handler"] for row in self.receivers}


@dataclass
class DjangoProject:
    """A small Django project under ``pytester.path``, and how to run its tests."""

    pytester: pytest.Pytester

    def write(self, **modules: str) -> None:
        """Write modules by path without ``.py``: ``write(**{"shop/receivers": source})``."""
        self.pytester.makepyfile(**modules)

    def ini(self, extra: str = "") -> None:
        """(Re)write ``pytest.ini`` with ``extra`` lines added to its ``[pytest]`` section."""
        self.pytester.makefile(".ini", pytest=PYTEST_INI + textwrap.dedent(extra))

    def run(self, *args: str, cache: bool = False) -> pytest.RunResult:
        """Run pytest on the project in a subprocess (without its cache folder by default)."""
        base = BASE_ARGS if cache else ("-p", "no:cacheprovider", *BASE_ARGS)
        return self.pytester.runpytest_subprocess(*base, *args)

    def run_json(self, *args: str, cache: bool = False) -> tuple[pytest.RunResult, SignalReport]:
        """Run with ``--signal-report=json:report.json``; return the result and the report."""
        (self.pytester.path / "report.json").unlink(missing_ok=True)
        result = self.run("--signal-report=json:report.json", *args, cache=cache)
        if not (self.pytester.path / "report.json").exists():
            pytest.fail(f"no report.json was written; the run said:\n{result.stdout.str()}")
        return result, self.report()

    def report(self, name: str = "report.json") -> SignalReport:
        """The JSON report a run wrote."""
        return SignalReport(json.loads((self.pytester.path / name).read_text("utf-8")))


def signaltrace(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the ``signaltrace`` command line in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "pytest_signaltrace", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def git(project: DjangoProject, *args: str) -> None:
    """Run git in the project's folder, as a committer named ``t``."""
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=project.pytester.path,
        check=True,
        capture_output=True,
    )
