"""Fixtures shared by all apps' tests: a product in stock and a new order for it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shop.models import Order, Product


@pytest.fixture
def product(db: None) -> Product:
    return Product.objects.create(name="Teapot", price=Decimal("25.00"), stock=10)


@pytest.fixture
def order(product: Product) -> Order:
    return Order.objects.create(product=product, quantity=2, email="ann@example.com")
