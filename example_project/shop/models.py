"""Products and the orders placed for them."""

from __future__ import annotations

from decimal import Decimal

from django.db import models


class Product(models.Model):
    """Something the shop sells."""

    name = models.CharField(max_length=100)
    price = models.DecimalField(max_digits=8, decimal_places=2)
    stock = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.name


class Order(models.Model):
    """An order for some units of one product; moves from new to placed to shipped."""

    class Status(models.TextChoices):
        NEW = "new"
        PLACED = "placed"
        SHIPPED = "shipped"

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="orders")
    quantity = models.PositiveIntegerField(default=1)
    email = models.EmailField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Order #{self.pk}"

    @property
    def total(self) -> Decimal:
        return self.product.price * self.quantity

    def place(self) -> None:
        """Reserve the stock and mark the order placed."""
        if self.status != self.Status.NEW:
            raise ValueError(f"{self} is already {self.status}")
        if self.product.stock < self.quantity:
            raise ValueError(f"{self.product} is out of stock")
        self.product.stock -= self.quantity
        self.product.save(update_fields=["stock"])
        self.status = self.Status.PLACED
        self.save(update_fields=["status"])

    def ship(self) -> None:
        """Mark a placed order shipped."""
        if self.status != self.Status.PLACED:
            raise ValueError(f"{self} cannot ship while {self.status}")
        self.status = self.Status.SHIPPED
        self.save(update_fields=["status"])
