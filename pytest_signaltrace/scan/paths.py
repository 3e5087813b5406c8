"""Module names and test-code detection from file paths."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

#: Files that say "this folder is the top of a checkout" (where Python runs from).
CHECKOUT_MARKERS = ("manage.py", "pyproject.toml", "setup.py", "setup.cfg", ".git")

_TEST_DIRS = frozenset({"tests", "test"})
_TEST_FILES = frozenset({"conftest.py", "tests.py"})


def is_test_path(relpath: str) -> bool:
    """Whether a file (POSIX path relative to the root) is test code.

    Test code lives in a ``tests``/``test`` folder, or is ``conftest.py``, ``test_*.py``,
    ``*_test.py``, or Django's per-app ``tests.py``.
    """
    path = PurePosixPath(relpath)
    name = path.name
    if name in _TEST_FILES or name.startswith("test_") or name.endswith("_test.py"):
        return True
    return any(part in _TEST_DIRS for part in path.parts[:-1])


#: What a folder is on disk, for :meth:`ModuleNamer.is_package`.
_FILESYSTEM_ROOT, _HAS_INIT, _PLAIN = 0, 1, 2


class ModuleNamer:
    """Gives the dotted module name of a source file.

    The package of a file is found by walking up while the folder is a package: it has an
    ``__init__.py``, or it is one of ``namespaces`` (folders known to be namespace packages), and
    it is not one of ``entries`` (folders that are import roots, like a ``sys.path`` entry)
    (``apiserver/paasng/paasng/core/signals.py`` -> ``paasng.core.signals``). A file below one
    of the configured ``package_roots`` (namespace packages, ``src`` layouts without
    ``__init__.py``) is named by its path relative to the closest such root instead.
    :func:`pytest_signaltrace.scan.naming.plan_naming` chooses ``entries`` and ``namespaces``.
    """

    def __init__(
        self,
        package_roots: Sequence[Path] = (),
        *,
        entries: Iterable[str] = (),
        namespaces: Iterable[str] = (),
        init_cache: dict[str, int] | None = None,
    ) -> None:
        self._roots = sorted((str(r.absolute()) for r in package_roots), key=lambda p: -len(p))
        self._entries = frozenset(entries)
        self._namespaces = frozenset(namespaces)
        #: Folder -> what it is on disk (the root of the file system, a folder with an
        #: ``__init__.py``, another folder); may be shared between namers.
        self._inits = {} if init_cache is None else init_cache
        #: Folder -> dotted package it is ("" when it is not a package).
        self._packages: dict[str, str] = {}

    def is_package(self, folder: str) -> bool:
        """Whether ``folder`` (absolute) is a package under this naming."""
        if folder in self._entries:
            return False
        # What the folder is on disk, learnt once (the naming plan asks thousands of times).
        kind = self._inits.get(folder)
        if kind is None:
            if os.path.dirname(folder) == folder:
                kind = _FILESYSTEM_ROOT
            elif os.path.isfile(os.path.join(folder, "__init__.py")):
                kind = _HAS_INIT
            else:
                kind = _PLAIN
            self._inits[folder] = kind
        if kind == _FILESYSTEM_ROOT:
            return False
        return kind == _HAS_INIT or folder in self._namespaces

    def configured_root(self, path: str) -> str | None:
        """The configured package root that ``path`` (absolute) lies below, if any."""
        return next((r for r in self._roots if path.startswith(r + os.sep)), None)

    def _package(self, folder: str) -> str:
        known = self._packages.get(folder)
        if known is None:
            if not self.is_package(folder):
                known = ""
            else:
                above = self._package(os.path.dirname(folder))
                name = os.path.basename(folder)
                known = f"{above}.{name}" if above else name
            self._packages[folder] = known
        return known

    def module_name(self, path: Path | str) -> str:
        """The dotted module name of the file at ``path`` (``pkg/__init__.py`` is ``pkg``)."""
        text = absolute(path)
        root = self.configured_root(text)
        if root is not None:
            parts = text[len(root) + 1 :].removesuffix(".py").split(os.sep)
            return _join(parts)
        folder, filename = os.path.split(text)
        stem = filename.removesuffix(".py")
        package = self._package(folder)
        if stem == "__init__":
            return package or stem
        return f"{package}.{stem}" if package else stem


def absolute(path: Path | str) -> str:
    """``os.path.abspath(path)``, without its cost for a path that is already absolute and
    normal (every path the walk yields, the scan names thousands)."""
    if (
        type(path) is str
        and path.startswith(os.sep)
        and not path.endswith(os.sep)
        and (os.sep + os.sep) not in path
        and (os.sep + os.curdir) not in path  # "/./", "/../", "/." at the end (and "/.x")
        and not (os.altsep and os.altsep in path)
    ):
        return path
    return os.path.abspath(path)


def _join(parts: list[str]) -> str:
    if len(parts) > 1 and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def package_of(module: str, is_package: bool) -> str:
    """The package that relative imports in ``module`` start from."""
    if is_package:
        return module
    return module.rpartition(".")[0]
