"""Call sites from live frames: the caller of a patched method and the first project frame.

A *site* is ``(filename, line)``. Frames whose file is "internal" (the dispatchers,
wrapt, this package) are skipped, so the site of ``@receiver(...)`` is the decorator line in user
code, not a line inside ``django/dispatch/dispatcher.py``. Per-filename facts are cached, so the
hot path is a few dict lookups per frame.

Walking outwards is the expensive part: each frame walked costs about 0.1 us on Python 3.11
(``f_back`` allocates a frame object for a frame not seen before, then two attribute reads and a
dict lookup), so a framework signal sent from under 40 library frames paid 5-6 us for its walk
to the first project frame. The walk is therefore bounded: the send patches look for the
project frame only when a receiver ran, at most :data:`WALK_DEPTH` frames out, and only for the
first :data:`WALKS_PER_SITE` such sends from each caller (code object and instruction); later
sends from that caller record "not looked for" (``None``), as one beyond the depth does. No
project frame is ever guessed: the project site of a send is the exact first project frame or
``None``. (An exact walk per send cannot be made cheap on 3.11: no C-level walk with a filename
filter exists, and a cache keyed on the caller would give the project frame of an earlier,
different stack.)
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Sequence
from types import FrameType

Site = tuple[str, int]

#: Frames looked at outwards from a send's caller for the first project frame.
WALK_DEPTH = 64
#: Sends (with a receiver, from a caller outside the project) per caller that look for it.
WALKS_PER_SITE = 16

#: Directory names that mark installed third-party code, never project code.
_INSTALLED_MARKERS = ("site-packages", "dist-packages")


@functools.lru_cache(maxsize=4096)
def absolute_filename(filename: str) -> str:
    """``filename`` made absolute and normalised; pseudo names like ``<string>`` are kept."""
    if not filename or (filename.startswith("<") and filename.endswith(">")):
        return filename
    return os.path.normpath(os.path.abspath(filename))


def source_roots(sources: Iterable[str]) -> tuple[str, ...]:
    """The source folders as :func:`in_sources` reads them: absolute, ending in a separator."""
    return tuple(os.path.join(os.path.abspath(source), "") for source in sources)


def in_sources(path: str, roots: tuple[str, ...]) -> bool:
    """Whether the file ``path`` is the project's: under one of ``roots`` (see
    :func:`source_roots`) and not installed there (no ``site-packages`` folder on its way)."""
    if not path.startswith(roots):
        return False
    parts = path.split(os.sep)
    return not any(marker in parts for marker in _INSTALLED_MARKERS)


def _stdlib_dirs() -> tuple[str, ...]:
    import sysconfig  # here: writing a data file needs in_sources alone

    paths = sysconfig.get_paths()
    dirs = {paths[key] for key in ("stdlib", "platstdlib") if key in paths}
    return tuple(sorted(os.path.normpath(d) + os.sep for d in dirs))


class SiteFinder:
    """Finds call sites, knowing which files are internal and which belong to the project."""

    def __init__(self, project_roots: Sequence[str], internal_files: Iterable[str] = ()) -> None:
        roots = {os.path.normpath(os.path.abspath(root)) for root in project_roots}
        self._roots = tuple(sorted(root.rstrip(os.sep) + os.sep for root in roots))
        self._excluded = (
            *_stdlib_dirs(),
            os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep,
        )
        #: Raw filenames of internal frames; updated in place, so a reference to it stays valid.
        self.internal: set[str] = set()
        #: raw ``co_filename`` -> (absolute filename, is a project file, is internal); read by
        #: the send patches' hot path, filled by :meth:`is_project_file` and the other lookups.
        self.files: dict[str, tuple[str, bool, bool]] = {}
        self.add_internal(internal_files)

    def add_internal(self, filenames: Iterable[str]) -> None:
        """Treat frames from these files (raw ``co_filename`` values) as internal."""
        names = [name for name in filenames if name]
        self.internal.update(names)
        for name in names:
            self.files.pop(name, None)  # learn it again, as internal

    def is_internal(self, filename: str) -> bool:
        """Whether frames from ``filename`` are skipped when looking for a call site."""
        return filename in self.internal

    def is_project_file(self, filename: str) -> bool:
        """Whether ``filename`` (raw ``co_filename``) is under a project root."""
        info = self.files.get(filename)
        if info is None:
            info = self._learn(filename)
        return info[1]

    def absolute(self, filename: str) -> str:
        """``filename`` (raw ``co_filename``) made absolute, cached."""
        info = self.files.get(filename)
        if info is None:
            info = self._learn(filename)
        return info[0]

    def caller(self, frame: FrameType | None) -> FrameType | None:
        """``frame`` or the first frame outwards from it that is not internal."""
        internal = self.internal
        while frame is not None and frame.f_code.co_filename in internal:
            frame = frame.f_back
        return frame

    def site(self, frame: FrameType | None) -> Site | None:
        """The site of the first non-internal frame from ``frame`` outwards."""
        frame = self.caller(frame)
        if frame is None:
            return None
        raw = frame.f_code.co_filename
        info = self.files.get(raw) or self._learn(raw)
        return info[0], frame.f_lineno

    def sites(self, frame: FrameType | None) -> tuple[Site | None, Site | None]:
        """The caller's site and the first project site, from ``frame`` outwards (the project
        site within :data:`WALK_DEPTH` frames of the caller, else ``None``)."""
        internal = self.internal
        while frame is not None and frame.f_code.co_filename in internal:
            frame = frame.f_back
        if frame is None:
            return None, None
        files = self.files
        raw = frame.f_code.co_filename
        info = files.get(raw) or self._learn(raw)
        site = (info[0], frame.f_lineno)
        if info[1]:
            return site, site
        outer = self.project_frame(frame.f_back)
        if outer is None:
            return site, None
        return site, (self.absolute(outer.f_code.co_filename), outer.f_lineno)

    def project_frame(self, frame: FrameType | None, depth: int = WALK_DEPTH) -> FrameType | None:
        """The first frame under a project root from ``frame`` outwards, looking at no more than
        ``depth`` frames; ``None`` if there is none that close."""
        files = self.files
        while frame is not None and depth > 0:
            raw = frame.f_code.co_filename
            info = files.get(raw) or self._learn(raw)
            if info[1]:
                return frame
            frame = frame.f_back
            depth -= 1
        return None

    def _learn(self, raw: str) -> tuple[str, bool, bool]:
        absolute = absolute_filename(raw)
        info = (absolute, self._in_project(absolute), raw in self.internal)
        self.files[raw] = info
        return info

    def _in_project(self, absolute: str) -> bool:
        if not os.path.isabs(absolute) or absolute in self.internal:
            return False
        if not any(absolute.startswith(root) for root in self._roots):
            return False
        if any(absolute.startswith(excluded) for excluded in self._excluded):
            return False
        parts = absolute.split(os.sep)
        return not any(marker in parts for marker in _INSTALLED_MARKERS)
