"""Several scanned roots discovered as one tree, each with its own stat index."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path

from pytest_signaltrace.model import SkippedFile
from pytest_signaltrace.scan.files import Discovery, discover
from pytest_signaltrace.scan.statindex import StatIndex


def discover_roots(
    roots: Sequence[Path],
    relative_to: Path | None,
    *,
    exclude: Sequence[str],
    skip_folders: Sequence[Path],
    max_file_size: int,
    cache_dir: Path | None,
    trust_index: bool,
) -> Discovery:
    """Discover every root; paths relative to ``relative_to`` (or to the single root)."""

    def discover_root(root: Path) -> Discovery:
        index = StatIndex.open(cache_dir, root, trust=trust_index) if cache_dir else None
        found = discover(
            root,
            exclude=exclude,
            max_file_size=max_file_size,
            index=index,
            skip_folders=skip_folders,
        )
        if index is not None:
            index.save()
        return found

    if relative_to is None and len(roots) == 1:
        return discover_root(roots[0].absolute())
    base = (relative_to or Path.cwd()).absolute()
    merged = Discovery(files=[], skipped=[])
    seen: set[str] = set()
    for root in roots:
        root = root.absolute()
        prefix = Path(os.path.relpath(root, base)).as_posix()
        found = discover_root(root)
        for source in found.files:
            relpath = join_relpath(prefix, source.relpath)
            if relpath not in seen:
                seen.add(relpath)
                merged.files.append(dataclasses.replace(source, relpath=relpath))
        merged.skipped += [
            SkippedFile(join_relpath(prefix, s.path), s.reason, s.may_send) for s in found.skipped
        ]
    merged.files.sort(key=lambda f: f.relpath)
    merged.skipped.sort()
    return merged


def join_relpath(prefix: str, relpath: str) -> str:
    """``relpath`` below the folder ``prefix`` (``"."``: the base itself)."""
    return relpath if prefix == "." else f"{prefix}/{relpath}"
