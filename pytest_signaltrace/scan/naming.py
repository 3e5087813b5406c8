"""Where the scanned files are imported from, so that their module names match their imports.

A module's name depends on the folder Python imports it from (a ``sys.path`` entry), which the
scan cannot ask: it never runs the project. It starts from the usual rule (walk up while the
folder has an ``__init__.py``) and corrects it with what the files themselves say. The rules,
applied in this order:

1. **Relative imports.** A file whose ``from ..x import y`` reaches N levels up lives N folders
   deep in a package, ``__init__.py`` or not (namespace packages): those folders, up to the
   scanned PATH, are packages.
2. **PATH inside a package** (an ``__init__.py`` at the top of a checkout, or PATH pointing
   into a package): of the folders from the top package's parent (the usual rule) down to PATH,
   the import root is the one under which the most absolute imports of the project
   (``from x.y import z``, ``import x.y``) name a scanned module. On a tie, PATH itself when it
   looks like a checkout (it holds ``manage.py``, ``pyproject.toml``, ``setup.py``,
   ``setup.cfg`` or ``.git``), else the usual rule.
3. **A package below PATH used as an import root**: its sub-packages become top-level when
   strictly more absolute imports name scanned modules that way (and so on, one level at a time).
4. **Namespace packages imported absolutely**: a folder without ``__init__.py`` whose modules are
   imported with a longer name (``src/shop/core/signals.py`` as ``shop.core.signals``) gets the
   closest ancestor up to PATH under which strictly more absolute imports name scanned modules.

Imports whose first name is a standard-library module are not counted. Files below a configured
package root are named by it and take no part (their imports still count). The import lines are
read with a regular expression over the bytes when a file is read (:mod:`.bytefacts`, kept in
the stat index): no parse.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_signaltrace import __version__
from pytest_signaltrace.record import Record
from pytest_signaltrace.scan import hashes
from pytest_signaltrace.scan.atomic import write_atomically
from pytest_signaltrace.scan.bytefacts import read_imports as read_imports  # re-exported
from pytest_signaltrace.scan.paths import CHECKOUT_MARKERS, ModuleNamer, absolute

if TYPE_CHECKING:
    from pytest_signaltrace.scan.files import SourceFile



class _File(Record):
    """One scanned file: where it is, what it imports absolutely, how far its relative
    imports reach, and the scanned root it belongs to."""

    path: str
    root: str
    imports: tuple[str, ...]
    level: int
    #: The folder of ``path`` (asked for often: kept, not computed each time).
    folder: str

    def __init__(
        self, path: str, root: str, imports: tuple[str, ...], level: int, folder: str
    ) -> None:
        # Written out (one per file of the tree at every scan): see the Record's docstring.
        fields = self.__dict__
        fields["path"] = path
        fields["root"] = root
        fields["imports"] = imports
        fields["level"] = level
        fields["folder"] = folder


def plan_naming(
    files: Sequence[SourceFile],
    roots: Sequence[Path],
    package_roots: Sequence[Path] = (),
    *,
    cache_dir: Path | None = None,
) -> ModuleNamer:
    """The :class:`ModuleNamer` for ``files`` scanned from ``roots`` (see the module's rules).

    With ``cache_dir``, the plan is kept under a hash of every file's path and content hash (and
    of the ``__init__.py`` files above the roots): a warm scan reads the imports of no file.
    """
    key = _plan_key(files, roots, package_roots) if cache_dir is not None else ""
    entry = cache_dir / f"naming-v{_PLAN_SCHEMA}" / f"{key}.json" if cache_dir else None
    if entry is not None:
        with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
            saved = json.loads(entry.read_bytes())
            return ModuleNamer(
                package_roots,
                entries=[str(e) for e in saved["entries"]],
                namespaces=[str(n) for n in saved["namespaces"]],
            )
    planner = _Planner(files, roots, package_roots)
    namer = planner.plan()
    if entry is not None:
        document = {"entries": sorted(planner.entries), "namespaces": sorted(planner.namespaces)}
        with contextlib.suppress(OSError):
            entry.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(entry, json.dumps(document).encode("utf-8"))
    return namer


#: Bump when the naming rules change.
_PLAN_SCHEMA = 1


def _plan_key(
    files: Sequence[SourceFile], roots: Sequence[Path], package_roots: Sequence[Path]
) -> str:
    digest = hashes.sha256(f"{__version__}\0{_PLAN_SCHEMA}\0".encode())
    for folder in sorted({*map(str, roots), *map(str, package_roots)}):
        # Above a root, the ``__init__.py`` files that make it part of a package count too.
        above = os.path.abspath(folder)
        chain = []
        while os.path.isfile(os.path.join(above, "__init__.py")):
            chain.append(above)
            above = os.path.dirname(above)
        digest.update(f"{folder}\0{chain}\0".encode("utf-8", "surrogateescape"))
    for source in files:
        # ``surrogateescape``: a file name that is not valid UTF-8 is still a key.
        entry = f"{source.path}\0{source.facts.digest}\0"
        digest.update(entry.encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


class _Planner:
    def __init__(
        self, files: Sequence[SourceFile], roots: Sequence[Path], package_roots: Sequence[Path]
    ) -> None:
        self.package_roots = package_roots
        configured = ModuleNamer(package_roots)
        root_names = sorted((os.path.abspath(r) for r in roots), key=len, reverse=True)
        self.counts: Counter[str] = Counter()
        self.files: list[_File] = []
        for source in files:
            path = absolute(source.path)
            imports, level = source.facts.imports, source.facts.level
            self.counts.update(imports)
            root = next((r for r in root_names if _inside(path, r)), None)
            if root is not None and configured.configured_root(path) is None:
                self.files.append(_File(path, root, imports, level, os.path.dirname(path)))
        #: Every dotted prefix of an imported name: a naming can only score through these.
        self.prefixes = {
            ".".join(parts[:cut])
            for parts in (name.split(".") for name in self.counts)
            for cut in range(1, len(parts) + 1)
        }
        self._inits: dict[str, int] = {}
        self.files.sort(key=lambda f: f.path)
        self._paths = [f.path for f in self.files]
        self.roots = sorted({f.root for f in self.files})
        self.entries: set[str] = set()
        self.namespaces: set[str] = set()

    def under(self, folder: str) -> list[_File]:
        """The files strictly below ``folder``: a slice of the sorted list."""
        prefix = folder.rstrip(os.sep) + os.sep
        start = bisect.bisect_left(self._paths, prefix)
        end = bisect.bisect_left(self._paths, prefix[:-1] + chr(ord(os.sep) + 1))
        return self.files[start:end]

    def namer(self, entries: Iterable[str] = (), namespaces: Iterable[str] = ()) -> ModuleNamer:
        return ModuleNamer(
            self.package_roots,
            entries=self.entries.union(entries),
            namespaces=self.namespaces.union(namespaces),
            init_cache=self._inits,
        )

    def plan(self) -> ModuleNamer:
        if not self.counts and not any(f.level for f in self.files):
            return self.namer()
        self._mark_relative_packages()
        for root in self.roots:
            self._choose_root_entry(root)
        for root in self.roots:
            self._split_top_packages(root)
        self._extend_namespaces()
        return self.namer()

    def score(self, files: Iterable[_File], namer: ModuleNamer) -> int:
        """How many absolute imports of the project name one of ``files`` (or its package)."""
        return self.score_names(namer.module_name(file.path) for file in files)

    def score_names(self, modules: Iterable[str]) -> int:
        """How many absolute imports name one of ``modules`` or one of their packages."""
        names: set[str] = set()
        for module in modules:
            parts = module.split(".")
            names.update(".".join(parts[:cut]) for cut in range(1, len(parts) + 1))
        return sum(self.counts.get(name, 0) for name in names)

    # -- rule 1 ------------------------------------------------------------------------------

    def _mark_relative_packages(self) -> None:
        for file in self.files:
            folder = file.folder
            for _ in range(file.level):
                if not _inside_or_at(folder, file.root):
                    break
                if not os.path.isfile(os.path.join(folder, "__init__.py")):
                    self.namespaces.add(folder)
                folder = os.path.dirname(folder)

    # -- rule 2 ------------------------------------------------------------------------------

    def _choose_root_entry(self, root: str) -> None:
        namer = self.namer()
        chain: list[str] = []
        folder = root
        while namer.is_package(folder):
            chain.append(folder)
            folder = os.path.dirname(folder)
        if not chain:
            return
        group = [f for f in self.files if f.root == root]
        # From the usual rule (no extra entry) down to PATH itself.
        candidates: list[str | None] = [None, *reversed(chain)]
        scores = {c: self.score(group, self.namer([c] if c else [])) for c in candidates}
        best = max(scores.values())
        if scores[root] == best and any(
            os.path.exists(os.path.join(root, marker)) for marker in CHECKOUT_MARKERS
        ):
            chosen: str | None = root
        else:
            chosen = next(c for c in candidates if scores[c] == best)
        if chosen is not None:
            self.entries.add(chosen)

    # -- rule 3 ------------------------------------------------------------------------------

    def _split_top_packages(self, root: str) -> None:
        todo = self._tops(root)
        while todo:
            top = todo.pop(0)
            namer = self.namer()
            modules = [namer.module_name(f.path) for f in self.under(top)]
            # Made an import root, the package's modules lose its name (``backend.shop.x``
            # becomes ``shop.x``): only names that some import starts with can score.
            cut = len(namer.module_name(os.path.join(top, "__init__.py"))) + 1
            stripped = [m[cut:] for m in modules if len(m) > cut]
            if not any(m.partition(".")[0] in self.prefixes for m in stripped):
                continue
            if self.score_names(stripped) > self.score_names(modules):
                self.entries.add(top)
                todo.extend(self._tops(top))

    def _tops(self, below: str) -> list[str]:
        """The top packages (highest package folders) below ``below``, an import root."""
        namer = self.namer()
        if namer.is_package(below):
            return []
        tops: set[str] = set()
        for folder in {file.folder for file in self.under(below)}:  # each folder once
            top = None
            while folder != below and namer.is_package(folder):
                top, folder = folder, os.path.dirname(folder)
            if top is not None:
                tops.add(top)
        return sorted(tops)

    # -- rule 4 ------------------------------------------------------------------------------

    def _extend_namespaces(self) -> None:
        namer = self.namer()
        plain: dict[str, str] = {}
        for start, root in {(file.folder, file.root): None for file in self.files}:
            folder = start
            while namer.is_package(folder):
                folder = os.path.dirname(folder)
            if folder != root and _inside(folder, root) and folder not in self.entries:
                plain[folder] = root
        # Deepest first: extending a deep folder makes its ancestors packages too.
        for folder in sorted(plain, key=lambda f: (-f.count(os.sep), f)):
            if folder not in self.namespaces:
                self._extend(folder, plain[folder])

    def _extend(self, folder: str, root: str) -> None:
        """Make ``folder`` and some of its ancestors namespace packages, if imports say so."""
        sample = self.under(folder)[0].path
        marks: list[str] = []
        best: tuple[int, list[str]] | None = None
        while folder != root:
            marks.append(folder)
            folder = os.path.dirname(folder)
            candidate = self.namer((), marks)
            # Only a package name that some import starts with can score.
            if candidate.module_name(sample).rpartition(".")[0] not in self.prefixes:
                continue
            # Marking changes the names of the files below the highest marked folder only.
            group = self.under(marks[-1])
            gain = self.score(group, candidate) - self.score(group, self.namer())
            if gain > 0 and (best is None or gain > best[0]):
                best = (gain, list(marks))
        if best is not None:
            self.namespaces.update(best[1])


def _inside(path: str, folder: str) -> bool:
    """Whether ``path`` lies strictly below ``folder`` (both absolute)."""
    return path.startswith(folder.rstrip(os.sep) + os.sep)


def _inside_or_at(path: str, folder: str) -> bool:
    return path == folder or _inside(path, folder)
