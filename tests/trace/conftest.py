"""Fixtures for the runtime-trace tests: a real in-process Django and an in-memory Celery app.

Django is configured here (unless something configured it first) with only
``django.contrib.contenttypes`` installed: its ``ContentType`` model sends ``pre_init`` and
``post_init`` from inside Django without touching a database.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from pytest_signaltrace.trace import Installation, Recorder, install
from pytest_signaltrace.trace.patches import PURE_PYTHON_ENV, fast_send_class

HERE = os.path.dirname(os.path.abspath(__file__))


def _configure_django() -> None:
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            # pytest-django, when installed, turns DEBUG off for tests; Django 4.2's send_robust
            # then logs to mail_admins, whose report reads SECRET_KEY.
            SECRET_KEY="trace-tests-only",
            DEBUG=True,
            INSTALLED_APPS=["django.contrib.contenttypes"],
            DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
            USE_TZ=True,
        )
    import django

    django.setup()


_configure_django()



@pytest.fixture
def recorder() -> Recorder:
    """A fresh recorder."""
    return Recorder()


@pytest.fixture(params=["c", "python"])
def installation(
    request: pytest.FixtureRequest, recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Installation]:
    """The patches, installed for one test with this directory as the project root: once with
    the send patch's C fast path (trace/_fastsend.c) and once with the pure-Python one, which
    must record the same."""
    if request.param == "python":
        monkeypatch.setenv(PURE_PYTHON_ENV, "1")
    elif fast_send_class() is None:
        pytest.skip("the C extension pytest_signaltrace.trace._fastsend was not built")
    installed = install(recorder, [HERE])
    try:
        yield installed
    finally:
        installed.uninstall()


@pytest.fixture(scope="session")
def celery_app() -> Any:
    """An in-memory Celery app running tasks eagerly."""
    celery = pytest.importorskip("celery")
    app = celery.Celery("sigtrace_tests", broker="memory://", backend="cache+memory://")
    app.conf.update(
        task_always_eager=True, task_eager_propagates=True, task_store_eager_result=False
    )
    return app
