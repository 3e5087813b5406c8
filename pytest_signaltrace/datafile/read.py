"""Reading a data file: its JSON checked (:mod:`.check`), then built into :class:`RunData`,
each record's fields checked against their type hints; older layouts read as written now."""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pytest_signaltrace import __version__
from pytest_signaltrace.datafile.check import check_document, parse_document
from pytest_signaltrace.datafile.format import (
    DATA_FORMAT,
    DATA_VERSION,
    DataFileError,
    RunData,
    run_ids,
)
from pytest_signaltrace.model import (
    Definition,
    Disconnect,
    Receiver,
    Sender,
    SignalInfo,
    SkippedFile,
    StaticMap,
    UnresolvedConnect,
)
from pytest_signaltrace.report import scan_json
from pytest_signaltrace.trace.model import Trace

_Record = typing.TypeVar("_Record")


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
