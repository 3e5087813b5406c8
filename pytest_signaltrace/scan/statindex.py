"""The stat index: a warm scan of an unchanged tree stats each file and reads none.

One index per scanned root, in the cache folder, maps each file's path relative to the root to
its stat signature (size, ``st_mtime_ns``, ``st_ctime_ns``, inode) and to what the scan learned
from its bytes (:class:`~.bytefacts.ByteFacts`), as git's index, mypy's cache and CPython's
``.pyc`` files do. A file whose signature is unchanged is not read: its facts come from here.

Never a different answer:

* any difference in the signature is a miss, and the file is read as without the index;
  ``st_ctime_ns`` changes on every write and on ``utime()``, so content put back with its old
  modification time is read too;
* "racily clean" files (git's term) are never recorded: a file changed within
  :data:`RACY_NS` of the scan's start may be changed again within the same timestamp tick
  after it was read, leaving its signature as recorded. Only files whose last change is safely
  older than the start of the scan that read them are recorded, so any later change moves a
  timestamp past the recorded one;
* a file read whose length differs from the size ``fstat`` gave (it changed while read) is not
  recorded either;
* the whole index belongs to one tool version and :data:`SCHEMA`: bump it when anything
  :func:`~.bytefacts.learn` computes changes.

Best effort, like the facts cache: an index that cannot be read, is not JSON, has the wrong
shape or names another root is empty; a damaged entry is a miss; a write that fails is
skipped. Writes are atomic (temporary file, then rename), happen only when something changed,
and are bounded: at most :data:`MAX_ENTRIES` files per index, :data:`MAX_INDEXES` indexes per
cache folder (the least recently written go), no index over :data:`MAX_BYTES` is read.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_signaltrace.scan import hashes
from pytest_signaltrace.scan.atomic import write_atomically
from pytest_signaltrace.scan.version import tool_version

if TYPE_CHECKING:  # imported on first decode: the tree memo needs this module's clock only
    from pytest_signaltrace.scan.bytefacts import ByteFacts

#: Bump when :class:`ByteFacts`, the index's layout or any rule :func:`~.bytefacts.learn`
#: applies (the prefilter, the imports read for naming, the subclass check) changes.
SCHEMA = 5
#: A file changed less than this before the scan started is not recorded (2 s: FAT's
#: timestamp granularity, and more than any clock tick of a local file system).
RACY_NS = 2_000_000_000
#: An index of more files than this is not written.
MAX_ENTRIES = 200_000
#: An index file larger than this is not read.
MAX_BYTES = 64 * 1024 * 1024
#: Indexes kept per cache folder (one per scanned root).
MAX_INDEXES = 16
_FORMAT = "pytest-signaltrace-stat-index"
#: Temporary files left by a killed writer are removed once older than this.
_STALE_TEMP_NS = 3600 * 1_000_000_000

#: size, st_mtime_ns, st_ctime_ns, st_ino.
Signature = tuple[int, int, int, int]


def clock_ns() -> int:
    """Now, in nanoseconds since the epoch (the clock file timestamps are set from)."""
    return time.time_ns()


def signature(info: os.stat_result) -> Signature:
    """What must be unchanged for a file's recorded facts to hold."""
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)


class StatIndex:
    """The stat index of one scanned root, loaded from and saved to the cache folder.

    ``lookup`` answers from the loaded entries (unless made with ``trust=False``, which only
    records: the scan reads every file), ``record`` adds what a read taught, ``save`` writes
    the entries of the files looked up or recorded since loading.
    """

    def __init__(self, path: Path, root: str, loaded: dict[str, Any]) -> None:
        self.path = path
        self.root = root
        #: When the scan started: files changed after ``started_ns - RACY_NS`` are not recorded.
        self.started_ns = clock_ns()
        self._loaded = loaded
        self._kept: dict[str, tuple[Signature, ByteFacts]] = {}
        self._changed = False
        self.hits = 0
        self.misses = 0

    @classmethod
    def open(cls, cache_dir: Path, root: Path, *, trust: bool = True) -> StatIndex:
        """The index of ``root`` in ``cache_dir`` (empty when missing, damaged or not trusted)."""
        root_text = str(root.absolute())
        name = hashes.blake2b(root_text.encode("utf-8", "surrogateescape"), digest_size=16)
        path = cache_dir / f"stat-v{SCHEMA}" / f"{name.hexdigest()}.json"
        loaded: dict[str, Any] = {}
        if trust:
            document = _read_document(path)
            if (
                isinstance(document, dict)
                and document.get("format") == _FORMAT
                and document.get("schema") == SCHEMA
                and document.get("tool") == tool_version()
                and document.get("root") == root_text
                and isinstance(document.get("files"), dict)
            ):
                loaded = document["files"]
        return cls(path, root_text, loaded)

    def lookup(self, relpath: str, info: os.stat_result) -> ByteFacts | None:
        """The recorded facts of the file, if its stat signature is the one recorded."""
        raw = self._loaded.get(relpath)
        if raw is not None:
            try:
                # The signature first: the entry of a changed file is not decoded.
                if tuple(raw[:4]) == signature(info):
                    recorded, facts = _decode(raw)
                    self._kept[relpath] = (recorded, facts)
                    self.hits += 1
                    return facts
            except (TypeError, ValueError, IndexError, AttributeError, UnicodeError, KeyError):
                pass  # a damaged entry: read the file
        self.misses += 1
        return None

    def record(self, relpath: str, info: os.stat_result, facts: ByteFacts, length: int) -> None:
        """Keep what reading the file taught, unless the file may change unseen (see above).

        ``info`` is ``fstat`` of the file as opened for the read, ``length`` how much was read.
        """
        if not stat.S_ISREG(info.st_mode) or length != info.st_size:
            return
        if max(info.st_mtime_ns, info.st_ctime_ns) >= self.started_ns - RACY_NS:
            return
        self._kept[relpath] = (signature(info), facts)
        self._changed = True

    def save(self) -> None:
        """Write the index if it changed (best effort: an error leaves the old one, or none)."""
        if not self._changed and len(self._kept) == len(self._loaded):
            return
        if len(self._kept) > MAX_ENTRIES:
            return
        document = _encode(self.root, self._kept)
        folder = self.path.parent
        try:
            data = json.dumps(document, separators=(",", ":")).encode("utf-8")
            folder.mkdir(parents=True, exist_ok=True)
            write_atomically(self.path, data)
        except (OSError, ValueError, TypeError):
            pass  # not written: the next scan reads the files again
        prune(folder, keep=self.path, limit=MAX_INDEXES)


