"""Messages queued for customers and staff."""

from __future__ import annotations

from django.db import models


class Notification(models.Model):
    """One message about an order, delivered later by ``drain_notifications``."""

    order = models.ForeignKey("shop.Order", on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20)
    message = models.CharField(max_length=200)
    delivered = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"
