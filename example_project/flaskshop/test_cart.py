"""The cart through the test client: each request fires Flask's and the shop's signals."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from flaskshop import orders
from flaskshop.orders import Order
from flaskshop.signals import cart_checked_out, coupon_applied


def test_checkout_sends_the_receipt(app: Flask, client: FlaskClient) -> None:
    response = client.post("/cart/checkout", json={"items": ["teapot", "cup"]})
    assert response.status_code == 201
    assert response.get_json() == {"number": 1, "total": 3100}
    assert app.extensions["flaskshop"]["receipts"] == [1]
    assert app.extensions["flaskshop"]["requests"] == 1


def test_the_cart_page_renders_its_template(app: Flask, client: FlaskClient) -> None:
    assert b"teapot" in client.get("/cart/").data
    assert app.extensions["flaskshop"]["templates"] == ["cart.html"]


def test_a_known_coupon_is_audited_by_the_app_that_took_it(app: Flask, client: FlaskClient) -> None:
    assert client.post("/cart/coupon", json={"code": "WELCOME10"}).get_json()["percent"] == 10
    assert client.post("/cart/coupon", json={"code": "NOPE"}).status_code == 404
    assert app.extensions["flaskshop"]["audit"] == ["WELCOME10"]


def test_checkout_outside_a_request_still_announces_the_order(app: Flask) -> None:
    seen: list[Order] = []

    def spy(sender: Flask, order: Order, **extra: Any) -> None:
        seen.append(order)

    # A test-only receiver, connected for the block's duration.
    with cart_checked_out.connected_to(spy, app):
        order = orders.checkout(app, ["cup"])
    assert seen == [order]
    assert order.total == 600


def test_a_coupon_is_announced_once_for_its_app(
    app: Flask, client: FlaskClient, signals: Any
) -> None:
    client.post("/cart/coupon", json={"code": "WELCOME10"})
    signals.assert_sent(coupon_applied, sender=app, code="WELCOME10", times=1)
    signals.assert_not_sent(cart_checked_out)


def test_a_muted_checkout_is_sent_but_mails_no_receipt(app: Flask, signals: Any) -> None:
    with signals.muted(cart_checked_out):
        orders.checkout(app, ["teapot"])
    signals.assert_sent(cart_checked_out, sender=app)
    assert app.extensions["flaskshop"]["receipts"] == []
