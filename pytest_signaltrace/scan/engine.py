"""A scan its memo cannot answer (:func:`.entry.scan`): files -> prefilter -> facts (cached,
in parallel when many) -> resolved map.

With a cache folder, each root's stat index (:mod:`.statindex`) lets a warm scan stat the files
of an unchanged tree without reading them; should a file turn out to have changed under the
scan, the scan is done again reading every file.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_signaltrace import frameworks
from pytest_signaltrace.model import SkippedFile, StaticMap
from pytest_signaltrace.record import Record
from pytest_signaltrace.scan import prefilter
from pytest_signaltrace.scan.cache import FactsCache, facts_key
from pytest_signaltrace.scan.callers import wrapper_callers
from pytest_signaltrace.scan.candidates import Candidates, attribute_owners
from pytest_signaltrace.scan.derive import dead_receivers, summarize_signals
from pytest_signaltrace.scan.facts import ModuleFacts
from pytest_signaltrace.scan.files import (
    Discovery,
    SourceChanged,
    SourceFile,
)
from pytest_signaltrace.scan.installed import InstalledSource
from pytest_signaltrace.scan.mapbuilder import MapBuilder
from pytest_signaltrace.scan.naming import plan_naming
from pytest_signaltrace.scan.paths import is_test_path
from pytest_signaltrace.scan.resolve import Resolver
from pytest_signaltrace.scan.roots import discover_roots

if TYPE_CHECKING:  # not imported by a scan that starts no worker (it imports logging)
    from concurrent.futures import Executor

#: Parse in worker processes only when there is this much candidate source (bytes): below
#: it, starting the workers costs more than it saves (measured: see benchmarks/README.md).
PARALLEL_THRESHOLD = 512 * 1024

#: How many levels of subclasses of a class whose attribute a send site uses are looked for in
#: files without signal text.
_SUBCLASS_DEPTH = 5


class _Unit(Record):
    """One file to extract facts from, with what its cache key needs."""

    source: SourceFile
    module: str
    is_package: bool
    wrappers: tuple[str, ...] = ()  # connect wrappers it imports and calls (:mod:`.callers`)

    def __init__(
        self, source: SourceFile, module: str, is_package: bool, wrappers: tuple[str, ...] = ()
    ) -> None:
        # Written out (one per file of the tree at every scan): see the Record's docstring.
        fields = self.__dict__
        fields["source"] = source
        fields["module"] = module
        fields["is_package"] = is_package
        fields["wrappers"] = wrappers

    @property
    def key(self) -> str:
        digest, relpath = self.source.facts.digest, self.source.relpath
        return facts_key(digest, self.module, relpath, self.is_package, self.wrappers)


def build_map(roots: list[Path], **options: Any) -> tuple[StaticMap, bool]:
    """The scan of :func:`~.entry.scan` past its memo, with its options (``_scan``'s): the map,
    and whether it looked into installed packages."""
    attempt = functools.partial(_scan, roots, **options)
    try:
        return attempt(trust_index=True)
    except SourceChanged:
        # A file changed after its stat matched its index entry: the recorded facts may not be
        # what its bytes say now. Start again, reading every file.
        return attempt(trust_index=False)


def _scan(
    roots: list[Path],
    *,
    relative_to: Path | None,
    cache_dir: Path | None,
    package_roots: Sequence[Path],
    exclude: Sequence[str],
    skip_folders: Sequence[Path],
    max_file_size: int,
    jobs: int | None,
    progress: Callable[[int, int], None] | None,
    search_path: Sequence[str] | None,
    parse: bool,
    trust_index: bool,
) -> tuple[StaticMap, bool]:
    """The map, and whether it looked into installed packages."""
    discovery = discover_roots(
        roots,
        relative_to,
        exclude=exclude,
        skip_folders=skip_folders,
        max_file_size=max_file_size,
        cache_dir=cache_dir,
        trust_index=trust_index,
    )
    namer = plan_naming(discovery.files, roots, package_roots, cache_dir=cache_dir)
    units: dict[str, _Unit] = {}
    by_module: dict[str, _Unit] = {}
    for source in discovery.files:
        is_package = source.relpath.endswith("__init__.py") and (
            source.relpath.rpartition("/")[2] == "__init__.py"
        )
        unit = _Unit(source, namer.module_name(source.path), is_package)
        units[source.relpath] = unit
        by_module.setdefault(unit.module, unit)

    with _FactsStore(FactsCache(cache_dir, required=not parse), jobs, progress) as extractor:
        installed = InstalledSource(
            search_path, exclude=[r.absolute() for r in roots], cache=extractor.cache
        )
        return _scan_units(discovery, units, by_module, extractor, installed), installed.looked_up


def _scan_units(
    discovery: Discovery,
    units: dict[str, _Unit],
    by_module: dict[str, _Unit],
    extractor: _FactsStore,
    installed_source: InstalledSource,
) -> StaticMap:
    definers = [u for u in units.values() if u.source.facts.defines]
    users = [u for u in units.values() if u.source.facts.use is not False]
    users = [u for u in users if not u.source.facts.defines]
    extractor.extract(definers)
    known = prefilter.builtin_names() | {
        d.qualname.rpartition(".")[2].encode()
        for u in definers
        for d in extractor.facts[u.source.relpath].definitions
    }
    if definers or any(u.source.facts.use is True for u in users):
        # The project has signals: a send on an object the bytes cannot name may send one.
        known.add(prefilter.UNKNOWN_SEND)
    users = [u for u in users if prefilter.profile_uses(u.source.facts.use, known)]
    extractor.extract(users)
    # ``self.add_signal.send()``: the subclasses that set ``add_signal`` may live in files
    # without any signal text; parse the files that subclass such a class too, and those that
    # subclass these subclasses (``Sub(BaseView)``, ``BaseView(SendMixin)``).
    owners = attribute_owners(extractor.facts[u.source.relpath] for u in [*definers, *users])
    subclassers: list[_Unit] = []
    for _ in range(_SUBCLASS_DEPTH):
        found = [
            u for u in units.values()
            if u.source.relpath not in extractor.facts and _subclasses_any(u, owners)
        ]  # fmt: skip
        if not found:
            break
        extractor.extract(found)
        subclassers += found
        owners = {
            qualname.rpartition(".")[2]
            for u in found
            for qualname in extractor.facts[u.source.relpath].classes
        }
    callers = wrapper_callers((u.source for u in units.values()), extractor.facts)
    extractor.extract([dataclasses.replace(units[p], wrappers=n) for p, n in callers.items()])
    candidates = [u.source.relpath for u in [*definers, *users, *subclassers]]
    candidates += [path for path in callers if path not in candidates]

    def facts_of(module: str) -> ModuleFacts | None:
        unit = by_module.get(module)
        if unit is None:
            return None
        return extractor.extract_one(unit)

    resolver = Resolver(by_module, facts_of)
    builder = MapBuilder(resolver, installed_source)
    parsed = [extractor.facts[path] for path in candidates if not extractor.facts[path].error]
    builder.add_definitions(parsed)
    builder.note_decorated_signals(parsed)
    builder.candidates = Candidates(resolver, parsed)
    receivers = sorted(r for facts in parsed for r in builder.receivers(facts))
    builder.keep_unknown_sends = bool(builder.definitions or receivers)
    senders = sorted(s for facts in parsed for s in builder.senders(facts))
    disconnects = sorted(d for facts in parsed for d in builder.disconnects(facts))
    unresolved = sorted(u for facts in parsed for u in builder.unresolved_connects(facts))
    definitions = sorted(builder.definition_rows)
    skipped = sorted(
        [
            *discovery.skipped,
            *(
                SkippedFile(f.relpath, f.error, f.may_send)
                for f in extractor.facts.values()
                if f.error
            ),
        ]
    )
    installed = builder.installed.frameworks if builder.installed is not None else None
    signals = summarize_signals(definitions, receivers, senders, skipped, installed)
    return StaticMap(
        root=".",
        files_scanned=len(discovery.files),
        files_parsed=len(extractor.facts),
        files_skipped=tuple(skipped),
        definitions=tuple(definitions),
        receivers=tuple(receivers),
        senders=tuple(senders),
        disconnects=tuple(disconnects),
        signals=tuple(signals),
        unresolved_connects=tuple(unresolved),
        dead_receivers=dead_receivers(receivers, signals),
    )


def _subclasses_any(unit: _Unit, owners: set[str]) -> bool:
    """:func:`~.prefilter.subclasses_any` of the file, from its byte facts when they tell."""
    bases = unit.source.facts.bases
    found = prefilter.subclasses_any_of(bases, owners) if bases is not None else None
    return prefilter.subclasses_any(unit.source.data, owners) if found is None else found


class _FactsStore:
    """Extracts facts once per file: from the cache, in this process, or in worker processes.

    The worker pool, once started, serves every batch of the scan (definers, users, modules
    parsed on demand) and is shut down when the store is closed.
    """

    def __init__(
        self, cache: FactsCache, jobs: int | None, progress: Callable[[int, int], None] | None
    ) -> None:
        self.cache = cache
        self.jobs = jobs
        self.progress = progress
        self.facts: dict[str, ModuleFacts] = {}
        self._pool: Executor | None = None

    def __enter__(self) -> _FactsStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def extract_one(self, unit: _Unit) -> ModuleFacts:
        """The facts of one file, extracting them if needed."""
        found = self.facts.get(unit.source.relpath)
        if found is None:
            self.extract([unit])
            found = self.facts[unit.source.relpath]
        return found

    def extract(self, units: Sequence[_Unit]) -> None:
        """Extract the facts of every unit not yet known (a unit with wrappers: again)."""
        todo: list[tuple[_Unit, str]] = []
        for unit in units:
            if unit.source.relpath in self.facts and not unit.wrappers:
                continue
            key = unit.key
            cached = self.cache.get(key)
            if cached is not None:
                self.facts[unit.source.relpath] = cached
            else:
                todo.append((unit, key))
        for (unit, key), facts in zip(todo, self._run(u for u, _ in todo), strict=True):
            self.facts[unit.source.relpath] = facts
            self.cache.put(key, facts)

    def _run(self, units_iter: object) -> list[ModuleFacts]:
        units = list(units_iter)  # type: ignore[call-overload]
        args = [
            (
                u.source.data,
                u.module,
                u.source.relpath,
                u.is_package,
                is_test_path(u.source.relpath),
                u.wrappers,
            )
            for u in units
        ]
        workers = self._workers(sum(len(a[0]) for a in args), len(args))
        results: list[ModuleFacts] = []
        if workers > 1:
            pool = self._pool_of(workers)
            # Biggest files first, so that no worker is left with a large file at the end.
            order = sorted(range(len(args)), key=lambda i: -len(args[i][0]))
            done: dict[int, ModuleFacts] = {}
            mapped = pool.map(_extract, [args[i] for i in order])
            for index, facts in zip(order, mapped, strict=True):
                done[index] = facts
                self._report(len(done), len(args))
            results = [done[i] for i in range(len(args))]
        else:
            for arg in args:
                results.append(_extract(arg))
                self._report(len(results), len(args))
        return results

    def _pool_of(self, workers: int) -> Executor:
        if self._pool is None:  # a worker not forked still sees the frameworks registered here
            from pytest_signaltrace.scan.pool import start_pool

            registered = (frameworks.registered(),)
            self._pool = start_pool(workers, initializer=frameworks.adopt, initargs=registered)
        return self._pool

    def _workers(self, total_bytes: int, count: int) -> int:
        available = self.jobs if self.jobs is not None else (os.cpu_count() or 1)
        if total_bytes < PARALLEL_THRESHOLD or count < 2:
            return 1
        return max(1, min(available, count, 8))

    def _report(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(done, total)


def extract_facts(source: bytes, module: str, relpath: str, **options: Any) -> ModuleFacts:
    """:func:`.extract.extract_facts`: :mod:`ast` where it parses, else libcst (imported only
    then: never by a warm scan, seldom by a cold one)."""
    from pytest_signaltrace.scan.extract import extract_facts as extract

    return extract(source, module, relpath, **options)


def _extract(arg: tuple[bytes, str, str, bool, bool, tuple[str, ...]]) -> ModuleFacts:
    data, module, relpath, package, test, names = arg
    return extract_facts(data, module, relpath, is_package=package, test_only=test, wrappers=names)
