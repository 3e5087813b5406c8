"""The scan's entry point: the tree memo first (:mod:`.memo`), the engine only when it misses.

A warm scan of an unchanged tree is answered here, with the memo's modules alone: the engine,
the resolver and the map builder (:mod:`.engine`) are not even imported.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_signaltrace.scan.memo import TreeMemo, static_json_text
from pytest_signaltrace.scan.walk import DEFAULT_MAX_FILE_SIZE

if TYPE_CHECKING:  # (a warm scan_json never imports the model)
    from pytest_signaltrace.model import StaticMap

#: Called with (files done, files to do) while parsing.
ProgressCallback = Callable[[int, int], None]


def scan(
    root: Path | Sequence[Path],
    *,
    relative_to: Path | None = None,
    cache_dir: Path | None = None,
    package_roots: Sequence[Path] = (),
    exclude: Sequence[str] = (),
    skip_folders: Sequence[Path] = (),
    max_file_size: int = DEFAULT_MAX_FILE_SIZE,
    jobs: int | None = None,
    progress: ProgressCallback | None = None,
    search_path: Sequence[str] | None = None,
    parse: bool = True,
) -> StaticMap:
    """Scan the Python files under ``root`` for signal definitions, receivers and send sites.

    Never imports the scanned code. ``cache_dir`` (optional) keeps per-file facts between runs,
    and the map of an unchanged tree (:mod:`.memo`); ``package_roots`` name folders whose files
    are named relative to them (namespace packages); ``jobs`` caps the worker processes used for
    large trees (``1`` disables them). ``root`` may be several folders, scanned as one tree;
    paths in the map are relative to ``relative_to`` (default: the single root).
    ``skip_folders`` are not entered (the run's own temporary folders). Installed packages are
    looked for on ``search_path`` (default ``sys.path``). With ``parse=False`` the parser is
    never imported: a file whose facts are not in the cache raises :class:`~.cache.NotCached`.
    """
    roots = [root] if isinstance(root, Path) else list(root)
    memo = None
    if cache_dir is not None:
        memo = TreeMemo.open(cache_dir, roots, relative_to=relative_to,
                             package_roots=package_roots, exclude=exclude,
                             skip_folders=skip_folders, max_file_size=max_file_size)  # fmt: skip
        remembered = memo.recall()
        if remembered is not None:
            return remembered
    return _build(roots, memo, relative_to=relative_to, cache_dir=cache_dir,
                  package_roots=package_roots, exclude=exclude, skip_folders=skip_folders,
                  max_file_size=max_file_size, jobs=jobs, progress=progress,
                  search_path=search_path, parse=parse)  # fmt: skip


def scan_json(
    roots: Sequence[Path],
    *,
    relative_to: Path,
    cache_dir: Path | None = None,
    package_roots: Sequence[Path] = (),
    progress: ProgressCallback | None = None,
) -> str:
    """What :func:`scan` maps, as the compact JSON text a data file holds (the document of
    ``signaltrace scan --format json``): for an unchanged tree, the text the tree memo kept,
    neither decoded nor encoded again (``signaltrace run``'s data file)."""
    memo = None
    if cache_dir is not None:
        memo = TreeMemo.open(cache_dir, list(roots), relative_to=relative_to,
                             package_roots=package_roots, exclude=(), skip_folders=(),
                             max_file_size=DEFAULT_MAX_FILE_SIZE)  # fmt: skip
        # (Every memo of this schema holds the text beside the map: none to decode here.)
        text = memo.recall_json()
        if text is not None:
            return text
    static_map = _build(list(roots), memo, relative_to=relative_to, cache_dir=cache_dir,
                        package_roots=package_roots, progress=progress)  # fmt: skip
    return static_json_text(static_map)


def _build(
    roots: list[Path],
    memo: TreeMemo | None,
    *,
    relative_to: Path | None,
    cache_dir: Path | None,
    package_roots: Sequence[Path] = (),
    exclude: Sequence[str] = (),
    skip_folders: Sequence[Path] = (),
    max_file_size: int = DEFAULT_MAX_FILE_SIZE,
    jobs: int | None = None,
    progress: ProgressCallback | None = None,
    search_path: Sequence[str] | None = None,
    parse: bool = True,
) -> StaticMap:
    """The map made by the engine (and remembered in ``memo``, when it may be)."""
    from pytest_signaltrace.scan.engine import build_map

    static_map, looked_up = build_map(
        roots,
        relative_to=relative_to,
        cache_dir=cache_dir,
        package_roots=package_roots,
        exclude=exclude,
        skip_folders=skip_folders,
        max_file_size=max_file_size,
        jobs=jobs,
        progress=progress,
        search_path=search_path,
        parse=parse,
    )
    if memo is not None and not looked_up:
        # (A map that looked into installed packages depends on more than the tree.)
        memo.remember(static_map)
    return static_map
