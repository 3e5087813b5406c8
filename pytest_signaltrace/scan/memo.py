"""The tree memo: a warm scan of an unchanged tree answers with the map it made last time.

The stat index (:mod:`.statindex`) spares a warm scan the reading of every file, but the scan
still decodes an entry per file, names every module and builds the map again: on a tree of
2,000 files, several times what walking it and ``stat``-ing every file costs. The memo keeps,
per cache folder and request (the roots, ``relative_to``, the package roots, the exclusions,
the size limit, this tool's version and the frameworks' catalogue), the map of the last scan
with the *state* of the tree it scanned: the hash of every file's path and stat signature (the
index's: size, ``st_mtime_ns``, ``st_ctime_ns``, inode), of the ``__init__.py`` files above
each root and of the checkout markers in it (what the naming plan looks at outside the walk).
A scan whose state hashes the same returns that map without reading, decoding or naming
anything.

Never a different answer, by the index's rules and three more:

* any file added, removed, renamed or with another signature changes the state;
* the memo is written only when every file's last change is older than :data:`.RACY_NS`
  before the state was taken (git's "racily clean" rule: a later change moves a timestamp);
* the memo is written only when the walk met nothing it could not scan as a file (a folder it
  could not list, a symlink loop, a broken link, a FIFO, a file over the size limit: what
  becomes of those depends on more than a signature), when the scan looked up no installed
  package (what it finds there depends on ``sys.path`` and on files outside the tree), and when
  the map reads back from its JSON equal to itself.

Best effort, like the rest of the cache: a memo that cannot be read or has the wrong shape is
no memo; a write that fails is skipped.
"""

from __future__ import annotations

import contextlib
import json
import os
from array import array
from collections.abc import Sequence
from pathlib import Path
from stat import S_ISREG
from typing import TYPE_CHECKING, Any

from pytest_signaltrace.scan import hashes, statindex
from pytest_signaltrace.scan.atomic import write_atomically
from pytest_signaltrace.scan.paths import CHECKOUT_MARKERS
from pytest_signaltrace.scan.version import tool_version
from pytest_signaltrace.scan.walk import walk

if TYPE_CHECKING:  # the model is imported to decode a map: a data file's writer needs its JSON
    from pytest_signaltrace.model import StaticMap

#: Bump when the memo's layout or what its state covers changes.
SCHEMA = 2  # 2: the map's scan JSON text kept too ("json", for the data file of a run)
#: Memos kept per cache folder (one per request: the least recently written go).
MAX_MEMOS = 16
_FORMAT = "pytest-signaltrace-tree-memo"


class TreeMemo:
    """The memo of one scan request in a cache folder, with the state of the tree now."""

    def __init__(self, path: Path, state: str | None) -> None:
        self.path = path
        #: The hash of the tree's state, ``None`` when no memo may be written for it.
        self.state = state

    @classmethod
    def open(
        cls,
        cache_dir: Path,
        roots: Sequence[Path],
        *,
        relative_to: Path | None,
        package_roots: Sequence[Path],
        exclude: Sequence[str],
        skip_folders: Sequence[Path],
        max_file_size: int,
    ) -> TreeMemo:
        """The memo of a scan so asked, and the state of its tree (walked and ``stat``-ed)."""
        from pytest_signaltrace import frameworks

        request = [
            SCHEMA,
            # The index's rules (the prefilter among them) decide which files the map was made
            # of: a change of them is another map for the same tree.
            statindex.SCHEMA,
            tool_version(),
            frameworks.catalogue().fingerprint,
            [str(root.absolute()) for root in roots],
            None if relative_to is None else str(relative_to.absolute()),
            [str(folder.absolute()) for folder in package_roots],
            list(exclude),
            [str(folder) for folder in skip_folders],
            max_file_size,
        ]
        text = json.dumps(request).encode("utf-8", "surrogateescape")
        name = hashes.blake2b(text, digest_size=16).hexdigest()
        path = cache_dir / f"memo-v{SCHEMA}" / f"{name}.json"
        return cls(path, tree_state(roots, exclude, skip_folders, max_file_size))

    def _document(self) -> dict[str, Any] | None:
        """The memo's document if it was made for the tree's state; raises ``OSError``,
        ``ValueError``, ``TypeError`` or ``KeyError`` for a memo that cannot be read."""
        if self.state is None:
            return None
        document = json.loads(self.path.read_bytes())
        if (
            document["format"] != _FORMAT
            or document["tool"] != tool_version()
            or document["state"] != self.state
        ):
            return None
        return document  # type: ignore[no-any-return]

    def recall(self) -> StaticMap | None:
        """The map remembered for the tree's state, if any."""
        from pytest_signaltrace.model import StaticMap
        from pytest_signaltrace.scan import mapcodec

        try:
            document = self._document()
            found = None if document is None else mapcodec.decode(document["map"])
        except (
            OSError, ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError
        ):  # fmt: skip
            return None
        if not isinstance(found, StaticMap):
            return None
        global _RECALLED
        text = document.get("json") if document is not None else None
        _RECALLED = (found, text) if isinstance(text, str) else None
        return found

    def recall_json(self) -> str | None:
        """The remembered map's JSON text (``signaltrace scan --format json``'s document,
        compact), if any: what a data file holds, without decoding the map (nor importing the
        model) only to encode it again."""
        try:
            document = self._document()
            text = None if document is None else document.get("json")
        except (OSError, ValueError, TypeError, KeyError, RecursionError):
            return None
        return text if isinstance(text, str) else None

    def remember(self, static_map: StaticMap) -> None:
        """Keep ``static_map`` for the state taken at :meth:`open` (best effort)."""
        if self.state is None:
            return
        from pytest_signaltrace.scan import mapcodec

        # (A map that does not read back equal is not kept: ``encode`` raises TypeError.)
        with contextlib.suppress(OSError, ValueError, TypeError, KeyError, RecursionError):
            document = {
                "format": _FORMAT,
                "tool": tool_version(),
                "state": self.state,
                "map": mapcodec.encode(static_map),
                "json": static_json_text(static_map),
            }
            data = json.dumps(document, separators=(",", ":")).encode("utf-8", "surrogateescape")
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(self.path, data)
            statindex.prune(self.path.parent, keep=self.path, limit=MAX_MEMOS)


