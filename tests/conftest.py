"""Shared helpers: write a small source tree from dedented snippets, and scan it."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from pytest_signaltrace.model import StaticMap
from pytest_signaltrace.scan import scan

WriteTree = Callable[[Mapping[str, str | bytes]], Path]
ScanTree = Callable[..., StaticMap]


def write_tree(root: Path, files: Mapping[str, str | bytes]) -> Path:
    """Write ``files`` (relative path -> dedented source, or raw bytes) under ``root``."""
    for relpath, content in files.items():
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


@pytest.fixture
def tree(tmp_path: Path) -> WriteTree:
    """``tree({...})`` writes the files under a fresh folder and returns it."""
    root = tmp_path / "src"
    root.mkdir()
    return lambda files: write_tree(root, files)


@pytest.fixture
def scan_tree(tree: WriteTree) -> ScanTree:
    """``scan_tree({...}, **options)`` writes the files and returns the scan's StaticMap."""

    def run(files: Mapping[str, str | bytes], **options: Any) -> StaticMap:
        return scan(tree(files), **options)

    return run
