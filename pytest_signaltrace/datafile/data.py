"""The data file (``.signaltrace``): one run's static map and trace, to report again later.

Every traced run (``pytest --signal-report``, ``signaltrace run``) writes it; ``signaltrace
report`` renders it in any format without re-running, and ``signaltrace combine`` merges the
files of parallel CI jobs. It is compact JSON (no indentation: Python's C encoder), written
atomically (temporary file + rename)::

    {"format": "pytest-signaltrace-data", "version": 2,
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

A reader refuses a file whose version is newer than the one it knows; version 1 is still read.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import hashlib
import json
import os
import types
import typing
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_signaltrace import DEFAULT_DATA_FILE, __version__
from pytest_signaltrace.merge.merge import Exclusions, PathMapper, build_report
from pytest_signaltrace.model import (
    Definition,
    Disconnect,
    Receiver,
    Report,
    Sender,
    SignalInfo,
    SkippedFile,
    StaticMap,
    UnresolvedConnect,
)
from pytest_signaltrace.output import write_text
from pytest_signaltrace.report import scan_json
from pytest_signaltrace.trace.frames import in_sources, source_roots
from pytest_signaltrace.trace.model import ConnectKey, Trace

#: The ``"format"`` of every data file: tells it apart from any other JSON.
DATA_FORMAT = "pytest-signaltrace-data"
#: The version this code writes (and the newest it reads); log changes in the docstring above.
DATA_VERSION = 2

__all__ = [
    "DATA_FORMAT",
    "DATA_VERSION",
    "DEFAULT_DATA_FILE",
    "DataFileError",
    "RunData",
    "combine",
    "read_data",
    "static_map_from_dict",
    "write_data",
]

_Record = typing.TypeVar("_Record")


class DataFileError(Exception):
    """A data file that cannot be used; ``str()`` is a one-line message naming the file."""


@dataclass(frozen=True)
class RunData:
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
    created: str = field(default_factory=lambda: _now())
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
        root = os.path.abspath(rootdir)
        return cls(
            static=static,
            trace=map_trace_paths(
                fold_third_party_uids(trace, [str(s) for s in sources]),
                lambda p: portable_path(p, root),
            ),
            rootdir=root,
            sources=tuple(portable_path(str(s), root) for s in sources),
            exclude=tuple(exclude),
            missing_workers=tuple(sorted(missing_workers)),
            runs=(new_run_id(),),
        )

    def build_report(self) -> Report:
        """The report, rebuilt exactly as the run that wrote the data built it."""
        root = self.rootdir
        trace = map_trace_paths(self.trace, lambda p: absolute_path(p, root))
        sources = [Path(absolute_path(s, root)) for s in self.sources]
        return build_report(
            self.static,
            trace,
            PathMapper(Path(root), sources),
            exclusions=Exclusions(self.exclude),
            missing_workers=self.missing_workers,
        )

    def to_json(self) -> dict[str, Any]:
        """The JSON-ready document of the data file."""
        return {
            "format": DATA_FORMAT,
            "version": DATA_VERSION,
            "tool": self.tool,
            "created": self.created,
            "rootdir": self.rootdir,
            "sources": list(self.sources),
            "exclude": list(self.exclude),
            "missing_workers": list(self.missing_workers),
            "runs": list(self.runs),
            "static": scan_json.scan_to_dict(self.static),
            "trace": self.trace.to_json(),
        }


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

    return dataclasses.replace(
        trace, connects=folded(trace.connects), disconnects=folded(trace.disconnects)
    )


# -- Writing and reading -------------------------------------------------------------------------


def write_data(path: Path, data: RunData) -> None:
    """Write the data file atomically; raises :class:`OSError` when it cannot be written."""
    write_text(path, json.dumps(data.to_json(), separators=(",", ":")) + "\n")


def read_data(path: Path) -> RunData:
    """Read a data file; raises :class:`DataFileError` with a one-line reason for any problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataFileError(f"no signal data file {path}") from None
    except IsADirectoryError:
        raise DataFileError(f"{path} is a folder, not a signal data file") from None
    except OSError as exc:
        raise DataFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise DataFileError(f"{path} is not a signal data file (not UTF-8 text)") from None
    return data_from_json(parse_document(text, name=str(path)), name=str(path))


