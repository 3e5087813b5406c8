"""Receivers of framework signals: model saves, logins and setting changes."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db.models import F
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.test.signals import setting_changed  # re-exported from django.core.signals

from .models import Profile, welcome_template


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def create_profile(sender: type, instance: Any, created: bool, **kwargs: Any) -> None:
    """Give every new user a profile."""
    if created:
        Profile.objects.create(user=instance)


@receiver(user_logged_in)
def count_login(sender: type, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """Count the user's logins."""
    Profile.objects.filter(user=user).update(login_count=F("login_count") + 1)


@receiver(setting_changed)
def reset_welcome(sender: type, setting: str, **kwargs: Any) -> None:
    """Forget the cached greeting when a test overrides SHOP_WELCOME."""
    if setting == "SHOP_WELCOME":
        welcome_template.cache_clear()
