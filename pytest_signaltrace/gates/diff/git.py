"""The lines a change touched, read from ``git diff`` as diff-cover reads them.

Three diffs are united: the commits of this branch since it left ``compare_branch``
(``git diff BRANCH...HEAD``), what is staged, and what is not yet staged. Paths are relative to
the repository's top folder (POSIX); lines are the new file's line numbers.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable
from pathlib import Path

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
_DIFF_OPTIONS = ("--no-color", "--no-ext-diff", "--unified=0", "--no-renames", "--text")


class GitError(Exception):
    """Git could not tell what changed (no repository, an unknown branch, no git at all)."""

    def __init__(self, message: str, returncode: int | None = None) -> None:
        super().__init__(message)
        #: git's exit status (``None``: git did not run).
        self.returncode = returncode


def changed_lines(compare_branch: str, cwd: Path) -> dict[str, set[int]]:
    """Lines added or changed since ``compare_branch``, staged or not, per repository path.

    Raises :class:`GitError` naming the cause: not a repository, an unknown branch, no git.
    """
    _check_branch(compare_branch, cwd)
    diffs = (
        _git(cwd, "diff", *_DIFF_OPTIONS, f"{compare_branch}...HEAD"),
        _git(cwd, "diff", *_DIFF_OPTIONS, "--cached"),
        _git(cwd, "diff", *_DIFF_OPTIONS),
    )
    changed: dict[str, set[int]] = {}
    for diff in diffs:
        for path, lines in parse_unified_diff(diff.splitlines()).items():
            changed.setdefault(path, set()).update(lines)
    return changed


def _check_branch(compare_branch: str, cwd: Path) -> None:
    """Refuse a branch git does not know (``git diff`` would say only "ambiguous argument")."""
    if not compare_branch.strip() or compare_branch.startswith("-"):
        raise GitError(f"{compare_branch!r} is not a branch name")
    try:
        _git(cwd, "rev-parse", "--verify", "--quiet", f"{compare_branch}^{{commit}}")
    except GitError as exc:
        if exc.returncode != 1:  # 1: no such commit; anything else is the repository's problem
            raise
        raise GitError(
            f"unknown compare branch {compare_branch!r}: no such branch or commit"
        ) from None


def repository_prefix(folder: Path) -> str:
    """Where ``folder`` lies inside its repository: ``""`` at the top, else ``"sub/dir/"``."""
    return _git(folder, "rev-parse", "--show-prefix").strip()


def parse_unified_diff(lines: Iterable[str]) -> dict[str, set[int]]:
    """Added lines per file of a ``git diff --unified=0`` text (deleted files are left out)."""
    changed: dict[str, set[int]] = {}
    current: set[int] | None = None
    for line in lines:
        if line.startswith("+++ "):
            target = line[4:].rstrip("\t")
            current = None if target == "/dev/null" else changed.setdefault(_strip(target), set())
        elif line.startswith("@@") and current is not None:
            match = _HUNK.match(line)
            if match:
                start, count = int(match[1]), int(match[2] if match[2] is not None else 1)
                current.update(range(start, start + count))
    return {path: lines for path, lines in changed.items() if lines}


def _strip(target: str) -> str:
    if target.startswith('"') and target.endswith('"'):
        # git quotes unusual names C-style: "b/caf\303\251.py"
        raw = target[1:-1].encode("latin-1").decode("unicode_escape").encode("latin-1")
        target = raw.decode("utf-8", "surrogateescape")  # as os.fsdecode names the file
    return target[2:] if target.startswith("b/") else target


def _git(cwd: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise GitError(f"cannot run git: {exc.strerror or exc}") from None
    if done.returncode != 0:
        raise GitError(f"git {args[0]}: {_reason(done.stderr)}", done.returncode)
    return done.stdout


def _reason(stderr: str) -> str:
    """git's own message: its ``fatal:`` line (after a usage text, or before hints), else the
    first line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        if line.startswith(("fatal: ", "error: ")):
            return line.removeprefix("fatal: ").removeprefix("error: ")
    return lines[0] if lines else "failed"