# -- Validating what was read: whatever the layout, before any of it is used --------------------

#: The deepest nesting a data file may have: the format itself needs 6 levels.
MAX_DEPTH = 32
#: Counters and sizes: non-negative integers.
_COUNT_KEYS = frozenset({"count", "calls", "files_scanned", "files_parsed"})
#: Line numbers: non-negative integers (0: no Python code), or null when not known.
_LINE_KEYS = frozenset({"line", "end_line", "def_line", "definition_line"})
#: Paths: strings, or null when not known.
_PATH_KEYS = frozenset({"path", "def_path", "definition_path", "root", "rootdir"})
#: Lists of strings (test node ids, folders, patterns, worker ids).
_STRING_LIST_KEYS = frozenset({"tests", "sources", "exclude", "missing_workers", "runs"})
#: The largest integer accepted anywhere (a counter of a real run stays far below it).
_MAX_INT = 2**63 - 1


def parse_document(text: str, *, name: str) -> object:
    """The JSON of a data file; raises :class:`DataFileError` for anything that is not plain
    JSON: invalid syntax, ``NaN``/``Infinity``, numbers too long to convert, nesting too deep."""
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise DataFileError(
            f"{name} is corrupt or not a signal data file (invalid JSON at line "
            f"{exc.lineno}, column {exc.colno})"
        ) from None
    except RecursionError:
        raise DataFileError(f"{name} is corrupt: JSON nested too deeply") from None
    except ValueError as exc:  # a number beyond int's digit limit, NaN or Infinity
        raise DataFileError(f"{name} is corrupt: {_first_line(exc)}") from None


def _refuse_constant(constant: str) -> object:
    raise ValueError(f"{constant} is not a number a data file can hold")


def check_document(document: object, *, name: str) -> None:
    """Refuse damaged values anywhere in a parsed data file, by what each key means (so it
    holds for any version of the layout): negative, fractional or huge counts, a line that is
    not a number, a path that is not a string, tests that are not a list of strings, floats,
    nesting deeper than :data:`MAX_DEPTH`. Raises :class:`DataFileError` naming the value."""
    # Where a value is stays a chain of (parent, key or index) and becomes text only for a
    # message: building it for every value was most of reading a large file. Strings, None
    # and booleans cannot be damaged (beyond their depth), and ints are checked in place.
    stack: list[tuple[object, _Where, int]] = [(document, None, 0)]
    while stack:
        value, where, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise DataFileError(f"{name} is corrupt: nested deeper than {MAX_DEPTH} levels")
        if isinstance(value, dict):
            items: Iterable[tuple[str | int, object]] = value.items()
        elif isinstance(value, list):
            items = enumerate(value)
        elif isinstance(value, float):
            raise DataFileError(
                f"{name} is corrupt: {_where_text(where)} is {_short(value)} (not an integer)"
            )
        else:
            _check_int(value, where, name)
            continue
        shallow = depth + 1 <= MAX_DEPTH
        keyed = isinstance(value, dict)
        for key, item in items:
            if keyed:
                key = str(key)
                problem = _field_problem(key, item)
                if problem:
                    at = _where_text((where, key))
                    raise DataFileError(f"{name} is corrupt: {at} is {_short(item)} ({problem})")
            kind = type(item)
            if shallow and (kind is str or kind is bool or item is None):
                continue
            if shallow and kind is int:
                _check_int(item, (where, key), name)
                continue
            stack.append((item, (where, key), depth + 1))


#: Where a value is in a document: ``None`` (the top) or ``(parent, key or list index)``.
_Where = tuple[Any, str | int] | None


def _where_text(where: _Where) -> str:
    """``trace.sends[3].count`` for a :data:`_Where` chain."""
    parts: list[str | int] = []
    while where is not None:
        where, part = where
        parts.append(part)
    text = ""
    for part in reversed(parts):
        text = f"{text}[{part}]" if isinstance(part, int) else _member(text, part)
    return text


