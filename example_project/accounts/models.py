"""Customer profiles."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.db import models


@lru_cache
def welcome_template() -> str:
    """The greeting template, read once from settings (reset by a setting_changed receiver)."""
    return settings.SHOP_WELCOME


class Profile(models.Model):
    """Shop data about a user; created by a post_save receiver."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    login_count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"Profile of {self.user}"

    def greeting(self) -> str:
        return welcome_template().format(name=self.user.get_username())
