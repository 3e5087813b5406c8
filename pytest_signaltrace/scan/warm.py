"""The warm scan: a run whose scan the cache can answer starts no scan process.

The scan process (:mod:`.handover`) is the reference. Each scan it completes with a cache folder
leaves a *record* there, keyed by what its answer depends on besides the files (this package's
version and folder, the interpreter, the registry's fingerprint, the folders scanned): the
``sys.path`` it looked for installed packages on, and the modification times of what made that
path (the site-packages folders and their ``.pth`` files).

At the start of a run, a record for the run's request (:func:`read_record`, a file read and a
few ``stat`` calls) says that a scan has filled the cache: the run starts no process. At its
end, the run scans in its own process on the record's path with ``parse=False``: the stat index
and the facts cache answer for every file, and the parser (libcst) is never imported. Should a
file have changed so that it needs parsing, the run starts the scan process then, and waits.
The map is the same either way: the same code on the same files, the same search path.

A record no longer holds once a site-packages folder changes (a package installed or removed,
a ``.pth`` file added) or one of its ``.pth`` files does: the run starts the process at once,
and the process writes a new record. Records are best effort like the rest of the cache: one
that cannot be read or written is no record.
"""

from __future__ import annotations

import contextlib
import json
import os
import site
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest_signaltrace
from pytest_signaltrace.scan import hashes
from pytest_signaltrace.scan.atomic import write_atomically

if TYPE_CHECKING:  # defined for the type checker only: no class to build at every start
    from typing import Protocol

    class ScanRequest(Protocol):
        """What a record is keyed by, of a :class:`~.handover.ScanRequest`."""

        @property
        def sources(self) -> tuple[str, ...]: ...
        @property
        def cache_dir(self) -> str | None: ...
        @property
        def package_roots(self) -> tuple[str, ...]: ...
        @property
        def fingerprint(self) -> str: ...


_FORMAT = "pytest-signaltrace-warm-record"
#: Bump when the record's layout or what it promises changes.
SCHEMA = 1

#: A path and its ``st_mtime_ns`` (``None``: it did not exist).
Stamp = tuple[str, int | None]


class WarmRecord:
    """What a scan process left for the runs after it (a plain class: defining a dataclass
    costs every run's start more than reading the record does)."""

    __slots__ = ("search_path", "stamps")

    def __init__(self, search_path: tuple[str, ...], stamps: tuple[Stamp, ...]) -> None:
        #: The process's ``sys.path``: where the scan looked for installed packages.
        self.search_path = search_path
        #: What made that path, as it was when the process started.
        self.stamps = stamps


def package_parent() -> str:
    """The folder this package is imported from (first on the scan process's path)."""
    return str(Path(pytest_signaltrace.__file__).resolve().parent.parent)


def record_file(request: ScanRequest) -> Path | None:
    """Where the record of a scan as ``request`` asks lives (``None`` without a cache)."""
    if request.cache_dir is None:
        return None
    key = [
        SCHEMA,
        pytest_signaltrace.__version__,
        package_parent(),
        sys.executable,
        request.fingerprint,
        request.sources,
        request.package_roots,
    ]
    digest = hashes.blake2b(json.dumps(key).encode("utf-8", "surrogateescape"), digest_size=16)
    return Path(request.cache_dir) / f"warm-v{SCHEMA}" / f"{digest.hexdigest()}.json"


def current_stamps() -> tuple[Stamp, ...]:
    """The stamps of this interpreter's site-packages folders and of their ``.pth`` files."""
    stamps: list[Stamp] = []
    for folder in site.getsitepackages():
        stamps.append((folder, _mtime(folder)))
        with contextlib.suppress(OSError):
            pth = sorted(entry.path for entry in os.scandir(folder) if entry.name.endswith(".pth"))
            stamps += [(path, _mtime(path)) for path in pth]
    return tuple(stamps)


def _mtime(path: str) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def read_record(request: ScanRequest) -> WarmRecord | None:
    """The record for ``request`` if there is one and it still holds."""
    path = record_file(request)
    if path is None:
        return None
    try:
        document = json.loads(path.read_bytes())
        record = _decode(document)
    except (OSError, ValueError, TypeError, KeyError):
        return None
    if any(_mtime(stamped) != mtime for stamped, mtime in record.stamps):
        return None
    return record


def _decode(document: Any) -> WarmRecord:
    if document["format"] != _FORMAT:
        raise ValueError("not a record")
    search_path = tuple(document["search_path"])
    stamps = tuple((path, mtime) for path, mtime in document["stamps"])
    if not all(isinstance(entry, str) for entry in search_path):
        raise TypeError("not a path")
    for path, mtime in stamps:
        if not isinstance(path, str) or not (mtime is None or type(mtime) is int):
            raise TypeError("not a stamp")
    return WarmRecord(search_path, stamps)


def write_record(request: ScanRequest, search_path: Sequence[str], stamps: Sequence[Stamp]) -> None:
    """Leave the record of a completed scan (atomically; an error leaves none written)."""
    path = record_file(request)
    if path is None:
        return
    document = {
        "format": _FORMAT,
        "search_path": list(search_path),
        "stamps": [list(stamp) for stamp in stamps],
    }
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, json.dumps(document).encode("utf-8", "surrogateescape"))
