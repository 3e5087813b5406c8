"""Signals of installed packages, learnt from their source: never imported.

``from someapp import action`` where the installed ``someapp/__init__.py`` does
``from .signals import action`` and ``someapp/signals.py`` has ``action = Signal()``: the scan
finds the folder of ``someapp`` with :class:`importlib.machinery.PathFinder`, which looks in the
``sys.path`` folders and imports nothing (``importlib.util.find_spec`` of a dotted name would
import its parent packages), walks the package's folders itself, and reads the modules on the
way with the scanner's own fact extraction. The signal's id is its definition:
``someapp.signals.action``, as the runtime trace names it.

Only what a name needs is read, once per module (and per file in the facts cache when one is
given). Standard-library modules, the frameworks' packages (their signals are in the catalogue) and
the scanned folders themselves are never looked up.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from importlib.machinery import PathFinder
from pathlib import Path

from pytest_signaltrace.frameworks import named_id
from pytest_signaltrace.model import Framework
from pytest_signaltrace.record import Record
from pytest_signaltrace.scan import catalogue
from pytest_signaltrace.scan.bytefacts import content_digest
from pytest_signaltrace.scan.cache import FactsCache, facts_key
from pytest_signaltrace.scan.facts import ModuleFacts
from pytest_signaltrace.scan.files import DEFAULT_MAX_FILE_SIZE

_MAX_HOPS = 25
#: Never looked up: the standard library has no signal, and the frameworks' are all in the
#: catalogue (:func:`_skipped`).
_STDLIB_TOPS = frozenset(sys.stdlib_module_names)


def _skipped(top: str) -> bool:
    """Whether a top-level package's installed source is never read."""
    return top in _STDLIB_TOPS or top in catalogue.framework_packages()


class _Located(Record):
    """Where an installed module is: its source file (if any) and, for a package, its folders."""

    file: str | None
    locations: tuple[str, ...] = ()

    @property
    def is_package(self) -> bool:
        return bool(self.locations)


