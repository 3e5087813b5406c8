"""What ``fix`` needs to know of a file's names: its module, the package its relative imports
resolve against, and which signal each element of ``@receiver([a, b])`` is."""

from __future__ import annotations

import os
from pathlib import Path

import libcst as cst
import pytest

from pytest_signaltrace.fix.apply import target_in_tree
from pytest_signaltrace.fix.names import aliases, match_elements, module_of, package_for


def test_the_module_comes_from_the_package_folders(tmp_path: Path) -> None:
    (tmp_path / "src" / "shop" / "sub").mkdir(parents=True)
    (tmp_path / "src" / "shop" / "__init__.py").write_text("")
    (tmp_path / "src" / "shop" / "sub" / "__init__.py").write_text("")
    assert module_of(tmp_path, "src/shop/sub/hooks.py") == "shop.sub.hooks"
    assert module_of(tmp_path, "src/shop/sub/__init__.py") == "shop.sub"
    assert module_of(tmp_path, "manage.py") == "manage"


@pytest.mark.parametrize(
    ("module", "relpath", "source", "package"),
    [
        ("shop.receivers", "shop/receivers.py", "from . import x\n", "shop"),
        ("shop", "shop/__init__.py", "from .signals import x\n", "shop"),
        ("shop.sub.hooks", "shop/sub/hooks.py", "from ..signals import x\n", "shop.sub"),
        # Deeper than the package known: a stand-in, consistent within the file.
        ("hooks", "hooks.py", "from .. import x\n", "_p0._p1"),
    ],
)
def test_relative_imports_resolve_against_a_package_deep_enough(
    module: str, relpath: str, source: str, package: str
) -> None:
    assert package_for(module, relpath, cst.parse_module(source)) == package


def test_list_elements_are_told_apart_by_imports_then_by_unique_tails() -> None:
    tree = cst.parse_module(
        "from shop import signals\nfrom shop.signals import dead as gone\nimport other.sig as o\n"
    )
    names = aliases(tree, "shop")
    signals = {"shop.signals.dead", "shop.signals.live", "other.sig.ping"}

    def elements(text: str) -> list[cst.BaseExpression]:
        value = cst.parse_expression(text)
        assert isinstance(value, cst.List)
        return [e.value for e in value.elements]

    assert match_elements(elements("[gone, signals.live, o.ping]"), signals, names, "shop.r") == [
        "shop.signals.dead",
        "shop.signals.live",
        "other.sig.ping",
    ]
    # Not imported here (a re-export): the tail names exactly one of the line's signals.
    assert match_elements(elements("[live]"), signals, names, "shop.r") == ["shop.signals.live"]
    # Two signals end in ".dead": not told apart, so the decorator is left alone.
    both = {"shop.signals.dead", "billing.signals.dead"}
    assert match_elements(elements("[dead]"), both, {}, "x") is None
    assert match_elements(elements("[make()]"), signals, names, "shop.r") is None


def test_a_path_is_in_the_tree_only_without_a_symlink_on_the_way(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "shop").mkdir(parents=True)
    (root / "shop" / "a.py").write_text("")
    (tmp_path / "outside.py").write_text("")
    os.symlink(tmp_path / "outside.py", root / "shop" / "link.py")
    os.symlink(root / "shop", root / "alias")
    assert target_in_tree(root, "shop/a.py") == (root / "shop" / "a.py").resolve()
    assert target_in_tree(root, "shop/link.py") is None
    assert target_in_tree(root, "alias/a.py") is None
    assert target_in_tree(root, "../outside.py") is None
