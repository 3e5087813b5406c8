"""Module names: where the import roots are, chosen so that the project's own imports resolve."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_signaltrace.cli import main
from pytest_signaltrace.model import StaticMap
from pytest_signaltrace.scan.naming import read_imports

if TYPE_CHECKING:
    from conftest import ScanTree, WriteTree

SIGNALS = """
    from django.dispatch import Signal

    order_placed = Signal()
"""


def defined(smap: StaticMap) -> set[str]:
    return {d.signal for d in smap.definitions}


def sent(smap: StaticMap) -> set[tuple[str | None, str]]:
    return {(s.signal, s.path) for s in smap.senders}


def test_read_imports_gives_dotted_names_and_the_deepest_relative_level() -> None:
    source = b"""import os, shop.signals as s
from celery import shared_task
from shop import signals, views as v
from x.y import (
    a,
    b as c,
)
from . import z
    from ...q import r
import celery
"""
    names, level = read_imports(source)
    # One-part names (``celery``) and the standard library say nothing about naming.
    assert set(names) == {
        "shop.signals",
        "shop.views",
        "celery.shared_task",
        "x.y",
        "x.y.a",
        "x.y.b",
    }
    assert level == 3


def test_read_imports_reads_the_statements_after_a_semicolon() -> None:
    source = b"""import os; import shop.signals
