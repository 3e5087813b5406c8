"""The data file (``.signaltrace``): the names its users import, in one place.

One job a module: :mod:`.format` (the layout, its history, :class:`RunData` and portable paths),
:mod:`.check` (refusing damaged JSON), :mod:`.read`, :mod:`.write` (atomic, under the data
file's lock, and ``--signal-append``'s merge with what the file holds when it is written) and
:mod:`.combine`. The report of a data file is rebuilt by
:func:`pytest_signaltrace.merge.replay.report_of`.
"""

from __future__ import annotations

from pytest_signaltrace import DEFAULT_DATA_FILE
from pytest_signaltrace.datafile.check import MAX_DEPTH, check_document, parse_document
from pytest_signaltrace.datafile.combine import combine, difference
from pytest_signaltrace.datafile.format import (
    DATA_FORMAT,
    DATA_VERSION,
    DataFileError,
    RunData,
    absolute_path,
    fold_third_party_uids,
    map_trace_paths,
    new_run_id,
    portable_path,
    run_ids,
)
from pytest_signaltrace.datafile.read import data_from_json, read_data, static_map_from_dict
from pytest_signaltrace.datafile.write import (
    LOCK_TIMEOUT,
    DataFileLocked,
    append_data,
    locked,
    write_data,
)

__all__ = [
    "DATA_FORMAT",
    "DATA_VERSION",
    "DEFAULT_DATA_FILE",
    "LOCK_TIMEOUT",
    "MAX_DEPTH",
    "DataFileError",
    "DataFileLocked",
    "RunData",
    "absolute_path",
    "append_data",
    "check_document",
    "combine",
    "data_from_json",
    "difference",
    "fold_third_party_uids",
    "locked",
    "map_trace_paths",
    "new_run_id",
    "parse_document",
    "portable_path",
    "read_data",
    "run_ids",
    "static_map_from_dict",
    "write_data",
]
