"""Run ``signaltrace fix`` over a tree: unified diffs (the default) or the files rewritten.

Writing is all or nothing: every new text must parse before any file is touched; each file is
replaced atomically (temporary file + rename), never through a symlink; after writing, every
written file is read back and parsed again, and should one not parse (or not hold what was
written), every file written is put back as it was.
"""

from __future__ import annotations

import ast
import difflib
import os
from collections.abc import Iterable
from dataclasses import field
from pathlib import Path

from pytest_signaltrace.fix.plan import FilePlan
from pytest_signaltrace.output import write_bytes
from pytest_signaltrace.record import Record


class FixRefused(Exception):
    """Nothing was written (or all of it was put back); ``str()`` is one line."""


class FixResult(Record, frozen=False):
    """What a fix changed (or would change)."""

    #: ``path -> (before, after)`` of every file that changes.
    changes: dict[str, tuple[bytes, bytes]] = field(default_factory=dict)
    #: Lines of the plan that matched no code (the map and the file disagree).
    unmatched: list[tuple[str, int]] = field(default_factory=list)
    #: Lines left as they are on purpose, and why (``@receiver([a, b])`` not told apart).
    left_alone: list[tuple[str, int, str]] = field(default_factory=list)
    #: Files that could not be fixed, and why.
    failed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """Whether every planned change applied as planned (else nothing may be written)."""
        return not (self.unmatched or self.failed)

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
        return "".join(
            line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
            for line in out
        )


def run_fixes(root: Path, plans: Iterable[FilePlan], *, pragma: bool = False) -> FixResult:
    """Apply ``plans`` (paths relative to ``root``) in memory."""
    from pytest_signaltrace.fix.names import module_of
    from pytest_signaltrace.fix.transform import fix_source

    result = FixResult()
    for plan in plans:
        try:
            before = (root / plan.path).read_bytes()
            fixed = fix_source(before, plan, pragma=pragma, module=module_of(root, plan.path))
        except Exception as exc:  # a file changed since the scan, or libcst cannot parse it
            result.failed.append((plan.path, f"{type(exc).__name__}: {exc}".splitlines()[0]))
            continue
        result.unmatched.extend((plan.path, line) for line in fixed.unmatched)
        result.left_alone.extend((plan.path, line, why) for line, why in fixed.left_alone)
        if fixed.source == before:
            continue
        if not parses(fixed.source, before):
            result.failed.append((plan.path, "the fixed text would not parse: left alone"))
            continue
        result.changes[plan.path] = (before, fixed.source)
    return result


def parses(source: bytes, before: bytes | None = None) -> bool:
    """Whether ``source`` is Python this interpreter parses; when ``before`` does not either
    (newer syntax), whether libcst parses it."""
    try:
        ast.parse(source)
        return True
    except (SyntaxError, ValueError):
        pass
    if before is None or _ast_parses(before):
        return False
    import libcst as cst

    try:
        cst.parse_module(source)
    except Exception:  # libcst's parser errors share no base class
        return False
    return True


def _ast_parses(source: bytes) -> bool:
    try:
        ast.parse(source)
    except (SyntaxError, ValueError):
        return False
    return True


def target_in_tree(root: Path, path: str) -> Path | None:
    """The file ``path`` (relative to ``root``) when no symlink lies on the way to it from
    ``root``: only then is writing it writing the scanned tree. Else ``None``."""
    real_root = os.path.realpath(root)
    target = os.path.normpath(os.path.join(real_root, *path.split("/")))
    if os.path.realpath(target) != target or not target.startswith(real_root + os.sep):
        return None
    return Path(target)


def write_fixes(root: Path, result: FixResult) -> None:
    """Rewrite the changed files in place, all or none; raises :class:`FixRefused`."""
    if not result.clean:
        raise FixRefused("not every planned change applied: nothing written")
    targets: dict[str, Path] = {}
    for path in sorted(result.changes):
        target = target_in_tree(root, path)
        if target is None:
            raise FixRefused(f"{path} is reached through a symlink: nothing written")
        if target.read_bytes() != result.changes[path][0]:
            raise FixRefused(f"{path} changed since it was read: nothing written")
        targets[path] = target
    written: list[str] = []
    try:
        for path, target in targets.items():
            written.append(path)
            write_bytes(target, result.changes[path][1])
        for path in written:
            after = result.changes[path][1]
            now = targets[path].read_bytes()
            if now != after or not parses(now, result.changes[path][0]):
                raise FixRefused(f"{path} did not parse once written: every file put back")
    except BaseException:
        for path in written:
            write_bytes(targets[path], result.changes[path][0])
        raise
