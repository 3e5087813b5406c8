"""URL routes of the demo shop."""

from __future__ import annotations

from django.urls import path

from shop import views

urlpatterns = [
    path("orders/<int:pk>/pickup/", views.carrier_pickup, name="carrier-pickup"),
]
