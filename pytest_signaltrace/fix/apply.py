"""Run ``signaltrace fix`` over a tree: unified diffs (the default) or the files rewritten."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pytest_signaltrace.fix.plan import FilePlan
from pytest_signaltrace.output import write_bytes


@dataclass
class FixResult:
    """What a fix changed (or would change)."""

    #: ``path -> (before, after)`` of every file that changes.
    changes: dict[str, tuple[bytes, bytes]] = field(default_factory=dict)
    #: Lines of the plan that matched no code (the map and the file disagree): left alone.
    unmatched: list[tuple[str, int]] = field(default_factory=list)
    #: Files that could not be rewritten, and why.
    failed: list[tuple[str, str]] = field(default_factory=list)

    def diff(self) -> str:
        """The changes as one unified diff (``a/`` and ``b/`` prefixes, as git writes them)."""
        out: list[str] = []
        for path in sorted(self.changes):
            before, after = self.changes[path]
            out.extend(
                difflib.unified_diff(
                    before.decode("utf-8", "surrogateescape").splitlines(keepends=True),
                    after.decode("utf-8", "surrogateescape").splitlines(keepends=True),
                    fromfile=f"a/{path}",
                    tofile=f"b/{path}",
                )
            )
        return "".join(line if line.endswith("\n") else line + "\n" for line in out)


def run_fixes(root: Path, plans: Iterable[FilePlan], *, pragma: bool = False) -> FixResult:
    """Apply ``plans`` (paths relative to ``root``) in memory."""
    from pytest_signaltrace.fix.transform import fix_source

    result = FixResult()
    for plan in plans:
        try:
            before = (root / plan.path).read_bytes()
            after, unmatched = fix_source(before, plan, pragma=pragma)
        except Exception as exc:  # a file changed since the scan, or libcst cannot parse it
            result.failed.append((plan.path, f"{type(exc).__name__}: {exc}".splitlines()[0]))
            continue
        result.unmatched.extend((plan.path, line) for line in unmatched)
        if after != before:
            result.changes[plan.path] = (before, after)
    return result


def write_fixes(root: Path, result: FixResult) -> None:
    """Rewrite the changed files in place, atomically, keeping their permissions."""
    for path, (_, after) in sorted(result.changes.items()):
        write_bytes(root / path, after)
