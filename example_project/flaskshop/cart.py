"""The cart's views: show the cart, apply a coupon, check out."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, render_template, request

from flaskshop import orders
from flaskshop.signals import coupon_applied

bp = Blueprint("cart", __name__, url_prefix="/cart")


@bp.get("/")
def show() -> str:
    return render_template("cart.html", prices=orders.PRICES)


@bp.post("/coupon")
def apply_coupon() -> dict[str, Any]:
    code = request.get_json()["code"]
    percent = current_app.config["COUPONS"].get(code)
    if percent is None:
        abort(404)
    coupon_applied.send(current_app._get_current_object(), code=code)
    return {"code": code, "percent": percent}


@bp.post("/checkout")
def checkout() -> tuple[dict[str, Any], int]:
    order = orders.checkout(current_app._get_current_object(), request.get_json()["items"])
    return {"number": order.number, "total": order.total}, 201
