"""The fixtures Flask projects write (pytest-flask's names): ``app`` from the factory, and
its test ``client``. They shadow pytest-django's ``client`` in this folder only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from flaskshop import create_app


@pytest.fixture
def app() -> Iterator[Flask]:
    app = create_app({"TESTING": True})
    with app.app_context():
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
