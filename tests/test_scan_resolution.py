"""Following names across modules to a signal's definition, and naming modules from paths."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_signaltrace.model import SignalCategory, StaticMap

if TYPE_CHECKING:
    from conftest import ScanTree, WriteTree

SIGNALS = """
    from django.dispatch import Signal

    order_placed = Signal()
"""
PLACED = "shop.signals.order_placed"


def sent(smap: StaticMap) -> set[tuple[str | None, str]]:
    return {(s.signal, s.path) for s in smap.senders}


def test_import_of_a_module_reaches_the_signal(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        {
            "shop/__init__.py": "",
            "shop/signals.py": SIGNALS,
            "shop/views.py": """
                import shop.signals

                shop.signals.order_placed.send(sender=None)
            """,
        }
    )
    assert sent(smap) == {(PLACED, "shop/views.py")}


def test_import_of_a_module_as_an_alias_reaches_the_signal(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        {
            "shop/__init__.py": "",
            "shop/signals.py": SIGNALS,
            "shop/views.py": """
                import shop.signals as sigs

                sigs.order_placed.send(sender=None)
            """,
        }
    )
    assert sent(smap) == {(PLACED, "shop/views.py")}


def test_from_import_as_an_alias_reaches_the_signal(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        {
            "shop/__init__.py": "",
            "shop/signals.py": SIGNALS,
            "shop/views.py": """
                from shop.signals import order_placed as placed

                placed.send(sender=None)
            """,
        }
    )
    assert sent(smap) == {(PLACED, "shop/views.py")}


def test_relative_imports_of_a_module_and_of_a_name_reach_the_signal(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        {
            "shop/__init__.py": "",
            "shop/signals.py": SIGNALS,
            "shop/views.py": """
                from . import signals

                signals.order_placed.send(sender=None)
            """,
            "shop/api.py": """
                from .signals import order_placed

                order_placed.send(sender=None)
            """,
        }
    )
    assert sent(smap) == {(PLACED, "shop/views.py"), (PLACED, "shop/api.py")}


def test_a_relative_import_two_levels_up_reaches_the_signal(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        {
            "app/__init__.py": "",
            "app/core/__init__.py": "",
            "app/core/signals.py": SIGNALS,
            "app/orders/__init__.py": "",
            "app/orders/views.py": """
                from ..core import signals

                signals.order_placed.send(sender=None)
            """,
            "app/orders/sub/__init__.py": """
                from ...core.signals import order_placed

                order_placed.send(sender=None)
            """,
        }
    )
    assert sent(smap) == {
        ("app.core.signals.order_placed", "app/orders/views.py"),
        ("app.core.signals.order_placed", "app/orders/sub/__init__.py"),
    }


def test_a_module_attribute_alias_reaches_the_signal(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        {
            "shop/__init__.py": "",
            "shop/signals.py": SIGNALS,
            "shop/events.py": """
                from shop import signals

                placed = signals.order_placed
            """,
            "shop/views.py": """
                from shop.events import placed

                placed.send(sender=None)
            """,
            # Nothing here names a signal or a signals module: only ``events`` is imported.
            "shop/api.py": """
                from shop import events

                def place(order):
                    events.placed.send_robust(order)
            """,
        }
    )
    assert {(s.signal, s.method, s.path) for s in smap.senders} == {
        (PLACED, "send", "shop/views.py"),
        (PLACED, "send_robust", "shop/api.py"),
    }


def test_a_re_export_through_a_package_init_reaches_the_signal(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        {
            "shop/__init__.py": """
                from shop.signals import order_placed

                __all__ = ["order_placed"]
            """,
            "shop/signals.py": SIGNALS,
            "billing/__init__.py": "",
            "billing/views.py": """
                import shop
                from shop import order_placed

                order_placed.send(sender=None)
                shop.order_placed.send(sender=None)
            """,
        }
    )
    assert {(s.signal, s.line) for s in smap.senders} == {(PLACED, 4), (PLACED, 5)}


def test_a_re_export_through_a_module_the_prefilter_skips_reaches_the_signal(
    scan_tree: ScanTree,
) -> None:
    smap = scan_tree(
        {
            "shop/__init__.py": "",
            "shop/signals.py": SIGNALS,
            # No trigger text at all: only parsed on demand, when a name is looked up in it.
            "shop/api.py": """
                from .signals import order_placed as placed
            """,
            "shop/views.py": """
                from shop.api import placed

                def place():
                    placed.send(sender=None)
            """,
            "shop/receivers.py": """
                from django.dispatch import receiver
                from shop import api

                @receiver(api.placed)
                def on_placed(sender, **kwargs):
                    pass
            """,
        }
    )
    assert sent(smap) == {(PLACED, "shop/views.py")}
    assert {(r.signal, r.handler) for r in smap.receivers} == {(PLACED, "shop.receivers.on_placed")}
    assert {(s.signal, s.status) for s in smap.signals} == {(PLACED, "ok")}


def test_a_star_import_reaches_the_signal(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        {
            "shop/__init__.py": "",
            "shop/signals.py": SIGNALS,
            "shop/all_signals.py": """
                from shop.signals import *
            """,
            "shop/views.py": """
                from shop.signals import *

                order_placed.send(sender=None)
            """,
            "shop/api.py": """
                from shop.all_signals import order_placed

                order_placed.send_robust(sender=None)
            """,
        }
    )
    assert {(s.signal, s.path) for s in smap.senders} == {
        (PLACED, "shop/views.py"),
        (PLACED, "shop/api.py"),
    }


def test_django_builtin_signals_are_known_by_their_canonical_id(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        {
            "shop/__init__.py": "",
            "shop/receivers.py": """
                from django.contrib.auth.signals import user_logged_in
                from django.db.models import signals
                from django.db.models.signals import post_save
                from django.dispatch import receiver
                from django.test.signals import setting_changed

                @receiver(post_save)
                def on_saved(sender, **kwargs):
                    pass

                @receiver(signals.pre_delete)
                def on_deleting(sender, **kwargs):
                    pass

                @receiver(setting_changed)
                def on_setting(sender, **kwargs):
                    pass

                user_logged_in.connect(on_saved)
            """,
        }
    )
    assert {(r.signal, r.handler) for r in smap.receivers} == {
        ("django.db.models.signals.post_save", "shop.receivers.on_saved"),
        ("django.db.models.signals.pre_delete", "shop.receivers.on_deleting"),
        ("django.core.signals.setting_changed", "shop.receivers.on_setting"),
        ("django.contrib.auth.signals.user_logged_in", "shop.receivers.on_saved"),
    }
    assert {(s.signal, s.category, s.framework) for s in smap.signals} == {
        ("django.db.models.signals.post_save", SignalCategory.BUILTIN, "django"),
        ("django.db.models.signals.pre_delete", SignalCategory.BUILTIN, "django"),
        ("django.core.signals.setting_changed", SignalCategory.BUILTIN, "django"),
        ("django.contrib.auth.signals.user_logged_in", SignalCategory.BUILTIN, "django"),
    }


def test_celery_builtin_signals_are_known_by_their_canonical_id(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        {
            "jobs/__init__.py": "",
            "jobs/hooks.py": """
                import celery.signals
                from celery.signals import task_success

                def on_success(sender=None, **kwargs):
                    pass

                task_success.connect(on_success)
                celery.signals.worker_ready.connect(on_success)
            """,
        }
    )
    assert {(r.signal, r.handler) for r in smap.receivers} == {
        ("celery.signals.task_success", "jobs.hooks.on_success"),
        ("celery.signals.worker_ready", "jobs.hooks.on_success"),
    }
    assert {(s.signal, s.category, s.framework) for s in smap.signals} == {
        ("celery.signals.task_success", SignalCategory.BUILTIN, "celery"),
        ("celery.signals.worker_ready", SignalCategory.BUILTIN, "celery"),
    }


def test_a_third_party_signal_is_external(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        {
            "accounts/__init__.py": "",
            "accounts/receivers.py": """
                from allauth.account.signals import user_signed_up
                from django.dispatch import receiver

                @receiver(user_signed_up)
                def welcome(request, user, **kwargs):
                    pass
            """,
        }
    )
    assert {(r.signal, r.handler) for r in smap.receivers} == {
        ("allauth.account.signals.user_signed_up", "accounts.receivers.welcome")
    }
    assert {(s.signal, s.category, s.status) for s in smap.signals} == {
        ("allauth.account.signals.user_signed_up", SignalCategory.EXTERNAL, "ok")
    }


def test_module_names_start_at_the_topmost_package(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        {
            # ``apiserver`` and ``paasng`` (the outer one) have no __init__.py: not part of names.
            "apiserver/paasng/paasng/__init__.py": "",
            "apiserver/paasng/paasng/core/__init__.py": "",
            "apiserver/paasng/paasng/core/signals.py": SIGNALS,
            "apiserver/paasng/paasng/core/views.py": """
                from paasng.core.signals import order_placed

                order_placed.send(sender=None)
            """,
            "scripts/tool.py": """
                from django.dispatch import Signal

                tool_ran = Signal()
            """,
        }
    )
    assert {d.signal for d in smap.definitions} == {
        "paasng.core.signals.order_placed",
        "tool.tool_ran",
    }
    assert {s.signal for s in smap.senders} == {"paasng.core.signals.order_placed"}


def test_package_roots_name_namespace_packages(tree: WriteTree) -> None:
    from pytest_signaltrace.scan import scan

    root = tree(
        {
            # A src layout whose packages have no __init__.py (namespace packages), and no
            # import that says how they are named.
            "src/shop/core/signals.py": SIGNALS,
            "src/shop/views.py": """
                from django.dispatch import receiver

                @receiver(order_placed)
                def on_placed(sender, **kwargs): ...
            """,
        }
    )
    plain = scan(root)
    rooted = scan(root, package_roots=[root / "src"])
    assert {d.signal for d in plain.definitions} == {"signals.order_placed"}
    assert {d.signal for d in rooted.definitions} == {"shop.core.signals.order_placed"}
    assert {r.handler for r in rooted.receivers} == {"shop.views.on_placed"}


def test_absolute_imports_name_namespace_packages_without_package_roots(
    scan_tree: ScanTree,
) -> None:
    smap = scan_tree(
        {
            "manage.py": "",
            "src/shop/core/signals.py": SIGNALS,
            "src/shop/views.py": """
                from shop.core.signals import order_placed

                order_placed.send(sender=None)
            """,
            # Folders nothing imports keep the usual names.
            "scripts/tool.py": """
                from django.dispatch import Signal

                tool_ran = Signal()
            """,
        }
    )
    assert {d.signal for d in smap.definitions} == {
        "shop.core.signals.order_placed",
        "tool.tool_ran",
    }
    assert sent(smap) == {("shop.core.signals.order_placed", "src/shop/views.py")}