def _read_document(path: Path) -> Any:
    try:
        with open(path, "rb") as handle:
            if os.fstat(handle.fileno()).st_size > MAX_BYTES:
                return None
            return json.loads(handle.read())
    except (OSError, ValueError, RecursionError):
        return None


def _decode(raw: Any) -> tuple[Signature, ByteFacts]:
    """One entry: ``[size, mtime_ns, ctime_ns, ino, digest, problem, imports, level, defines,
    use, bases]``, the texts written out. Raises on any damage.

    Every check is a C-level pass over the entry (``map``, ``set``): a warm scan decodes the
    entry of every file it stats."""
    from pytest_signaltrace.scan.bytefacts import ByteFacts

    size, mtime, ctime, ino, digest, problem, imports, level, defines, use, bases = raw
    recorded = (size, mtime, ctime, ino)
    if {*map(type, (*recorded, level))} != _INT:
        raise TypeError("not a signature")
    if type(digest) is not str or not (problem is None or type(problem) is str):
        raise TypeError("not a digest or a problem")
    if type(defines) is not bool or type(imports) is not list or not _texts(imports):
        raise TypeError("not facts")
    if type(use) is not bool:
        if type(use) is not list or not _texts(use) or not all(map(str.isascii, use)):
            raise TypeError("not a use profile")
        use = frozenset(map(str.encode, use))
    if bases is not None and (type(bases) is not list or not _texts(bases)):
        raise TypeError("not class bases")
    facts = ByteFacts(
        digest=digest,
        problem=problem,
        imports=tuple(imports),
        level=level,
        defines=defines,
        use=use,
        bases=None if bases is None else frozenset(bases),
    )
    return recorded, facts


_INT = {int}
_STR = {str}


def _texts(values: list[Any]) -> bool:
    """Whether every value is a ``str`` (an empty list is)."""
    return not values or {*map(type, values)} == _STR


def _encode(root: str, kept: dict[str, tuple[Signature, ByteFacts]]) -> dict[str, Any]:
    files: dict[str, list[Any]] = {}
    for relpath in sorted(kept):
        recorded, facts = kept[relpath]
        use: bool | list[str] = (
            facts.use
            if isinstance(facts.use, bool)
            else sorted(n.decode("ascii") for n in facts.use)
        )
        files[relpath] = [
            *recorded,
            facts.digest,
            facts.problem,
            list(facts.imports),
            facts.level,
            facts.defines,
            use,
            None if facts.bases is None else sorted(facts.bases),
        ]
    return {
        "format": _FORMAT,
        "schema": SCHEMA,
        "tool": tool_version(),
        "root": root,
        "files": files,
    }


def prune(folder: Path, keep: Path, limit: int) -> None:
    """Keep the ``limit`` most recently written ``.json`` files of ``folder`` (``keep`` one of
    them); drop stale temporary files."""
    try:
        entries = list(os.scandir(folder))
        now = clock_ns()
        indexes = []
        for entry in entries:
            info = entry.stat()
            if entry.name.startswith(".tmp-"):
                if now - info.st_mtime_ns > _STALE_TEMP_NS:
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)
            elif entry.name.endswith(".json") and entry.path != str(keep):
                indexes.append((info.st_mtime_ns, entry.path))
        for _, path in sorted(indexes, reverse=True)[limit - 1 :]:
            with contextlib.suppress(OSError):
                os.unlink(path)
    except OSError:
        pass
