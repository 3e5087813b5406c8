"""HTTP endpoints of the shop."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .events import shipped
from .models import Order


@csrf_exempt
@require_POST
def carrier_pickup(request: HttpRequest, pk: int) -> JsonResponse:
    """Webhook called by the carrier when it picks a parcel up: the order is shipped."""
    order = get_object_or_404(Order, pk=pk)
    order.ship()
    shipped.send(sender=Order, order=order, source="carrier")
    return JsonResponse({"id": order.pk, "status": order.status})
