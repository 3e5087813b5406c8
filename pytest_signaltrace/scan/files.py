"""Finding the Python files under a root and reading them safely.

Nothing here raises for a bad file: it becomes a :class:`~pytest_signaltrace.model.SkippedFile`
with a reason a person can act on. With a stat index (:mod:`.statindex`), a file whose stat is
the one recorded is not read: what the scan needs of its bytes comes from the index, and the
bytes are read only if something asks for them (:attr:`SourceFile.data`).
"""

from __future__ import annotations

import codecs
import operator
import os
import re
import stat
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_signaltrace.model import SkippedFile
from pytest_signaltrace.scan.bytefacts import ByteFacts, content_digest, learn
from pytest_signaltrace.scan.walk import DEFAULT_EXCLUDED_DIRS as DEFAULT_EXCLUDED_DIRS
from pytest_signaltrace.scan.walk import DEFAULT_MAX_FILE_SIZE as DEFAULT_MAX_FILE_SIZE
from pytest_signaltrace.scan.walk import walk

if TYPE_CHECKING:
    from pytest_signaltrace.scan.statindex import StatIndex

#: The reason given for a file that no longer exists: it is left out, not reported.
_GONE = "gone"
_NOT_REGULAR = "not a regular file"

_CODING_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")


class SourceChanged(Exception):
    """A file's bytes are no longer those its stat index entry described (it changed during
    the scan): the scan starts again, reading every file."""


@dataclass(frozen=True)
class SourceFile:
    """A readable Python file: its path (absolute, as the walk met it) and its path relative to
    the root (POSIX), what the scan learned from its bytes, and the bytes when they were read
    (``None`` when the stat index supplied ``facts``; :attr:`data` reads them then)."""

    # A string, not a Path: a warm scan makes one per file, and a Path costs more than the stat.
    path: str
    relpath: str
    facts: ByteFacts
    loaded: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def data(self) -> bytes:
        """The file's bytes: those ``facts`` were learned from, else :class:`SourceChanged`."""
        if self.loaded is not None:
            return self.loaded
        try:
            _, data = read_source(self.path)
        except OSError:
            raise SourceChanged(self.relpath) from None
        if content_digest(data) != self.facts.digest:
            raise SourceChanged(self.relpath)
        # A cache of what ``facts`` already fixes, so the frozen instance is unchanged in value.
        object.__setattr__(self, "loaded", data)
        return data


@dataclass
class Discovery:
    """The outcome of walking a root: the readable files and the skipped ones."""

    files: list[SourceFile]
    skipped: list[SkippedFile]


def discover(
    root: Path,
    *,
    exclude: Sequence[str] = (),
    max_file_size: int = DEFAULT_MAX_FILE_SIZE,
    index: StatIndex | None = None,
    skip_folders: Collection[Path] = (),
) -> Discovery:
    """Walk ``root`` for ``*.py`` files and Python scripts without a suffix (a ``#!`` line
    naming python), read them, and sort out those that cannot be scanned.

    Hidden folders and :data:`DEFAULT_EXCLUDED_DIRS` are not entered; ``exclude`` holds extra
    glob patterns matched against the POSIX path relative to the root. Folder symlinks are
    followed once: a link back into a folder already walked is a loop and is reported.
    With ``index`` (of this root), a file whose stat matches its entry is not read, and what
    reading the others taught is recorded in it (the caller saves it). ``skip_folders`` are
    folders not entered wherever they are met, through a symlink too (pytest's ``--basetemp``
    when it lies in the tree: what the tests write there is not the project's source).
    A file or folder that disappears during the walk was not there to scan: it is left out,
    not reported (a test run may create and delete folders in the tree while it is scanned).
    """
    root = root.absolute()
    result = Discovery(files=[], skipped=[])
    skip = frozenset(os.path.realpath(folder) for folder in skip_folders)
    files = result.files
    for path, relpath, problem in walk(root, exclude, skip):
        if problem is not None:
            result.skipped.append(SkippedFile(relpath, problem, _may_send(problem)))
            continue
        info, problem = _stat(path, max_file_size)
        source = None
        if info is not None and problem is None:
            facts = index.lookup(relpath, info) if index is not None else None
            if facts is not None and facts.problem is None:
                source = SourceFile(path, relpath, facts)  # the warm path: nothing read
            else:
                source, problem = _source(path, relpath, facts, index)
        if problem is _GONE:
            continue
        if source is None:
            problem = problem or "unreadable"
            result.skipped.append(SkippedFile(relpath, problem, _may_send(problem)))
        else:
            files.append(source)
    files.sort(key=_RELPATH)
    result.skipped.sort()
    return result


