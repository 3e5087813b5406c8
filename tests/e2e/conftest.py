"""Fixtures of the end-to-end tests: real, small Django (+Celery) projects run in a subprocess.

``django_project`` writes the project (see ``e2e_project``); ``celery_project`` adds a Celery
app that runs tasks eagerly on a ``memory://`` broker.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_project import APPS, CELERY_APP, CELERY_SETTINGS, SETTINGS, SIGNALS, DjangoProject

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test of this folder runs pytest (or a command) in a subprocess, 2-60 s each on a
    loaded 2-core machine: all are ``slow`` (``-m "not slow"`` leaves them out)."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def django_project(pytester: pytest.Pytester) -> DjangoProject:
    """A Django project with one app, ``shop``; it needs no database unless a test asks."""
    project = DjangoProject(pytester)
    project.write(
        settings=SETTINGS,
        **{"shop/__init__": "", "shop/apps": APPS, "shop/signals": SIGNALS},
    )
    project.ini()
    return project


@pytest.fixture
def celery_project(django_project: DjangoProject) -> DjangoProject:
    """The Django project plus a Celery app (``celery_app.py``) that runs tasks eagerly."""
    django_project.write(settings=SETTINGS + CELERY_SETTINGS, celery_app=CELERY_APP)
    return django_project
