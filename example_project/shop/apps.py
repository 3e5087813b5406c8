"""App config of the shop."""

from __future__ import annotations

from django.apps import AppConfig


class ShopConfig(AppConfig):
    """Products and orders; defines the shop's custom signals."""

    name = "shop"
    default_auto_field = "django.db.models.BigAutoField"