def _check_int(value: object, where: _Where, name: str) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > _MAX_INT:
        raise DataFileError(f"{name} is corrupt: {_where_text(where)} is too large a number")


def _member(where: str, key: str) -> str:
    """``where.key`` for a plain key; ``where["k\\ney"]`` (JSON-escaped, cut short) otherwise,
    so that a message stays one printable line whatever the file holds."""
    if key.isidentifier() and key.isascii():
        return f"{where}.{key}" if where else key
    return f"{where}[{_short(key)}]"


def _field_problem(key: str, value: object) -> str:
    """What is wrong with ``value`` for a field named ``key`` (``""``: nothing known)."""
    if key in _COUNT_KEYS and not _is_count(value):
        return "expected a count: an integer from 0"
    if key in _LINE_KEYS and value is not None and not _is_count(value):
        return "expected a line number: an integer from 0, or null"
    if key in _PATH_KEYS and value is not None and not isinstance(value, str):
        return "expected a path: a string, or null"
    if key in _STRING_LIST_KEYS and not _is_string_list(value):
        return "expected a list of strings"
    return ""


def _is_string_list(value: object) -> bool:
    """A list of strings, or a section of rows (the trace's ``"tests"`` holds rows whose own
    ``"tests"`` are the node ids)."""
    if not isinstance(value, list):
        return False
    return all(isinstance(item, str) for item in value) or all(
        isinstance(item, dict) for item in value
    )


def _is_count(value: object) -> bool:
    return type(value) is int and 0 <= value <= _MAX_INT


