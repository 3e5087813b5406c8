"""The scan's entry point: the tree memo first (:mod:`.memo`), the engine only when it misses.

A warm scan of an unchanged tree is answered here, with the memo's modules alone: the engine,
the resolver and the map builder (:mod:`.engine`) are not even imported.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from pytest_signaltrace.model import StaticMap
from pytest_signaltrace.scan.memo import TreeMemo
from pytest_signaltrace.scan.walk import DEFAULT_MAX_FILE_SIZE

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
        memo = TreeMemo.open(
            cache_dir,
            roots,
            relative_to=relative_to,
            package_roots=package_roots,
            exclude=exclude,
            skip_folders=skip_folders,
            max_file_size=max_file_size,
        )
        remembered = memo.recall()
        if remembered is not None:
            return remembered
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
