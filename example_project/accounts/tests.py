"""Profiles follow users: creation, logins and settings."""

from __future__ import annotations

from typing import Any

import factory
import pytest
from django.contrib.auth.models import User
from django.db.models.signals import post_save

from accounts.models import Profile

pytestmark = pytest.mark.django_db


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")


def test_new_user_gets_a_profile() -> None:
    user = UserFactory()
    assert user.profile.login_count == 0


def test_muted_post_save_creates_no_profile() -> None:
    with factory.django.mute_signals(post_save):
        user = UserFactory()
    assert not Profile.objects.filter(user=user).exists()


def test_login_is_counted(client: Any) -> None:
    user = User.objects.create_user("ann")
    client.force_login(user)
    user.profile.refresh_from_db()
    assert user.profile.login_count == 1


def test_greeting_follows_settings(settings: Any) -> None:
    profile = UserFactory(username="bob").profile
    assert profile.greeting() == "Welcome to the shop, bob!"
    settings.SHOP_WELCOME = "Hello {name}"
    assert profile.greeting() == "Hello bob"