x = 1; from shop.views import a, b; from ..up import c
import json;from billing.tasks import charge  # comment; import ignored.here
"""
    names, level = read_imports(source)
    assert set(names) == {
        "shop.signals",
        "shop.views",
        "shop.views.a",
        "shop.views.b",
        "billing.tasks",
        "billing.tasks.charge",
        # A ``;`` inside a comment or a string is not told from a statement's: a name too
        # many only makes the naming plan and the wrapper callers read one more candidate.
        "ignored.here",
    }
    assert level == 2


def test_an_init_at_the_top_of_a_checkout_does_not_prefix_every_module(
    scan_tree: ScanTree,
) -> None:
    smap = scan_tree(
        {
            "__init__.py": "",
            "shop/__init__.py": "",
            "shop/signals.py": SIGNALS,
            "shop/views.py": """
                from shop.signals import order_placed

                order_placed.send(sender=None)
            """,
        }
    )
    assert defined(smap) == {"shop.signals.order_placed"}
    assert sent(smap) == {("shop.signals.order_placed", "shop/views.py")}


def test_an_init_at_the_top_of_a_checkout_with_no_import_to_tell_names_from_the_checkout(
    scan_tree: ScanTree,
) -> None:
    # Nothing imports across modules: manage.py says the checkout is where Python runs from.
    smap = scan_tree(
        {"__init__.py": "", "manage.py": "", "shop/__init__.py": "", "shop/signals.py": SIGNALS}
    )
    assert defined(smap) == {"shop.signals.order_placed"}


def test_scanning_a_package_folder_keeps_the_package_name_its_imports_use(
    tree: WriteTree,
) -> None:
    from pytest_signaltrace.scan import scan

    files = {
        "django_like/__init__.py": "",
        "django_like/core/__init__.py": "",
        "django_like/core/signals.py": SIGNALS,
        "django_like/views.py": """
            from django_like.core.signals import order_placed

            order_placed.send(sender=None)
        """,
    }
    smap = scan(tree(files) / "django_like")
    assert defined(smap) == {"django_like.core.signals.order_placed"}
    assert sent(smap) == {("django_like.core.signals.order_placed", "views.py")}


def test_scanning_a_package_folder_with_no_import_to_tell_keeps_the_usual_rule(
    tree: WriteTree,
) -> None:
    from pytest_signaltrace.scan import scan

    package = tree({"shop/__init__.py": "", "shop/signals.py": SIGNALS}) / "shop"
    assert defined(scan(package)) == {"shop.signals.order_placed"}


def test_a_package_below_path_is_an_import_root_when_the_imports_say_so(
    scan_tree: ScanTree,
) -> None:
    smap = scan_tree(
        {
            # backend/ is where manage.py runs: its __init__.py is a stray.
            "backend/__init__.py": "",
            "backend/manage.py": "",
            "backend/shop/__init__.py": "",
            "backend/shop/signals.py": SIGNALS,
            "backend/shop/views.py": """
                from shop.signals import order_placed

                order_placed.send(sender=None)
            """,
            # A package whose imports use its full name keeps it.
            "lib/__init__.py": "",
            "lib/events.py": """
                from django.dispatch import Signal

                ran = Signal()
            """,
            "lib/api.py": """
                from lib.events import ran

                ran.send(sender=None)
            """,
        }
    )
    assert defined(smap) == {"shop.signals.order_placed", "lib.events.ran"}
    assert sent(smap) == {
        ("shop.signals.order_placed", "backend/shop/views.py"),
        ("lib.events.ran", "lib/api.py"),
    }


def test_an_installed_package_imported_by_name_does_not_rename_a_module_of_the_same_name(
    tree: WriteTree,
) -> None:
    from pytest_signaltrace.scan.files import discover
    from pytest_signaltrace.scan.naming import plan_naming

    # config/celery.py next to ``from celery import Celery`` everywhere: still config.celery.
    root = tree(
        {
            "config/__init__.py": "",
            "config/celery.py": """
                from celery import Celery
                from celery.signals import task_success
            """,
            "shop/__init__.py": "",
            "shop/tasks.py": """
                from celery import shared_task
                from celery import Celery
            """,
        }
    )
    found = discover(root)
    namer = plan_naming(found.files, [root])
    assert {namer.module_name(f.path) for f in found.files} == {
        "config",
        "config.celery",
        "shop",
        "shop.tasks",
    }


def test_relative_imports_resolve_in_folders_without_init(scan_tree: ScanTree) -> None:
    smap = scan_tree(
        {
            "manage.py": "",
            "app/signals.py": SIGNALS,
            "app/orders/views.py": """
                from ..signals import order_placed

                order_placed.send(sender=None)
            """,
            "app/api.py": """
                from .signals import order_placed as placed

                placed.send(sender=None)
            """,
        }
    )
    assert defined(smap) == {"app.signals.order_placed"}
    assert sent(smap) == {
        ("app.signals.order_placed", "app/orders/views.py"),
        ("app.signals.order_placed", "app/api.py"),
    }


def test_relative_imports_below_a_regular_package_mark_only_the_folders_they_reach(
    scan_tree: ScanTree,
) -> None:
    smap = scan_tree(
        {
            "shop/__init__.py": "",
            "shop/signals.py": SIGNALS,
            # shop/plugins/ has no __init__.py: a namespace package inside shop.
            "shop/plugins/mail.py": """
                from ..signals import order_placed

                order_placed.send(sender=None)
            """,
        }
    )
    assert sent(smap) == {("shop.signals.order_placed", "shop/plugins/mail.py")}


def test_cli_package_root_is_resolved_against_path_not_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    (project / "src" / "ns" / "shop").mkdir(parents=True)
    (project / "src" / "ns" / "shop" / "signals.py").write_text(textwrap.dedent(SIGNALS))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    output = tmp_path / "map.json"
    args = ["scan", str(project), "--package-root", "src", "--format", "json", "-o", str(output)]
    assert main([*args, "--no-cache"]) == 0
    signals = [d["signal"] for d in json.loads(output.read_text())["definitions"]]
    assert signals == ["ns.shop.signals.order_placed"]


def test_cli_package_root_that_is_not_a_folder_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", str(tmp_path), "--package-root", "nope", "--no-cache"]) == 2
    assert "--package-root: not a folder" in capsys.readouterr().err


def test_the_naming_plan_is_cached_and_follows_changed_imports(
    tree: WriteTree, tmp_path: Path
) -> None:
    from pytest_signaltrace.scan import scan

    files = {
        "checkout/__init__.py": "",
        "checkout/shop/__init__.py": "",
        "checkout/shop/signals.py": SIGNALS,
        "checkout/shop/views.py": "from shop.signals import order_placed\n",
    }
    root = tree(files) / "checkout"
    cache = tmp_path / "cache"
    assert defined(scan(root, cache_dir=cache)) == {"shop.signals.order_placed"}
    assert list((cache / "naming-v1").glob("*.json"))
    assert defined(scan(root, cache_dir=cache)) == {"shop.signals.order_placed"}
    # Now the project imports itself by the checkout's name: the plan follows.
    (root / "shop" / "views.py").write_text("from checkout.shop.signals import order_placed\n")
    assert defined(scan(root, cache_dir=cache)) == {"checkout.shop.signals.order_placed"}
