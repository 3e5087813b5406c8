"""Compare the two fact extractors, :mod:`ast` and libcst, on every ``.py`` file of some trees.

``python benchmarks/ast_equal.py [--sdist NAME==VERSION ...] [--tree PATH ...] [--example]``

Each file is read by :func:`pytest_signaltrace.scan.extract.extract_with_ast` and by libcst's
:func:`pytest_signaltrace.scan.visitor.extract_facts`, cut (as the scan reads it) and whole
(``prune=False``); the facts must be equal, field for field. A file :mod:`ast` cannot parse on
this Python is counted apart (the scan reads it with libcst). Prints one line per tree and every
difference; exits 1 when there is one.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from pytest_signaltrace.scan.extract import extract_with_ast  # noqa: E402
from pytest_signaltrace.scan.visitor import extract_facts  # noqa: E402


def python_files(tree: Path) -> list[Path]:
    """Every ``.py`` file under ``tree``, in a stable order."""
    found: list[Path] = []
    for folder, dirnames, filenames in os.walk(tree):
        dirnames.sort()
        found.extend(Path(folder, name) for name in sorted(filenames) if name.endswith(".py"))
    return found


def compare_tree(tree: Path, wrappers: tuple[str, ...] = ()) -> tuple[int, int, int, list[str]]:
    """(files compared, file-and-mode pairs compared, files ``ast`` left to libcst, differences)."""
    compared = pairs = fallbacks = 0
    differences: list[str] = []
    for path in python_files(tree):
        source = path.read_bytes()
        relpath = str(path.relative_to(tree))
        module = relpath.removesuffix(".py").replace(os.sep, ".").removesuffix(".__init__")
        package = path.name == "__init__.py"
        compared += 1
        for prune in (True, False):
            options = {"is_package": package, "test_only": False, "prune": prune}
            mine = extract_with_ast(source, module, relpath, wrappers=wrappers, **options)
            if mine is None:
                fallbacks += prune
                continue
            pairs += 1
            reference = extract_facts(source, module, relpath, wrappers=wrappers, **options)
            if mine != reference:
                differences.append(
                    f"{relpath} (prune={prune}): {_first_difference(mine, reference)}"
                )
    return compared, pairs, fallbacks, differences


def _first_difference(mine: object, reference: object) -> str:
    for name in vars(reference):
        if getattr(mine, name) != getattr(reference, name):
            ours, theirs = getattr(mine, name), getattr(reference, name)
            return f"{name}:\n    ast:    {ours!r}\n    libcst: {theirs!r}"
    return "?"


def main() -> int:
    """Compare the trees given; 1 when any file's facts differ."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sdist", action="append", default=[], help="NAME==VERSION")
    parser.add_argument("--tree", action="append", default=[], type=Path)
    parser.add_argument("--example", action="store_true", help="the repo's example_project")
    args = parser.parse_args()
    trees = list(args.tree)
    if args.sdist:
        from bench_scan import sdist_tree

        trees.extend(sdist_tree(spec) for spec in args.sdist)
    if args.example:
        trees.append(REPO_ROOT / "example_project")
    total = 0
    failed = False
    for tree in trees:
        compared, pairs, fallbacks, differences = compare_tree(tree)
        total += compared
        print(
            f"{tree.name}: {compared} files, {pairs} comparisons (cut and whole),"
            f" {fallbacks} left to libcst, {len(differences)} differences",
            flush=True,
        )
        for line in differences:
            print("  " + line)
        failed = failed or bool(differences)
    print(f"total: {total} files")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