def _short(value: object) -> str:
    """``value`` for a message: scalars as JSON (cut short), containers by kind."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    text = repr(value) if isinstance(value, float) else json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0]


def data_from_json(document: object, *, name: str = "data") -> RunData:
    """Build :class:`RunData` from a parsed data file; raises :class:`DataFileError`."""
    if not isinstance(document, dict) or document.get("format") != DATA_FORMAT:
        raise DataFileError(f'{name} is not a signal data file (no "format": {DATA_FORMAT!r})')
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise DataFileError(f"{name} is corrupt: bad version {version!r}")
    if version > DATA_VERSION:
        raise DataFileError(
            f"{name} was written by a newer pytest-signaltrace ({document.get('tool', '?')}, "
            f"data version {version}); this one ({__version__}) reads up to version "
            f"{DATA_VERSION}: upgrade it"
        )
    check_document(document, name=name)
    try:
        data = RunData(
            static=static_map_from_dict(_mapping(document["static"])),
            trace=Trace.from_json(_mapping(document["trace"])),
            rootdir=_string(document["rootdir"]),
            sources=_strings(document["sources"]),
            exclude=_strings(document.get("exclude", [])),
            missing_workers=_strings(document.get("missing_workers", [])),
            tool=_string(document.get("tool", "")),
            created=_string(document.get("created", "")),
            runs=_strings(document.get("runs", [])),
        )
    except KeyError as exc:
        raise DataFileError(f"{name} is corrupt: missing {exc.args[0]!r}") from None
    except (TypeError, ValueError, AttributeError) as exc:
        raise DataFileError(f"{name} is corrupt: {exc}") from None
    return _without_empty_skipped_files(data)


#: The reason scans before commit 6bf661b gave the empty files they listed as skipped.
_OLD_EMPTY_FILE_REASON = "empty file"


def _without_empty_skipped_files(data: RunData) -> RunData:
    """``data`` as a scan of now describes it: empty files scanned, not skipped (see the module
    docstring); the run id stays the one of the content as written, which a ``combine`` of the
    file made before this reading holds."""
    static = data.static
    empty = sum(1 for skipped in static.files_skipped if skipped.reason == _OLD_EMPTY_FILE_REASON)
    if not empty:
        return data
    runs = run_ids(data)
    static = dataclasses.replace(
        static,
        files_scanned=static.files_scanned + empty,
        files_skipped=tuple(
            skipped for skipped in static.files_skipped if skipped.reason != _OLD_EMPTY_FILE_REASON
        ),
    )
    return dataclasses.replace(data, static=static, runs=runs)


def static_map_from_dict(data: Mapping[str, Any]) -> StaticMap:
    """The inverse of :func:`pytest_signaltrace.report.scan_json.scan_to_dict`.

    Raises ``KeyError``, ``TypeError`` or ``ValueError`` for a malformed document.
    """
    if data.get("format") != scan_json.FORMAT_VERSION:
        raise ValueError(f"unsupported static map format {data.get('format')!r}")
    receivers = [_record(Receiver, row) for row in _rows(data["receivers"])]
    dead = frozenset(
        (r.path, r.line, r.signal)
        for r, row in zip(receivers, _rows(data["receivers"]), strict=True)
        if row.get("dead")
    )
    return StaticMap(
        root=_string(data["root"]),
        files_scanned=_integer(data["files_scanned"]),
        files_parsed=_integer(data["files_parsed"]),
        files_skipped=tuple(_record(SkippedFile, row) for row in _rows(data["files_skipped"])),
        definitions=tuple(_record(Definition, row) for row in _rows(data["definitions"])),
        receivers=tuple(receivers),
        senders=tuple(_record(Sender, row) for row in _rows(data["senders"])),
        disconnects=tuple(_record(Disconnect, row) for row in _rows(data["disconnects"])),
        signals=tuple(_record(SignalInfo, row) for row in _rows(data["signals"])),
        unresolved_connects=tuple(
            _record(UnresolvedConnect, row) for row in _rows(data.get("unresolved_connects", []))
        ),
        dead_receivers=dead,
    )


def _record(cls: type[_Record], row: Mapping[str, Any]) -> _Record:
    """A frozen record from its JSON row, each field checked against its type hint."""
    hints = _type_hints(cls)
    values = {}
    for item in dataclasses.fields(cls):  # type: ignore[arg-type]
        if item.name in row:
            values[item.name] = _checked(cls.__name__, item.name, hints[item.name], row[item.name])
    return cls(**values)


def _type_hints(cls: type) -> dict[str, Any]:
    """The evaluated field types of a record class (evaluating them costs more than the rest of
    reading a record, and a static map has hundreds)."""
    hints = _TYPE_HINTS.get(cls)
    if hints is None:
        hints = _TYPE_HINTS[cls] = typing.get_type_hints(cls)
    return hints


_TYPE_HINTS: dict[type, dict[str, Any]] = {}


def _checked(owner: str, name: str, hint: Any, value: Any) -> Any:
    union = typing.get_origin(hint) in (typing.Union, types.UnionType)
    options = typing.get_args(hint) if union else (hint,)
    for option in options:
        if option is type(None) and value is None:
            return None
        if typing.get_origin(option) is typing.Literal and value in typing.get_args(option):
            return value
        if isinstance(option, type) and issubclass(option, enum.Enum):
            try:
                return option(value)
            except ValueError:
                continue
        if option is bool and isinstance(value, bool):
            return value
        if (
            typing.get_origin(option) is tuple
            and isinstance(value, list)
            and all(isinstance(v, str) for v in value)
        ):
            return tuple(value)  # ``tuple[str, ...]`` (``Sender.signal_candidates``)
        if option in (int, str) and isinstance(value, option) and not isinstance(value, bool):
            return value
        if (
            option == tuple[str, ...]
            and isinstance(value, list)
            and all(isinstance(item, str) for item in value)
        ):
            return tuple(value)
    raise TypeError(f"{owner}.{name} has a bad value {value!r}")


def _rows(value: object) -> list[Mapping[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
        raise TypeError(f"expected a list of objects, got {type(value).__name__}")
    return value


def _mapping(value: object) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise TypeError(f"expected an object, got {type(value).__name__}")
    return value


def _string(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {value!r}")
    return value


def _integer(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"expected an integer, got {value!r}")
    return value


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise TypeError(f"expected a list of strings, got {value!r}")
    return tuple(_string(item) for item in value)


def _now() -> str:
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    return now.isoformat().replace("+00:00", "Z")


# -- Combining -----------------------------------------------------------------------------------


def combine(
    inputs: Iterable[tuple[str, RunData]], *, on_skip: Callable[[str, str], None] | None = None
) -> RunData:
    """Merge the data of several runs of the same source (CI shards) into one.

    Traces are merged (counts summed, test sets united), missing workers and run ids united.
    An input whose runs are all included already (the same file twice, or a previous output of
    ``combine`` given again) is skipped, and ``on_skip(name, reason)`` is told: counts never
    double. One that holds some included runs and some new ones cannot be added exactly and is
    refused. The inputs must describe the same source: equal static maps (records, not the file
    counts), sources and exclusion patterns, otherwise :class:`DataFileError` names the first
    file that differs. The rootdir is the first input's; the trace paths are rootdir-relative,
    so shards checked out in different folders combine.
    """
    named = [(name, data, run_ids(data)) for name, data in inputs]
    if not named:
        raise DataFileError("nothing to combine")
    first_name, first, _ = named[0]
    # The inputs that hold the most runs first: a previous output given after the shards it
    # holds makes them the ones skipped, not itself refused.
    ordered = sorted(named, key=lambda item: -len(item[2]))
    trace: Trace | None = None
    missing: set[str] = set()
    included: dict[str, str] = {}
    for name, data, runs in ordered:
        already = [run for run in runs if run in included]
        if already and len(already) == len(runs):
            if on_skip is not None:
                on_skip(name, f"its data is already included (from {included[already[0]]})")
            continue
        if already:
            raise DataFileError(
                f"cannot combine {name}: it holds some of the runs of {included[already[0]]} "
                "but not all, so they would be counted twice; combine the original files"
            )
        difference = _difference(first, data)
        if difference:
            raise DataFileError(
                f"cannot combine {name} with {first_name}: {difference}; combine only the data "
                "of runs of the same source (same commit and settings)"
            )
        trace = data.trace if trace is None else trace.merge(data.trace)
        missing.update(data.missing_workers)
        included.update(dict.fromkeys(runs, name))
    assert trace is not None  # the first input of ``ordered`` is always taken
    return dataclasses.replace(
        first,
        trace=trace,
        missing_workers=tuple(sorted(missing)),
        tool=f"pytest-signaltrace {__version__}",
        created=_now(),
        runs=tuple(sorted(included)),
    )


def new_run_id() -> str:
    """A fresh, unique id for the data of one traced run."""
    return uuid.uuid4().hex


def run_ids(data: RunData) -> tuple[str, ...]:
    """The ids of the runs ``data`` holds; for a file written before run ids, one derived from
    its content (the same file read twice has the same one)."""
    if data.runs:
        return data.runs
    document = json.dumps(data.to_json() | {"tool": "", "runs": []}, sort_keys=True)
    return ("content-" + hashlib.sha256(document.encode("utf-8")).hexdigest()[:32],)


def difference(left: RunData, right: RunData) -> str:
    """How the sources of two runs differ (so that their data cannot combine), or ``""``."""
    return _difference(left, right)


def _difference(left: RunData, right: RunData) -> str:
    """How two runs' sources differ, or ``""``."""
    if left.sources != right.sources:
        return f"they scanned different folders ({list(left.sources)} != {list(right.sources)})"
    if left.exclude != right.exclude:
        return "their exclusion patterns differ"
    ours, theirs = _static_records(left.static), _static_records(right.static)
    changed = [key for key in ours if ours[key] != theirs[key]]
    if changed:
        return "their static maps differ (" + ", ".join(changed) + ")"
    return ""


def _static_records(static: StaticMap) -> dict[str, object]:
    return {
        "definitions": static.definitions,
        "receivers": static.receivers,
        "senders": static.senders,
        "disconnects": static.disconnects,
        "unresolved connects": static.unresolved_connects,
        "dead receivers": static.dead_receivers,
        "skipped files": static.files_skipped,
    }
