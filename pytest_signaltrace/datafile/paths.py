"""Where data files go: coverage's parallel naming, and finding those files again.

With ``parallel = true`` every run writes ``<data file>.<host>.<pid>.<random>`` (coverage's
``.coverage.<host>.<pid>.<random>``) beside the data file, so that runs of one CI job never
overwrite each other; a bare ``signaltrace combine`` finds them there and combines them into
the data file.
"""

from __future__ import annotations

import os
import random
import re
import socket
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_signaltrace.record import Record
from pytest_signaltrace.trace.model import Trace

if TYPE_CHECKING:
    from pytest_signaltrace.model import StaticMap


def parallel_name(data_file: Path) -> Path:
    """A data file name for one run of a parallel set: ``.signaltrace.<host>.<pid>.<random>``."""
    # The host name may hold dots: the suffix is still told apart by its two numeric parts.
    host = socket.gethostname().replace(os.sep, "_") or "host"
    suffix = f"{host}.{os.getpid()}.{random.randrange(1_000_000):06d}"
    return data_file.with_name(f"{data_file.name}.{suffix}")


def parallel_files(data_file: Path) -> list[Path]:
    """The parallel data files of ``data_file`` in its folder, sorted by name."""
    pattern = re.compile(re.escape(data_file.name) + r"\.[^/\\]+\.\d+\.\d{6}")
    folder = data_file.parent
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    return sorted(
        folder / name for name in names if pattern.fullmatch(name) and (folder / name).is_file()
    )


class Appended(Record):
    """What ``--signal-append`` adds to a run: the data file's trace and runs, or why not."""

    #: The data file's trace, its paths absolute again (``None``: nothing to add).
    trace: Trace | None = None
    runs: tuple[str, ...] = ()
    missing_workers: tuple[str, ...] = ()
    #: One line for the summary when the data file could not be added, and was replaced.
    note: str = ""


def load_appended(
    data_file: Path,
    static: StaticMap,
    *,
    rootdir: Path,
    sources: Sequence[Path],
    exclude: Sequence[str],
) -> Appended:
    """The data of ``data_file`` to add to this run's (``--signal-append``): nothing when there
    is no such file; a note when it cannot be read or holds data of other code (another static
    map, other sources or exclusions), which ``combine`` would refuse too."""
    from pytest_signaltrace.datafile.data import (
        DataFileError,
        RunData,
        absolute_path,
        difference,
        map_trace_paths,
        read_data,
        run_ids,
    )

    if not data_file.exists():
        return Appended()
    try:
        old = read_data(data_file)
    except DataFileError as exc:
        return Appended(note=f"--signal-append: {exc}; replaced it with this run's data")
    ours = RunData.from_run(static, Trace(), rootdir=rootdir, sources=sources, exclude=exclude)
    different = difference(ours, old)
    if different:
        return Appended(
            note=f"--signal-append: {data_file} holds data of other code ({different}); "
            "replaced it with this run's data"
        )
    root = old.rootdir
    return Appended(
        trace=map_trace_paths(old.trace, lambda p: absolute_path(p, root)),
        runs=run_ids(old),
        missing_workers=old.missing_workers,
    )
