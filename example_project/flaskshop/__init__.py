"""A small Flask shop beside the Django one: its blinker signals, a Namespace of its own and
Flask's built-in signals, connected the way Flask applications do it (in the app factory)."""

from __future__ import annotations

from typing import Any

from flask import Flask, got_request_exception, request_started, template_rendered

from flaskshop import cart, receivers
from flaskshop.signals import coupon_applied


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The application factory: a new app per call, its receivers connected for it alone."""
    app = Flask(__name__)
    app.config.update(TESTING=False, COUPONS={"WELCOME10": 10})
    app.config.update(config or {})
    app.extensions["flaskshop"] = {"receipts": [], "requests": 0, "templates": [], "audit": []}
    app.register_blueprint(cart.bp)

    # Flask's built-in signals, limited to this app as sender.
    request_started.connect(receivers.count_request, app)
    template_rendered.connect(receivers.remember_template, app)
    # Never exercised by the tests: no view raises.
    got_request_exception.connect(receivers.log_exception, app)

    @coupon_applied.connect_via(app)
    def audit_coupon(sender: Flask, code: str, **extra: Any) -> None:
        """Records every coupon this app accepted (``connect_via`` keeps it alive)."""
        sender.extensions["flaskshop"]["audit"].append(code)

    return app
