"""Walking a scanned root: the Python files under it, in the same order for the same tree.

Apart from :mod:`.files` (which reads what this finds), so that the tree memo (:mod:`.memo`)
walks a tree without importing what reading it needs (the prefilter's patterns).
"""

from __future__ import annotations

import fnmatch
import functools
import operator
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

#: Folders that never hold the project's own source.
DEFAULT_EXCLUDED_DIRS = frozenset(
    {
        "__pycache__",
        "node_modules",
        "site-packages",
        "venv",
        "env",
        "build",
        "dist",
        "htmlcov",
        "signaltrace_html",
    }
)
#: Files larger than this are skipped: they are generated, not written.
DEFAULT_MAX_FILE_SIZE = 2 * 1024 * 1024

#: How much of a file without a suffix is read to find a Python ``#!`` line.
_SHEBANG_BYTES = 128
_NAME = operator.attrgetter("name")


def walk(
    root: Path, exclude: Sequence[str], skip: frozenset[str]
) -> Iterator[tuple[str, str, str | None]]:
    """Yield ``(path, relpath, problem)`` for every source file and every folder left out
    (``skip``: real paths of folders not entered), in the same order for the same tree.

    Real folders are walked before any folder symlink, whatever their names: a link met
    first must not make its target look already scanned. A link whose target was walked is
    skipped (and reported); a link to a folder outside the tree is walked in its place.
    """
    root_stat = root.stat()
    walked: set[tuple[int, int]] = {(root_stat.st_dev, root_stat.st_ino)}
    links: list[tuple[str, str]] = []
    walk = functools.partial(
        _walk_folders, device=root_stat.st_dev, walked=walked, links=links, exclude=exclude
    )
    yield from walk([(str(root), "")], skip=skip)
    while links:
        path, relpath = links.pop(0)
        if skip and os.path.realpath(path) in skip:
            continue
        try:
            target = os.stat(path)
        except OSError:
            continue
        if (target.st_dev, target.st_ino) in walked:
            yield path, relpath, "symlink loop: this folder was already scanned"
            continue
        walked.add((target.st_dev, target.st_ino))
        yield from walk([(path, relpath)], skip=skip)


def _walk_folders(
    pending: list[tuple[str, str]],
    *,
    device: int,
    walked: set[tuple[int, int]],
    links: list[tuple[str, str]],
    exclude: Sequence[str],
    skip: frozenset[str],
) -> Iterator[tuple[str, str, str | None]]:
    while pending:
        folder, reldir = pending.pop()
        try:
            entries = sorted(os.scandir(folder), key=_NAME)
        except FileNotFoundError:
            if reldir:  # deleted since its parent was listed; a missing root is the caller's
                continue
            raise
        except OSError as exc:
            yield folder, reldir, f"unreadable folder ({exc.strerror or exc})"
            continue
        subfolders: list[tuple[str, str]] = []
        for entry in entries:
            name = entry.name
            relpath = f"{reldir}/{name}" if reldir else name
            if name.endswith(".py") or _is_script(entry):
                if not (exclude and _excluded(relpath, exclude)):
                    yield entry.path, relpath, None
                continue
            if (
                name.startswith(".")
                or name in DEFAULT_EXCLUDED_DIRS
                or (exclude and _excluded(relpath, exclude))
            ):
                continue
            try:
                if not entry.is_dir():
                    continue
                if entry.is_symlink():
                    links.append((entry.path, relpath))
                    continue
                if skip and os.path.realpath(entry.path) in skip:
                    continue
                identity = (device, entry.inode())
            except OSError:
                continue
            if identity in walked:
                yield entry.path, relpath, "symlink loop: this folder was already scanned"
                continue
            walked.add(identity)
            subfolders.append((entry.path, relpath))
        pending.extend(reversed(subfolders))


def _is_script(entry: os.DirEntry[str]) -> bool:
    """Whether a file without a suffix is a Python script (``#!/usr/bin/env python3``): it
    may send signals as any module does (``bin/wrap_gifts``)."""
    if "." in entry.name:
        return False
    try:
        if not entry.is_file():
            return False
        with open(entry.path, "rb") as handle:
            first = handle.read(_SHEBANG_BYTES).split(b"\n", 1)[0]
    except OSError:
        return False
    return first.startswith(b"#!") and b"python" in first


def _excluded(relpath: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatch(relpath, pattern) for pattern in patterns)
