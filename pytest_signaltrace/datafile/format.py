"""The data file (``.signaltrace``): one run's static map and trace, to report again later.

Every traced run (``pytest --signal-report``, ``signaltrace run``) writes it; ``signaltrace
report`` renders it in any format without re-running, and ``signaltrace combine`` merges the
files of parallel CI jobs. It is compact JSON (no indentation: Python's C encoder), written
atomically (temporary file + rename)::

    {"format": "pytest-signaltrace-data", "version": 3,
     "tool": "pytest-signaltrace 0.1.0", "created": "2025-01-31T12:00:00Z",
     "rootdir": "/abs/path/of/the/rootdir",
     "sources": ["."],                 # folders scanned, relative to the rootdir (POSIX)
     "exclude": ["shop.legacy.*"],     # receiver exclusion globs
     "missing_workers": ["gw1"],       # xdist workers that sent nothing back
     "runs": ["5f0c...", ...],         # ids of the runs whose data this holds (combine, append)
     "static": {...},                  # the static map: `signaltrace scan --format json`, format 1
     "trace": {...}}                   # the runtime Trace (``Trace.to_json``), format 2

Paths in ``sources`` and ``trace`` are relative to the rootdir when they lie inside it (so data
files from CI jobs with different checkout folders combine) and absolute otherwise; the static
map's paths are rootdir-relative already. ``rootdir`` is where the run happened; rebuilding the
report joins the relative paths to it again, which reproduces the run's report exactly.

Format history (``"version"``):

* 1: first version: ``tool``, ``created``, ``rootdir``, ``sources``, ``exclude``,
  ``missing_workers``, ``static`` (scan JSON format 1), ``trace`` (trace JSON version 1).
* 2: ``trace`` in trace format 2 (tables of paths, signals, handlers and test ids, rows
  referring to them by index); connect and disconnect rows of receivers outside the scanned
  sources are summed over their ``dispatch_uid`` (dropped): Django's test client connects one
  with a fresh uid on every request. Written without indentation.

  Optional ``runs`` (added without a version change: older readers ignore it): the ids of
  the runs whose data the file holds, one per traced run, united by ``combine`` and
  ``--signal-append``, so that data already included is never counted twice. A file without
  it (written before) counts as one run whose id is derived from its content.

  Read as written now: scans before commit 6bf661b listed empty files (an app's empty
  ``models.py``) among the skipped files, with reason ``"empty file"``; they are scanned now. A
  reader drops those entries and counts the files as scanned, so that an old file reports and
  combines as a new one; such a file keeps the run id of its content as written.

* 3: ``trace`` may hold ``senders_seen`` (trace format 2, written only when not empty): the
  senders of the signals that have a receiver connected for one sender, so that such a receiver
  is reported "never sent for its sender". A version 2 file has none and reads as before.
  Also in version 3: ``trace`` may hold ``durations`` (trace format 2's receiver costs,
  ``--signal-durations``): integer nanoseconds, calls and queries per receiver, summed exactly by
  ``combine`` and ``--signal-append``. A version 2 file has none.
  Also in version 3: ``trace`` may hold ``cascades`` and ``chains`` (trace format 2, see
  :mod:`pytest_signaltrace.trace.model`): the receivers that sent signals while they ran, and
  the deepest chains of such sends. A version 2 file has none.

A reader refuses a file whose version is newer than the one it knows; versions 1 and 2 are still
read.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_signaltrace import __version__
from pytest_signaltrace.record import Record, field, replace
from pytest_signaltrace.scan import hashes
from pytest_signaltrace.trace.frames import in_sources, source_roots
from pytest_signaltrace.trace.model import ConnectKey, Trace

if TYPE_CHECKING:  # (the data file of a warm signaltrace run is written without the model)
    from pytest_signaltrace.model import StaticMap

#: The ``"format"`` of every data file: tells it apart from any other JSON.
DATA_FORMAT = "pytest-signaltrace-data"
#: The version this code writes (and the newest it reads); log changes in the docstring above.
DATA_VERSION = 3
#: The version a file's content id is computed with (:func:`run_ids`): fixed, so that a file
#: without run ids keeps the id an older reader gave it, and a ``combine`` of it stays exact.
_CONTENT_ID_VERSION = 2


class DataFileError(Exception):
    """A data file that cannot be used; ``str()`` is a one-line message naming the file."""


class RunData(Record):
    """Everything a report needs, with paths made portable (see the module docstring)."""

    static: StaticMap
    #: The trace, its paths relative to ``rootdir`` where they lie inside it.
    trace: Trace
    #: The absolute rootdir of the run that wrote the data.
    rootdir: str
    #: The scanned folders, relative to ``rootdir`` where inside it (POSIX), else absolute.
    sources: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    missing_workers: tuple[str, ...] = ()
    tool: str = f"pytest-signaltrace {__version__}"
    created: str = field(default_factory=lambda: utc_now())
    #: The ids of the runs whose data this holds (sorted); ``()`` in a file written before.
    runs: tuple[str, ...] = ()

    @classmethod
    def from_run(
        cls,
        static: StaticMap,
        trace: Trace,
        *,
        rootdir: Path,
        sources: Sequence[Path],
        exclude: Sequence[str] = (),
        missing_workers: Sequence[str] = (),
    ) -> RunData:
        """The data of a run whose ``trace`` holds absolute paths, as the recorder gives them."""
        return cls(static=static, **_run_fields(trace, rootdir, sources, exclude, missing_workers))

    def to_json(self, static: Any = None) -> dict[str, Any]:
        """The JSON-ready document of the data file (``static``: the static map's part, if it
        is at hand already)."""
        if static is None:
            from pytest_signaltrace.report import scan_json

            static = scan_json.scan_to_dict(self.static)
        return _head(self) | {
            "static": static,
            "trace": self.trace.to_json(),
        }


def _run_fields(
    trace: Trace,
    rootdir: Path,
    sources: Sequence[Path],
    exclude: Sequence[str] = (),
    missing_workers: Sequence[str] = (),
) -> dict[str, Any]:
    """The fields of :meth:`RunData.from_run` but its static map."""
    root = os.path.abspath(rootdir)
    return {
        "trace": map_trace_paths(
            fold_third_party_uids(trace, [str(s) for s in sources]),
            lambda p: portable_path(p, root),
        ),
        "rootdir": root,
        "sources": tuple(portable_path(str(s), root) for s in sources),
        "exclude": tuple(exclude),
        "missing_workers": tuple(sorted(missing_workers)),
        "runs": (new_run_id(),),
    }


def _head(data: Any) -> dict[str, Any]:
    """The data file's document but its ``static`` and ``trace`` (last, in this order), from
    a :class:`RunData` or anything with its fields."""
    return {
        "format": DATA_FORMAT,
        "version": DATA_VERSION,
        "tool": data.tool,
        "created": data.created,
        "rootdir": data.rootdir,
        "sources": list(data.sources),
        "exclude": list(data.exclude),
        "missing_workers": list(data.missing_workers),
        "runs": list(data.runs),
    }


def run_data_text(
    static_json: str,
    trace: Trace,
    *,
    rootdir: Path,
    sources: Sequence[Path],
    exclude: Sequence[str] = (),
) -> str:
    """The text of the data file ``RunData.from_run(static, trace, ...)`` (compact JSON and a
    newline, as :func:`~.write.write_data` writes it) for the static map whose compact scan
    JSON is ``static_json`` (:func:`pytest_signaltrace.scan.entry.scan_json`): a warm
    ``signaltrace run`` neither decodes the map it kept nor encodes it again (nor imports the
    model)."""
    from types import SimpleNamespace

    data = SimpleNamespace(
        tool=RunData.tool, created=utc_now(), **_run_fields(trace, rootdir, sources, exclude)
    )
    from pytest_signaltrace.trace.json_text import EncodedJSON, compact_json

    document = _head(data) | {"static": EncodedJSON(static_json), "trace": data.trace.to_json()}
    return compact_json(document, "\n")


def portable_path(path: str, rootdir: str) -> str:
    """``path`` relative to ``rootdir`` (POSIX) when inside it; anything else unchanged."""
    if not path or not os.path.isabs(path):
        return path  # "" (a builtin handler) or a pseudo filename such as "<string>"
    try:
        inside = os.path.relpath(path, rootdir)
    except ValueError:  # another drive (Windows)
        return path
    if inside == os.pardir or inside.startswith(os.pardir + os.sep) or os.path.isabs(inside):
        return path
    return Path(inside).as_posix()


def absolute_path(path: str, rootdir: str) -> str:
    """The inverse of :func:`portable_path`."""
    if not path or os.path.isabs(path) or (path.startswith("<") and path.endswith(">")):
        return path
    return os.path.normpath(os.path.join(rootdir, *path.split("/")))


def map_trace_paths(trace: Trace, convert: Callable[[str], str]) -> Trace:
    """``trace`` with every file path (signal, handler and call sites) passed through
    ``convert``; rows that become equal are merged."""
    return trace.map_paths(convert)


def fold_third_party_uids(trace: Trace, sources: Sequence[str]) -> Trace:
    """``trace`` with the ``dispatch_uid`` of connects (and disconnects) of receivers outside
    ``sources`` dropped, their counts summed: one row per handler and site, not per uid. A
    ``disconnect(dispatch_uid=...)`` without a receiver is folded when called from outside."""
    roots = source_roots(sources)

    def folded(counts: Mapping[ConnectKey, int]) -> dict[ConnectKey, int]:
        total: dict[ConnectKey, int] = {}
        for key, count in counts.items():
            if key.handler is not None:
                third_party = not in_sources(key.handler.path, roots)
            else:
                third_party = key.site is None or not in_sources(key.site.path, roots)
            if third_party and key.dispatch_uid is not None:
                key = key._replace(dispatch_uid=None)
            total[key] = total.get(key, 0) + count
        return total

    return replace(trace, connects=folded(trace.connects), disconnects=folded(trace.disconnects))


def new_run_id() -> str:
    """A fresh, unique id for the data of one traced run: what ``uuid.uuid4().hex`` gives (128
    random bits, the version 4 and RFC 4122 variant bits set), without importing ``uuid``,
    which imports ``platform`` (about 10 M instructions in ``signaltrace run``'s process)."""
    value = int.from_bytes(os.urandom(16), "big")
    value = (value & ~(0xC000 << 48)) | (0x8000 << 48)  # variant: RFC 4122
    value = (value & ~(0xF000 << 64)) | (4 << 76)  # version: 4
    return f"{value:032x}"


def run_ids(data: RunData) -> tuple[str, ...]:
    """The ids of the runs ``data`` holds; for a file written before run ids, one derived from
    its content (the same file read twice has the same one)."""
    if data.runs:
        return data.runs
    fixed = {"tool": "", "runs": [], "version": _CONTENT_ID_VERSION}
    document = json.dumps(data.to_json() | fixed, sort_keys=True)
    return ("content-" + hashes.sha256(document.encode("utf-8")).hexdigest()[:32],)


def utc_now() -> str:
    """Now, in UTC, as the data file's ``created`` (``2025-01-31T12:00:00Z``)."""
    # What datetime's isoformat() of now in UTC, to the second, gives; without importing
    # datetime (about 3 M instructions in signaltrace run's process).
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
