"""The scan of a test run, done in a child process: what the run hands it, what it hands back.

A test run must not pay for the scan: the cold scan imports libcst (about 0.25 s of CPU and
20 MB that stayed in the test process to its end) and, in a thread, would compete with the
tests for the GIL. So the run starts ``python -I`` on :func:`main` with a pickled
:class:`ScanRequest` (paths and the static half of every registered framework: data only, no
code of the project or of an adapter is imported); the child scans, on the other core while the
tests run, and writes the :class:`~pytest_signaltrace.model.StaticMap` (or the exception it
raised) to a file that the run reads at its end (:mod:`.process` starts and stops the child).

This module imports nothing heavy: the run imports it to build the request.
"""

from __future__ import annotations

import pickle
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_signaltrace import frameworks
from pytest_signaltrace.record import Record, field_names
from pytest_signaltrace.scan.atomic import write_atomically

if TYPE_CHECKING:
    from pytest_signaltrace.model import StaticMap


class ScanFailed(RuntimeError):
    """The scan process did not hand back a map (it crashed, was killed or took too long)."""


class RegistryMismatch(RuntimeError):
    """The child's registry of frameworks is not the run's: its map would not be the one the
    run would have scanned (the run then scans itself)."""


class ScanRequest(Record):
    """Everything the child needs, as plain data (absolute paths)."""

    sources: tuple[str, ...]
    rootdir: str
    cache_dir: str | None
    package_roots: tuple[str, ...]
    skip_folders: tuple[str, ...]
    #: Worker processes the child may use (``None``: as many as the scan likes).
    jobs: int | None
    #: The static half of every framework registered in the run, in its order.
    frameworks: tuple[frameworks.Framework, ...]
    #: The run's :attr:`~pytest_signaltrace.frameworks.Catalogue.fingerprint`.
    fingerprint: str


def scan_request(
    sources: Sequence[Path],
    rootdir: Path,
    *,
    cache_dir: Path | None,
    package_roots: Sequence[Path],
    skip_folders: Sequence[Path],
    jobs: int | None,
) -> ScanRequest:
    """The request for a scan of ``sources`` with the frameworks registered now."""

    def absolute(paths: Sequence[Path]) -> tuple[str, ...]:
        return tuple(str(path.absolute()) for path in paths)

    return ScanRequest(
        sources=absolute(sources),
        rootdir=str(rootdir.absolute()),
        cache_dir=str(cache_dir.absolute()) if cache_dir is not None else None,
        package_roots=absolute(package_roots),
        skip_folders=absolute(skip_folders),
        jobs=jobs,
        frameworks=tuple(static_view(f) for f in frameworks.registered()),
        fingerprint=frameworks.catalogue().fingerprint,
    )


def static_view(framework: frameworks.Framework) -> frameworks.Framework:
    """``framework`` without its runtime half: a plain :class:`Framework` of its data fields
    (strings, and tuples, sets and mappings of strings; the others left at their defaults:
    classes to patch, callables), which unpickles without importing the adapter's module."""
    kept: dict[str, Any] = {
        name: _plain(value)
        for name in field_names(frameworks.Framework)
        if _is_data(value := getattr(framework, name))
    }
    return frameworks.Framework(**kept)


def _is_data(value: object) -> bool:
    if isinstance(value, str):
        return True
    if isinstance(value, Mapping):
        return all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
    return isinstance(value, tuple | frozenset) and all(isinstance(v, str) for v in value)


def _plain(value: object) -> object:
    """A mapping as a dict (it may be a read-only proxy, which does not pickle)."""
    return dict(value) if isinstance(value, Mapping) else value


def run_request(request: ScanRequest) -> StaticMap:
    """Scan as the run asked (in the child): its frameworks, its folders, its cache."""
    frameworks.adopt(request.frameworks)
    found = frameworks.catalogue().fingerprint
    if found != request.fingerprint:
        raise RegistryMismatch(f"frameworks {found} here, {request.fingerprint} in the run")
    return scan_as_requested(request)


def scan_as_requested(
    request: ScanRequest, *, search_path: Sequence[str] | None = None, parse: bool = True
) -> StaticMap:
    """The scan ``request`` asks for, with the frameworks registered in this process; see
    :func:`pytest_signaltrace.scan.entry.scan` for ``search_path`` and ``parse``."""
    from pytest_signaltrace.scan.entry import scan

    def paths(values: Sequence[str]) -> list[Path]:
        return [Path(value) for value in values]

    return scan(
        paths(request.sources),
        relative_to=Path(request.rootdir),
        cache_dir=Path(request.cache_dir) if request.cache_dir is not None else None,
        package_roots=paths(request.package_roots),
        skip_folders=paths(request.skip_folders),
        jobs=request.jobs,
        search_path=search_path,
        parse=parse,
    )


def main(argv: Sequence[str]) -> int:
    """The child: ``REQUEST RESULT``; writes ``("ok", map)`` or ``("error", exception)`` to
    RESULT. Exits 0 when the scan gave a map, 1 otherwise."""
    from pytest_signaltrace.scan import warm

    request_path, result_path = (Path(arg) for arg in argv)
    search_path, stamps = tuple(sys.path), warm.current_stamps()  # as they were for the scan
    try:
        request = pickle.loads(request_path.read_bytes())
        outcome: tuple[str, object] = ("ok", run_request(request))
    except BaseException as exc:  # handed to the run, which reports it as the scan's fault
        error = exc if isinstance(exc, Exception) else ScanFailed(f"the scan stopped: {exc!r}")
        import traceback  # only here: it imports textwrap, linecache and tokenize

        error.add_note(f"in the scan process:\n{traceback.format_exc()}")
        outcome = ("error", error)
    write_result(result_path, outcome)
    if outcome[0] != "ok":
        return 1
    warm.write_record(request, search_path, stamps)  # the next runs need no process
    return 0


def write_result(path: Path, outcome: tuple[str, object]) -> None:
    """Write ``outcome`` whole or not at all (the run reads the file only once it exists)."""
    try:
        data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # an exception that does not pickle: its text does
        data = pickle.dumps(("error", ScanFailed(repr(outcome[1]))))
    write_atomically(path, data)


def read_result(path: Path) -> StaticMap:
    """The map the child wrote to ``path``; raises what the child's scan raised."""
    status, value = pickle.loads(path.read_bytes())
    if status != "ok":
        raise value if isinstance(value, Exception) else ScanFailed(repr(value))
    return value  # type: ignore[no-any-return]


if __name__ == "__main__":  # pragma: no cover - run by the scan process
    sys.exit(main(sys.argv[1:]))
