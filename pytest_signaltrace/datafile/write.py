"""Writing a data file: atomically, under the data file's lock.

Two runs may write one data file at the same time (two ``pytest --signal-append`` in one
checkout, or a run and a ``signaltrace combine``). Each write is atomic (a temporary file
renamed over it), but an append reads the file, adds its run and writes the sum: without a lock,
the second writer overwrote the first one's run with a sum that did not hold it, and said
nothing. So every write holds an exclusive lock (``fcntl.flock``) on ``<data file>.lock``, and
an append reads the file under that lock, at the moment it writes (:func:`append_data`): what a
concurrent run added meanwhile is kept.

The lock file is removed when the lock is released; a writer that locked a lock file that was
removed meanwhile takes the new one. A writer waits at most :data:`LOCK_TIMEOUT` seconds for
the lock, then gives up with :class:`DataFileLocked` (an ``OSError``, as any failed write).
Where ``fcntl`` does not exist (Windows), writes are atomic but not locked.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from pytest_signaltrace.datafile.format import DataFileError, RunData
from pytest_signaltrace.output import write_text
from pytest_signaltrace.trace.json_text import EncodedJSON, compact_json

if sys.platform != "win32":
    import fcntl

#: How long a writer waits for another to release the data file's lock, in seconds: a write
#: holds it for as long as reading and writing the file takes (well under a second).
LOCK_TIMEOUT = 60.0
#: How often a waiting writer tries the lock again, in seconds.
_POLL = 0.02


class DataFileLocked(OSError):
    """Another process held the data file's lock for longer than the timeout."""


def lock_path(path: Path) -> Path:
    """The lock file of the data file ``path`` (its real path): ``<name>.lock`` beside it."""
    return path.with_name(path.name + ".lock")


@contextlib.contextmanager
def locked(path: Path, *, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the exclusive lock of the data file ``path`` for the ``with`` block.

    Raises :class:`DataFileLocked` when another process holds it for ``timeout`` seconds, and
    ``OSError`` when the lock file cannot be created (then the data file could not be written
    either).
    """
    target = Path(os.path.realpath(path))  # as the write follows a symbolic link
    if sys.platform == "win32" or not _is_file_or_missing(target):  # pragma: no cover - win32
        yield  # a device or a pipe is written through, never replaced: nothing to lock
        return
    target.parent.mkdir(parents=True, exist_ok=True)  # as the write creates it
    lock = lock_path(target)
    deadline = time.monotonic() + timeout
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            _acquire(fd, lock, deadline, timeout)
            if _is_current(fd, lock):
                break
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # its holder removed it as it released it: lock the new one
    try:
        yield
    finally:
        # Removed while still held, so that whoever locks it next sees it is gone and retries.
        with contextlib.suppress(OSError):
            os.unlink(lock)
        os.close(fd)  # releases the lock


def _is_file_or_missing(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except FileNotFoundError:
        return True


def _acquire(fd: int, lock: Path, deadline: float, timeout: float) -> None:
    """Lock ``fd``, trying again until ``deadline``."""
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise DataFileLocked(
                    f"another run held its lock ({lock}) for more than {timeout:g} s"
                ) from None
            time.sleep(_POLL)


def _is_current(fd: int, lock: Path) -> bool:
    """Whether the locked ``fd`` is still the file at ``lock`` (not one removed meanwhile)."""
    try:
        named = os.stat(lock)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)


def write_data(path: Path, data: RunData, *, timeout: float = LOCK_TIMEOUT) -> None:
    """Write the data file atomically, under its lock; raises :class:`OSError` when it cannot be
    written (:class:`DataFileLocked` when another run holds the lock for ``timeout`` seconds)."""
    with locked(path, timeout=timeout):
        _write(path, data)


def write_data_text(path: Path, text: str, *, timeout: float = LOCK_TIMEOUT) -> None:
    """:func:`write_data` of the data whose text is ``text`` (``format.run_data_text``)."""
    with locked(path, timeout=timeout):
        write_text(path, text)


def append_data(path: Path, data: RunData, *, timeout: float = LOCK_TIMEOUT) -> RunData:
    """Add ``data`` (one run's own data) to what the data file holds when it is written, under
    its lock, and return what was written (``--signal-append``).

    A file that is missing, cannot be read or holds data of other code is replaced by ``data``
    (the run said so when it read the file to build its report). Raises :class:`OSError` as
    :func:`write_data` does.
    """
    # Only appending reads and combines: a plain write does not import (and compile the
    # patterns of) the reader and the checker.
    from pytest_signaltrace.datafile.combine import combine, difference
    from pytest_signaltrace.datafile.read import read_data

    with locked(path, timeout=timeout):
        written = data
        try:
            held = read_data(path)
        except DataFileError:
            held = None
        if held is not None and not difference(data, held):
            # This run first: its rootdir, sources and static map describe the data written.
            with contextlib.suppress(DataFileError):  # runs of the file in part ours: not ours
                written = combine([("this run", data), (str(path), held)])
        _write(path, written)
    return written


def _write(path: Path, data: RunData) -> None:
    # The static map's text as the scan kept it, when the map is the one it kept (a warm run):
    # the same text scan_to_dict and the encoder would make, about half of the file.
    # (Only where a memo was read: a process that never imported it recalled no map.)
    memo = sys.modules.get("pytest_signaltrace.scan.memo")
    static = memo.static_json_of(data.static) if memo is not None else None
    document = data.to_json(None if static is None else EncodedJSON(static))
    # In pieces: json.dumps's peak was 8 times the text's size (see compact_json).
    write_text(path, compact_json(document, "\n"))