#: The map the last :meth:`TreeMemo.recall` of this process returned, and its JSON text as the
#: memo kept it.
_RECALLED: tuple[StaticMap, str] | None = None


def static_json_of(static_map: StaticMap) -> str | None:
    """The JSON text of ``scan_to_dict(static_map)`` (compact, as :func:`static_json_text`
    writes it), if ``static_map`` is the very map this process recalled from a memo, from the
    memo's document; else ``None``.

    A warm run's data file holds the same static map as the run before it: its text, about
    half of the data file, need not be built and encoded again (about 15 M instructions on the
    generated suite's 400 tests).
    """
    recalled = _RECALLED
    if recalled is None or recalled[0] is not static_map:
        return None
    return recalled[1]


def tree_state(
    roots: Sequence[Path], exclude: Sequence[str], skip_folders: Sequence[Path], max_file_size: int
) -> str | None:
    """The hash of the state of the tree under ``roots``; ``None`` when a memo of it may not be
    written (see the module's docstring)."""
    oldest = statindex.clock_ns() - statindex.RACY_NS
    skip = frozenset(os.path.realpath(folder) for folder in skip_folders)
    digest = hashes.blake2b(digest_size=20)
    for root in roots:
        root = root.absolute()
        # In the walk's order (sorted by name, folder by folder): the same for the same tree.
        names: list[str] = []
        numbers: list[int] = []  # size, mtime and ctime of each file
        inodes: list[int] = []
        for path, relpath, _ in walk(root, exclude, skip):
            try:
                info = os.stat(path)
            except OSError:
                return None
            if (
                not S_ISREG(info.st_mode)  # (every problem the walk reports is a folder's)
                or info.st_size > max_file_size
                or info.st_mtime_ns >= oldest
                or info.st_ctime_ns >= oldest
            ):
                return None
            names.append(relpath)
            numbers += (info.st_size, info.st_mtime_ns, info.st_ctime_ns)
            inodes.append(info.st_ino)
        chain = []
        above = str(root)
        while os.path.isfile(os.path.join(above, "__init__.py")):
            chain.append(above)
            above = os.path.dirname(above)
        markers = [os.path.exists(os.path.join(root, m)) for m in CHECKOUT_MARKERS]
        # The numbers as machine words and the names each ended by a NUL (which no file name
        # holds), after their count: as unambiguous as the repr of them all was, without
        # formatting 8,000 ints (about 11 M instructions a warm run on Django's 1,935 files).
        head = repr((str(root), chain, markers, len(names)))
        digest.update(head.encode("utf-8", "surrogateescape"))
        digest.update("".join(f"{name}\0" for name in names).encode("utf-8", "surrogateescape"))
        digest.update(array("q", numbers).tobytes())
        digest.update(array("Q", inodes).tobytes())
    return digest.hexdigest()


def static_json_text(static_map: StaticMap) -> str:
    """``static_map`` as a data file holds it: its scan JSON document, compact."""
    from pytest_signaltrace.report.scan_json import scan_to_dict

    return json.dumps(scan_to_dict(static_map), separators=(",", ":"))
