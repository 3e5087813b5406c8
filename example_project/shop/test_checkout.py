"""Checkout and login as ``django.test.TestCase`` classes: they run under pytest-django and under
Django's own runner (``python manage.py test shop.test_checkout``), so the two can be traced and
compared (``signaltrace run -- python manage.py test shop.test_checkout``)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import User
from django.core import mail
from django.test import TestCase

from notifications.channels import sms
from shop import services
from shop.models import Order, Product


class CheckoutTests(TestCase):
    """Placing and shipping an order fire the shop's signals."""

    product: Product

    @classmethod
    def setUpTestData(cls) -> None:
        cls.product = Product.objects.create(name="Kettle", price=Decimal("30.00"), stock=5)

    def setUp(self) -> None:
        self.order = Order.objects.create(product=self.product, quantity=1, email="cy@example.com")

    def kinds(self) -> list[str]:
        return sorted(self.order.notifications.values_list("kind", flat=True))

    def test_placing_an_order_notifies_and_mails_the_receipt_after_commit(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            services.place_order(self.order)
        self.assertEqual(self.kinds(), ["customer", "warehouse"])
        self.assertEqual(
            [message.subject for message in mail.outbox],
            [f"Order #{self.order.pk} confirmed", f"Receipt for order #{self.order.pk}"],
        )

    def test_shipping_an_order_texts_the_customer(self) -> None:
        services.place_order(self.order)
        services.ship_order(self.order)
        self.assertEqual(self.order.status, Order.Status.SHIPPED)
        self.assertEqual(sms.outbox[-1], f"Order #{self.order.pk} is on its way")


class LoginTests(TestCase):
    """Logins and settings reach the accounts app's receivers."""

    def test_logging_in_is_counted(self) -> None:
        user = User.objects.create_user("cy", password="tea-for-two")
        self.assertTrue(self.client.login(username="cy", password="tea-for-two"))
        user.profile.refresh_from_db()
        self.assertEqual(user.profile.login_count, 1)

    def test_the_greeting_follows_an_overridden_setting(self) -> None:
        profile = User.objects.create_user("di").profile
        with self.settings(SHOP_WELCOME="Hi {name}"):
            self.assertEqual(profile.greeting(), "Hi di")
        self.assertEqual(profile.greeting(), "Welcome to the shop, di!")
