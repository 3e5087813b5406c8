"""Writing reports and data files, without ever damaging what is at the destination.

* ``-``: stdout.
* A regular file, or nothing yet: written atomically (a temporary file beside it, then a
  rename), so a reader never sees half a report; an existing file keeps its permissions. The
  temporary file is removed when writing fails, and the ones a killed process left behind are
  removed by the next write to the same destination.
* A symlink is followed: the file it points to is written (atomically), the link stays.
* A device or a FIFO (``/dev/null``, ``/dev/stdout``, a named pipe): written through, never
  replaced (run as root, a rename over ``/dev/null`` would replace the system's ``/dev/null``
  with a regular file).
* A folder, a socket: an ``OSError`` saying so.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import sys
import time
from pathlib import Path

#: Temporary files are ``.NAME.PID.XXXXXXXX.tmp``: the writer's pid tells a dead writer's leftover.
_TEMP_SUFFIX = ".tmp"
#: Leftovers of the earlier naming (``.NAME-XXXXXXXX``) are removed once this old (seconds).
_OLD_TEMP_AGE = 3600
#: The characters of the random part of a temporary name (``tempfile``'s).
_NAME_CHARACTERS = "abcdefghijklmnopqrstuvwxyz0123456789_"
#: How ``tempfile.mkstemp`` opens its file: new, private to the writer, not followed if a link.
_CREATE = (
    os.O_RDWR | os.O_CREAT | os.O_EXCL
    | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
)  # fmt: skip


def random_letters(count: int) -> str:
    """``count`` random characters of ``[a-z0-9_]``, as ``tempfile`` names its files (without
    importing it: ``signaltrace run`` would import ``shutil``, ``random`` and the compression
    modules with it, about 15 M instructions)."""
    return "".join(_NAME_CHARACTERS[byte % len(_NAME_CHARACTERS)] for byte in os.urandom(count))


def make_temporary(folder: Path, prefix: str, suffix: str) -> tuple[int, str]:
    """What ``tempfile.mkstemp(dir=folder, prefix=prefix, suffix=suffix)`` returns: a new
    file (mode 0600) named ``prefix``, 8 random characters and ``suffix``, open for writing,
    and its absolute path; raises :class:`OSError` when it cannot be created."""
    for _ in range(10000):  # tempfile.TMP_MAX
        path = os.path.abspath(os.path.join(folder, f"{prefix}{random_letters(8)}{suffix}"))
        try:
            return os.open(path, _CREATE, 0o600), path
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "No usable temporary file name found")


def write_text(destination: str | Path, text: str) -> None:
    """Write ``text`` to stdout (``-``) or to ``destination`` as the module docstring says;
    creates missing parent folders; raises :class:`OSError` when it cannot be written."""
    if str(destination) == "-":
        sys.stdout.write(text)
        return
    write_bytes(destination, text.encode("utf-8"))


def write_bytes(destination: str | Path, data: bytes) -> None:
    """Write ``data`` to ``destination`` as :func:`write_text` does (no ``-``): a regular file
    atomically, keeping its mode; a device or FIFO written through; a symlink followed."""
    target = Path(os.path.realpath(destination))
    try:
        status: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        status = None
    if status is not None and stat.S_ISDIR(status.st_mode):
        raise IsADirectoryError(errno.EISDIR, "is a folder", str(destination))
    if status is not None and not stat.S_ISREG(status.st_mode):
        with open(target, "wb") as out:  # a device or a FIFO: write through
            out.write(data)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(target)
    mode = stat.S_IMODE(status.st_mode) if status is not None else 0o666 & ~_umask()
    fd, tmp = make_temporary(target.parent, f".{target.name}.{os.getpid()}.", _TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        # mkstemp makes the file private (0600); a report is an ordinary file (0666 - umask).
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Remove the temporary files of earlier writes to ``target`` whose writer is gone (killed
    between creating and renaming them); returns what was removed. Never raises."""
    removed: list[Path] = []
    pattern = re.compile(
        rf"\.{re.escape(target.name)}(?:\.(\d+)\.[a-z0-9_]{{8}}{re.escape(_TEMP_SUFFIX)}"
        r"|-[a-z0-9_]{8})"
    )
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match is None:
            continue
        pid = match.group(1)
        try:
            if pid is not None:
                stale = not _alive(int(pid))
            else:  # no pid in the name: stale once surely no write is still in progress
                stale = now - entry.stat(follow_symlinks=False).st_mtime > _OLD_TEMP_AGE
            if stale and entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True  # another thread of this process may be writing
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # someone else's live process (or not a pid at all: leave it alone)
    return True


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