_RELPATH = operator.attrgetter("relpath")


def _may_send(problem: str) -> bool:
    """Whether a file skipped for ``problem`` may hold a send: only a loop or a FIFO cannot."""
    return not problem.startswith(("symlink loop", _NOT_REGULAR))


def _source(
    path: str, relpath: str, facts: ByteFacts | None, index: StatIndex | None
) -> tuple[SourceFile | None, str | None]:
    """The file with ``facts`` (from its stat index entry), else read; or why it cannot be
    scanned."""
    data = None
    if facts is None:
        try:
            opened, data = read_source(path)
        except FileNotFoundError:
            return None, _GONE
        except OSError as exc:
            return None, _os_reason(path, exc)
        facts = learn(data, _content_problem(data))
        if index is not None:
            index.record(relpath, opened, facts, len(data))
    if facts.problem is not None:
        return None, facts.problem
    return SourceFile(path, relpath, facts, data), None


def _stat(path: str, max_file_size: int) -> tuple[os.stat_result | None, str | None]:
    """The file's stat, and why it cannot be read (without opening it)."""
    try:
        info = os.stat(path)
    except FileNotFoundError as exc:
        # A broken symlink is reported; a file deleted since its folder was listed is not.
        return None, _os_reason(path, exc) if os.path.islink(path) else _GONE
    except OSError as exc:
        return None, _os_reason(path, exc)
    if not stat.S_ISREG(info.st_mode):
        # A FIFO would block the read forever; a device or a folder is no source file.
        return info, _NOT_REGULAR
    size = info.st_size
    if size > max_file_size:
        return info, f"too large ({size:,} bytes; the limit is {max_file_size:,})"
    return info, None


def read_source(path: str | Path) -> tuple[os.stat_result, bytes]:
    """Read a file's bytes, with the ``fstat`` of the file read (every read of the scan)."""
    with open(path, "rb") as handle:
        return os.fstat(handle.fileno()), handle.read()


def _os_reason(path: str, exc: OSError) -> str:
    if os.path.islink(path):
        if exc.errno == 40:  # ELOOP
            return "symlink loop"
        return f"broken symlink ({exc.strerror})"
    return f"unreadable ({exc.strerror or exc})"


def _content_problem(data: bytes) -> str | None:
    if not data:
        # An empty file is scanned, not skipped: an app's empty ``models.py`` or package marker
        # is normal, holds no signal code, and listing it would bury the files that matter.
        return None
    if b"\0" in data:
        return "contains NUL bytes (binary file?)"
    encoding = declared_encoding(data)
    try:
        data.decode(encoding)
    except LookupError:
        return f"unknown source encoding {encoding!r}"
    except UnicodeDecodeError as exc:
        return f"not valid {encoding} (byte {exc.start}: {exc.reason})"
    return None


def declared_encoding(data: bytes) -> str:
    """The PEP 263 source encoding: a ``coding:`` cookie on line 1 or 2, else UTF-8."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    for line in data.split(b"\n", 2)[:2]:
        match = _CODING_COOKIE.match(line)
        if match:
            return match.group(1).decode("ascii", "replace")
        if line.strip() and not line.lstrip().startswith(b"#"):
            break
    return "utf-8"