class InstalledSource:
    """Follows dotted names into the source of installed packages, to their signal definition."""

    def __init__(
        self,
        search_path: Sequence[str] | None = None,
        *,
        exclude: Sequence[Path] = (),
        cache: FactsCache | None = None,
    ) -> None:
        excluded = [os.path.abspath(folder) for folder in exclude]
        # '' is the current folder, and the scanned folders are the project: neither is
        # "installed".
        self._path = [
            entry
            for entry in (sys.path if search_path is None else search_path)
            if entry
            and not any(
                _same_or_inside(os.path.abspath(entry), folder) for folder in excluded
            )
        ]
        self._cache = cache if cache is not None else FactsCache(None)
        self._located: dict[str, _Located | None] = {}
        self._facts: dict[str, ModuleFacts | None] = {}
        self._signals: dict[str, str | None] = {}
        #: The framework of each signal found (:meth:`signal`).
        self.frameworks: dict[str, Framework] = {}

    @property
    def looked_up(self) -> bool:
        """Whether any installed package was looked for (what was found depends on the search
        path and on files outside the scanned tree)."""
        return bool(self._located)

    def signal(self, dotted: str) -> str | None:
        """The id of the installed signal ``dotted`` names, or ``None`` when it names none."""
        if "." not in dotted or _skipped(dotted.partition(".")[0]):
            return None
        if dotted not in self._signals:
            self._signals[dotted] = self._follow(dotted, 0)
        return self._signals[dotted]

    def _follow(self, dotted: str, hops: int) -> str | None:
        dotted = catalogue.canonical_builtin(dotted)
        if dotted in catalogue.builtin_signals():
            return dotted
        module, rest = self._split(dotted)
        if module is None or not rest or hops > _MAX_HOPS:
            return None
        facts = self.facts_of(module)
        if facts is None:
            return None
        qualname = ".".join(rest)
        for definition in facts.definitions:
            if definition.qualname != qualname:
                continue
            made = self._made(definition.signal_class.target, definition.name, hops + 1)
            if made is not None:
                signal = made[0] or f"{module}.{qualname}"
                self.frameworks[signal] = made[1]
                return signal
        bound = facts.bindings.get(rest[0])
        if bound is not None:
            return self._follow(".".join([bound, *rest[1:]]), hops + 1)
        for star in facts.star_imports:
            found = self._follow(".".join([star, *rest]), hops + 1)
            if found is not None:
                return found
        return None

    def _made(
        self, callee: str | None, name: str | None, hops: int
    ) -> tuple[str, Framework] | None:
        """What a definition's call makes, and its framework: ``""`` for a signal named where it
        is held (a signal class, a namespace's method), the id of a signal made by name alone;
        ``None`` for no signal."""
        if callee is None:
            return None
        framework = self._framework_of(callee, hops, None)
        if framework is not None:
            return "", framework
        owner, _, method = callee.rpartition(".")
        framework = self._framework_of(owner, hops, catalogue.signal_factories(method))
        if framework is not None:
            return "", framework
        framework = self._framework_of(callee, hops, catalogue.named_signals())
        if framework is not None and name is not None:
            return named_id(framework, name), framework
        return None

    def _framework_of(
        self, dotted: str | None, hops: int, table: Mapping[str, Framework] | None
    ) -> Framework | None:
        """The framework of ``dotted`` when it is in ``table`` (default: the signal classes),
        an installed name bound to one, or an installed subclass of one."""
        table = catalogue.signal_classes() if table is None else table
        if dotted is None or hops > _MAX_HOPS:
            return None
        if dotted in table:
            return table[dotted]
        if _skipped(dotted.partition(".")[0]):
            return None
        module, rest = self._split(dotted)
        facts = self.facts_of(module) if module is not None and rest else None
        if facts is None:
            return None
        bound = facts.bindings.get(rest[0])
        if bound is not None:
            return self._framework_of(".".join([bound, *rest[1:]]), hops + 1, table)
        for base in facts.classes.get(".".join(rest), []):
            found = self._framework_of(base, hops + 1, table)
            if found is not None:
                return found
        return None

    def _split(self, dotted: str) -> tuple[str | None, list[str]]:
        """The longest prefix of ``dotted`` that is an installed module, and the names after."""
        parts = dotted.split(".")
        for cut in range(len(parts), 0, -1):
            module = ".".join(parts[:cut])
            located = self._locate(module)
            if located is not None and located.file is not None:
                return module, parts[cut:]
        return None, parts

    def facts_of(self, module: str) -> ModuleFacts | None:
        """The facts of an installed module's source, or ``None`` when it has none."""
        if module in self._facts:
            return self._facts[module]
        located = self._locate(module)
        facts = None
        if located is not None and located.file is not None:
            facts = self._read(module, located)
        self._facts[module] = facts
        return facts

    def _read(self, module: str, located: _Located) -> ModuleFacts | None:
        assert located.file is not None
        try:
            if os.path.getsize(located.file) > DEFAULT_MAX_FILE_SIZE:
                return None
            with open(located.file, "rb") as handle:
                data = handle.read()
        except OSError:
            return None
        key = facts_key(content_digest(data), module, located.file, located.is_package)
        facts = self._cache.get(key)
        if facts is None:
            # The extractor is imported only on a cache miss: a warm scan never needs it.
            from pytest_signaltrace.scan.extract import extract_facts

            facts = extract_facts(
                data, module, located.file, is_package=located.is_package, test_only=False
            )
            self._cache.put(key, facts)
        return None if facts.error else facts

    def _locate(self, module: str) -> _Located | None:
        if module in self._located:
            return self._located[module]
        parent, _, name = module.rpartition(".")
        found: _Located | None
        if not parent:
            found = self._locate_top(module)
        else:
            above = self._locate(parent)
            found = _locate_in(above.locations, name) if above is not None else None
        self._located[module] = found
        return found

    def _locate_top(self, name: str) -> _Located | None:
        if not name.isidentifier() or _skipped(name):
            return None
        try:
            spec = PathFinder.find_spec(name, self._path)
        except (ImportError, ValueError, OSError):
            return None
        if spec is None:
            return None
        origin = spec.origin if spec.origin and spec.origin.endswith(".py") else None
        if origin is not None and not os.path.isfile(origin):
            origin = None  # inside a zip file: not read
        locations = tuple(spec.submodule_search_locations or ())
        return _Located(origin, locations) if origin or locations else None


def _locate_in(locations: Sequence[str], name: str) -> _Located | None:
    """``name`` inside a package's folders: a module file, a package, or a namespace portion."""
    portions = []
    for folder in locations:
        package = os.path.join(folder, name)
        init = os.path.join(package, "__init__.py")
        if os.path.isfile(init):
            return _Located(init, (package,))
        module = package + ".py"
        if os.path.isfile(module):
            return _Located(module)
        if os.path.isdir(package):
            portions.append(package)
    return _Located(None, tuple(portions)) if portions else None


def _same_or_inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)
