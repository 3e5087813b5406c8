"""Write a generated, signal-heavy Django project and its pytest suite (for ``run.py``).

``python benchmarks/gen_suite.py DIR [--tests N]`` writes ``DIR/`` with a Django site
(``benchsite``), one app (``shop``: three models, custom signals with 0 to 5 receivers,
receivers on ``post_save``/``pre_save``, a middleware, templates) and ``N`` tests (default
2,000) in files of 100, cycling through five kinds:

1. a test-client request through the middleware and a template that includes another one
   per row (``request_started``/``finished``, ``template_rendered`` with the client's receiver);
2. an ORM load of 300 rows (``pre_init``/``post_init`` per instance);
3. model saves with receivers (``pre_save``/``post_save`` and a custom signal sent from a
   receiver);
4. custom signals with 0 to 5 receivers, sent 20 times;
5. ``override_settings`` around a request (``setting_changed`` twice).

The rows are created once per session (pytest-django's ``django_db_setup``); each test runs in a
transaction. Uses only Django, pytest and pytest-django.
"""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path

ROWS = 300
PER_FILE = 100

FILES = {
    "pytest.ini": """\
        [pytest]
        DJANGO_SETTINGS_MODULE = benchsite.settings
        testpaths = tests
        """,
    "benchsite/__init__.py": "",
    "benchsite/settings.py": """\
        SECRET_KEY = "benchmark-only"
        DEBUG = False
        USE_TZ = True
        ALLOWED_HOSTS = ["testserver"]
        INSTALLED_APPS = [
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "shop",
        ]
        MIDDLEWARE = [
            "django.middleware.common.CommonMiddleware",
            "shop.middleware.AuditMiddleware",
        ]
        ROOT_URLCONF = "benchsite.urls"
        DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
        TEMPLATES = [
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "APP_DIRS": True,
                "OPTIONS": {},
            }
        ]
        DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
        """,
    "benchsite/urls.py": """\
        from django.urls import path

        from shop import views

        urlpatterns = [
            path("orders/", views.order_list),
            path("orders/<int:pk>/", views.order_detail),
        ]
        """,
    "shop/__init__.py": "",
    "shop/apps.py": """\
        from django.apps import AppConfig


        class ShopConfig(AppConfig):
            name = "shop"

            def ready(self):
                from shop import receivers  # noqa: F401
        """,
    "shop/models.py": """\
        from django.db import models


        class Customer(models.Model):
            name = models.CharField(max_length=50)


        class Order(models.Model):
            customer = models.ForeignKey(Customer, on_delete=models.CASCADE)
            total = models.IntegerField(default=0)
            note = models.CharField(max_length=50, blank=True)


        class Item(models.Model):
            order = models.ForeignKey(Order, on_delete=models.CASCADE)
            name = models.CharField(max_length=50)
            price = models.IntegerField()
        """,
    "shop/signals.py": """\
        from django.dispatch import Signal

        order_placed = Signal()
        request_audited = Signal()
        custom_0 = Signal()
        custom_1 = Signal()
        custom_2 = Signal()
        custom_3 = Signal()
        custom_4 = Signal()
        custom_5 = Signal()
        CUSTOM = [custom_0, custom_1, custom_2, custom_3, custom_4, custom_5]
        """,
    "shop/receivers.py": """\
        from django.db.models.signals import post_save, pre_save
        from django.dispatch import receiver

        from shop import signals
        from shop.models import Item, Order

        SEEN = {"orders": 0, "items": 0, "custom": 0, "audits": 0}


        @receiver(post_save, sender=Order)
        def order_saved(sender, instance, created, **kwargs):
            SEEN["orders"] += 1
            if created:
                signals.order_placed.send(sender=Order, order=instance)


        @receiver(pre_save, sender=Item)
        def item_priced(sender, instance, **kwargs):
            instance.price = max(instance.price, 0)


        @receiver(signals.order_placed)
        def notify(sender, order, **kwargs):
            SEEN["items"] += 1


        @receiver(signals.request_audited)
        def audit(sender, path, **kwargs):
            SEEN["audits"] += 1


        def _counter(index):
            def on_custom(sender, **kwargs):
                SEEN["custom"] += index
                return index

            on_custom.__qualname__ = on_custom.__name__ = f"on_custom_{index}"
            return on_custom


        RECEIVERS = []
        for count, sig in enumerate(signals.CUSTOM):
            for index in range(count):
                function = _counter(index)
                RECEIVERS.append(function)
                sig.connect(function, dispatch_uid=f"custom-{count}-{index}")
        """,
    "shop/middleware.py": """\
        from shop.signals import request_audited


        class AuditMiddleware:
            def __init__(self, get_response):
                self.get_response = get_response

            def __call__(self, request):
                request_audited.send(sender=type(self), path=request.path)
                return self.get_response(request)
        """,
    "shop/views.py": """\
        from django.shortcuts import get_object_or_404, render

        from shop.models import Order


        def order_list(request):
            orders = Order.objects.select_related("customer").order_by("pk")[:30]
            return render(request, "shop/list.html", {"orders": orders})


        def order_detail(request, pk):
            order = get_object_or_404(Order, pk=pk)
            items = order.item_set.all()
            return render(request, "shop/detail.html", {"order": order, "items": items})
        """,
    "shop/templates/shop/list.html": """\
        <ul>{% for order in orders %}{% include "shop/row.html" %}{% endfor %}</ul>
        """,
    "shop/templates/shop/row.html": """\
        <li>{{ order.customer.name }}: {{ order.total }}</li>
        """,
    "shop/templates/shop/detail.html": """\
        <h1>{{ order.pk }}</h1>
        {% for item in items %}<p>{{ item.name }} {{ item.price }}</p>{% endfor %}
        """,
    "tests/__init__.py": "",
    "tests/conftest.py": f"""\
        import pytest


        @pytest.fixture(scope="session")
        def django_db_setup(django_db_setup, django_db_blocker):
            from shop.models import Customer, Item, Order

            with django_db_blocker.unblock():
                customer = Customer.objects.create(name="Ada")
                orders = Order.objects.bulk_create(
                    Order(customer=customer, total=i) for i in range(30)
                )
                Item.objects.bulk_create(
                    Item(order=orders[i % 30], name=f"item {{i}}", price=i) for i in range({ROWS})
                )
        """,
}

