"""The first run's hint: the data file lands in the project, so say how to keep it out of git.

coverage.py users add ``.coverage`` to ``.gitignore``; a new user of this plugin finds
``.signaltrace`` in ``git status`` instead. The hint is shown once: when a run creates the data
file inside a git checkout and no ``.gitignore`` between the file and the checkout's top ignores
it. Deterministic and without git itself: the ``.gitignore`` files are read and their simple
patterns matched as git does (a name anywhere, or a path from the file's folder; ``/`` anchors,
a trailing ``/`` means a folder); negations (``!``) are left out, so the hint errs on silence.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath


def gitignore_hint(written: Path, *, configured: Path, rootdir: Path, created: bool) -> str | None:
    """One line that says how to ignore the data file, or ``None`` when it needs no saying.

    ``written`` is the file this run wrote (``parallel`` names one of its own), ``configured``
    the data file setting (its name, with ``*``, is the pattern suggested: it covers the
    parallel and shard files too), ``created`` whether the file did not exist before the run.
    """
    if not created:
        return None
    try:
        top = _checkout_top(written.parent)
        if top is None or _ignored(written, top):
            return None
    except OSError:  # an unreadable folder on the way up: a hint is not worth a warning
        return None
    shown = _shown(written, rootdir)
    return (
        f"wrote the data file {shown} (for signaltrace report, combine and diff); "
        f"keep it out of git: add '{configured.name}*' to .gitignore"
    )


def _checkout_top(folder: Path) -> Path | None:
    """The top of the git checkout holding ``folder``: the nearest folder with a ``.git``
    (a folder, or a file in a worktree or submodule)."""
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def _ignored(path: Path, top: Path) -> bool:
    """Whether a ``.gitignore`` from ``path``'s folder up to ``top`` has a pattern matching
    ``path`` or one of its folders below that ``.gitignore``."""
    for folder in (path.parent, *path.parent.parents):
        ignore_file = folder / ".gitignore"
        if ignore_file.is_file():
            relative = PurePosixPath(path.relative_to(folder).as_posix())
            if any(_matches(pattern, relative) for pattern in _patterns(ignore_file)):
                return True
        if folder == top:
            return False
    return False


def _patterns(ignore_file: Path) -> list[str]:
    try:
        text = ignore_file.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith(("#", "!"))]


def _matches(pattern: str, relative: PurePosixPath) -> bool:
    """Git's rule for a pattern without ``**``: with a ``/`` before its end it matches a path
    from the ``.gitignore``'s folder, otherwise a name at any depth; the file or any of its
    folders counts (an ignored folder ignores what it holds)."""
    pattern = pattern.rstrip("/").removeprefix("**/")
    prefixes = [PurePosixPath(*relative.parts[:n]) for n in range(1, len(relative.parts) + 1)]
    if "/" in pattern:
        anchored = pattern.lstrip("/")
        return any(fnmatchcase(prefix.as_posix(), anchored) for prefix in prefixes)
    return any(fnmatchcase(part, pattern) for part in relative.parts)


def _shown(path: Path, rootdir: Path) -> str:
    try:
        return path.relative_to(rootdir).as_posix()
    except ValueError:
        return str(path)
