"""Receivers of the shop's signals and of Flask's: connected at import (decorators) or by
flaskshop.create_app."""

from __future__ import annotations

from typing import Any

from flask import Flask
from jinja2 import Template

from flaskshop.orders import Order
from flaskshop.signals import cart_checked_out, stock_depleted


@cart_checked_out.connect
def email_receipt(sender: Flask, order: Order, **extra: Any) -> None:
    """Every app's checkouts: the receipt goes to the app's outbox."""
    sender.extensions["flaskshop"]["receipts"].append(order.number)


@stock_depleted.connect
def reorder_stock(sender: Flask, item: str, **extra: Any) -> None:
    """Dead: nothing sends stock_depleted."""
    sender.extensions["flaskshop"].setdefault("reorders", []).append(item)


def count_request(sender: Flask, **extra: Any) -> None:
    sender.extensions["flaskshop"]["requests"] += 1


def remember_template(sender: Flask, template: Template, context: dict[str, Any], **extra: Any) -> None:
    sender.extensions["flaskshop"]["templates"].append(template.name)


def log_exception(sender: Flask, exception: BaseException, **extra: Any) -> None:
    sender.logger.error("request failed: %r", exception)