TEST_FILE_HEAD = """\
import pytest
from django.test import override_settings

from shop import signals
from shop.models import Customer, Item, Order

pytestmark = pytest.mark.django_db
"""

KINDS = [
    """\
def test_request_{n}(client):
    response = client.get("/orders/")
    assert response.status_code == 200
    assert len(response.templates) > 1
""",
    """\
def test_load_{n}():
    items = list(Item.objects.all())
    assert len(items) == {rows}
""",
    """\
def test_save_{n}():
    customer = Customer.objects.create(name="c{n}")
    order = Order.objects.create(customer=customer, total={n})
    Item.objects.create(order=order, name="x", price=-1)
    order.note = "paid"
    order.save()
    assert Item.objects.filter(order=order).get().price == 0
""",
    """\
def test_custom_{n}():
    sig = signals.CUSTOM[{n} % 6]
    for _ in range(20):
        responses = sig.send(sender=None)
    assert len(responses) == {n} % 6
""",
    """\
def test_settings_{n}(client):
    with override_settings(BENCH_FLAG={n}):
        response = client.get("/orders/{pk}/")
    assert response.status_code == 200
""",
]


def write_suite(root: Path, tests: int) -> None:
    """Write the project and ``tests`` tests under ``root``."""
    for name, text in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    for start in range(0, tests, PER_FILE):
        body = [TEST_FILE_HEAD]
        for n in range(start, min(start + PER_FILE, tests)):
            kind = KINDS[n % len(KINDS)]
            body.append(kind.format(n=n, rows=ROWS, pk=n % 30 + 1))
        path = root / "tests" / f"test_gen_{start // PER_FILE:03d}.py"
        path.write_text("\n\n".join(body), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Command line: write the suite."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--tests", type=int, default=2000)
    args = parser.parse_args(argv)
    write_suite(args.root, args.tests)
    print(f"wrote {args.tests} tests under {args.root}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
