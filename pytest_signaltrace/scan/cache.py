"""Per-file cache of :class:`~pytest_signaltrace.scan.facts.ModuleFacts`.

Entries are keyed by a hash of the file's bytes (:func:`~.bytefacts.content_digest`), its
module name and path, and the tool's version, so an entry can never be stale: a changed file
or a new release simply misses. Each entry is one small JSON file written atomically. The cache
is best effort: any error reading or writing it is treated as a miss and never fails a scan.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_signaltrace.scan import hashes
from pytest_signaltrace.scan.atomic import write_atomically
from pytest_signaltrace.scan.version import tool_version

if TYPE_CHECKING:  # imported by get() only: signaltrace run needs this module's paths alone
    from pytest_signaltrace.scan.facts import ModuleFacts

#: Bump when :class:`ModuleFacts` or the extraction rules change.
SCHEMA = 7


def facts_key(
    content: str, module: str, relpath: str, is_package: bool, wrappers: tuple[str, ...] = ()
) -> str:
    """The cache key of one file's facts, from the :func:`~.bytefacts.content_digest` of its
    bytes (so that a file known from the stat index needs no reading)."""
    # ``surrogateescape``: a file name that is not valid UTF-8 is still a key.
    text = f"{tool_version()}\0{SCHEMA}\0{module}\0{relpath}\0{is_package}\0{content}"
    if wrappers:  # the facts of a file that calls connect wrappers it imports
        text += "\0" + ",".join(wrappers)
    return hashes.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=20).hexdigest()


class NotCached(LookupError):
    """A file's facts are not in a cache that must have them: the scan would have to parse
    (a scan told not to, which never imports the parser)."""


class FactsCache:
    """A folder of cached facts; ``FactsCache(None)`` caches nothing. A ``required`` cache
    raises :class:`NotCached` instead of missing."""

    def __init__(self, directory: Path | None, *, required: bool = False) -> None:
        self.directory = directory / f"facts-v{SCHEMA}" if directory is not None else None
        self.required = required
        self.hits = 0
        self.misses = 0
        self._made = False  # the folder is made once per scan, before the first write

    def _entry(self, key: str) -> Path | None:
        # One folder, not one per key prefix: creating a folder costs what writing an entry
        # does, and a cold scan wrote almost as many folders as entries.
        return self.directory / f"{key}.json" if self.directory is not None else None

    def get(self, key: str) -> ModuleFacts | None:
        """The cached facts for ``key``, or ``None`` (raises :class:`NotCached` if required)."""
        entry = self._entry(key)
        if entry is not None:
            from pytest_signaltrace.scan.facts import ModuleFacts

            try:
                facts = ModuleFacts.from_json(json.loads(entry.read_bytes()))
            except (OSError, ValueError, TypeError, KeyError):
                self.misses += 1
            else:
                self.hits += 1
                return facts
        if self.required:
            raise NotCached(key)
        return None

    def put(self, key: str, facts: ModuleFacts) -> None:
        """Store ``facts`` under ``key`` (silently does nothing if the folder is not writable)."""
        entry = self._entry(key)
        if entry is None:
            return
        data = json.dumps(facts.to_json(), separators=(",", ":")).encode("utf-8")
        with contextlib.suppress(OSError):
            if not self._made:
                entry.parent.mkdir(parents=True, exist_ok=True)
                self._made = True
            write_atomically(entry, data)


def default_cache_dir(root: Path) -> Path:
    """``<root>/.pytest_cache/d/signaltrace``: where pytest's ``config.cache.mkdir`` puts it."""
    return root / ".pytest_cache" / "d" / "signaltrace"


def ensure_pytest_cache_marker(cache_dir: Path) -> None:
    """Give a ``.pytest_cache`` folder we create the ``.gitignore`` pytest would write."""
    for parent in cache_dir.parents:
        if parent.name == ".pytest_cache":
            if not parent.exists():
                with contextlib.suppress(OSError):
                    parent.mkdir(parents=True)
                    (parent / ".gitignore").write_text(
                        "# Created by pytest-signaltrace automatically.\n*\n", encoding="utf-8"
                    )
            return
