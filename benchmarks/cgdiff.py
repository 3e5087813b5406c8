"""Diff two callgrind profiles by function: where do the extra instructions of B go?

``python benchmarks/cgdiff.py A B [--top N] [--sort self|inclusive] [--objects]``

``A`` and ``B`` are each a callgrind output file or a folder of them (``cg.*`` or
``callgrind.out.*``: every process of a run, as ``run.py --instructions --keep-callgrind DIR``
leaves them); a folder's files are summed. For every function (by name, over all processes) it
prints the instructions of A and of B, exclusive ("self": the function's own instructions) and
inclusive (with its callees; a direct recursive call counts once, callgrind's
recursion levels ``'2`` are merged into the function, but a function reached again through
others, as the interpreter's eval loop is, counts its callees more than once: read inclusive
figures of such functions as an upper bound), the difference, and the difference
as a share of A's total, largest differences first. ``--objects`` sums by shared object (the
interpreter, libc, an extension module) instead of by function.

Under CPython the functions are the interpreter's C functions (``_PyEval_EvalFrameDefault``,
``gc_collect_main``, ``PyObject_Malloc``, ``dict_subscript`` ...), not Python functions: this
finds indirect costs (the garbage collector, allocations, imports, dict and string work) that a
profile of the plugin's own Python frames cannot show. Only the standard library is used.
"""

from __future__ import annotations

import argparse
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

_NAMED = re.compile(r"^\((\d+)\)(?: (.*))?$")
#: callgrind's suffix of a recursion level (``'2``), merged into the function's own name.
_RECURSION = re.compile(r"'\d+$")


@dataclass
class Profile:
    """Instructions per function (or shared object), summed over one or more callgrind files."""

    total: int = 0
    own: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    inclusive: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    files: int = 0


def dumps(path: Path) -> list[Path]:
    """The callgrind files of ``path``: itself, or the ones in the folder it names."""
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if p.name.startswith(("cg.", "callgrind.out")))
        if not found:
            raise SystemExit(f"no callgrind files (cg.* or callgrind.out.*) in {path}")
        return found
    return [path]


def load(paths: Iterable[Path], by_object: bool = False) -> Profile:
    """Sum the profiles of ``paths``."""
    profile = Profile()
    for path in paths:
        _add_file(profile, path, by_object)
        profile.files += 1
    return profile


def _resolve(names: dict[str, str], text: str) -> str:
    """A compressed name: ``(id) name`` defines ``id``, ``(id)`` refers to it."""
    match = _NAMED.match(text)
    if match is None:
        return text
    key, name = match.groups()
    if name is not None:
        name = _RECURSION.sub("", name)
        names[key] = name
        return name
    return names.get(key, f"({key})")


def _events(line: str, positions: int) -> int:
    """The first event (instructions) of a cost line, after its position columns."""
    parts = line.split()
    return int(parts[positions]) if len(parts) > positions else 0


def _add_file(profile: Profile, path: Path, by_object: bool) -> None:
    functions: dict[str, str] = {}
    objects: dict[str, str] = {}
    positions = 1
    current = "?"
    current_object = "?"
    call_object = "?"
    callee = "?"
    after_call = False
    own: dict[str, int] = defaultdict(int)
    calls: dict[str, int] = defaultdict(int)
    with path.open(encoding="utf-8", errors="replace") as handle:
        for raw in handle:
            line = raw.rstrip("\n")
            if not line:
                continue
            head = line[0]
            if head.isdigit() or head in "+-*":
                cost = _events(line, positions)
                if after_call:
                    if callee != current:  # a recursive call is already in the caller's cost
                        calls[current] += cost
                    after_call = False
                else:
                    own[current] += cost
                continue
            key, _, value = line.partition("=")
            if key == "fn":
                name = _resolve(functions, value)
                current = current_object if by_object else name
                call_object = current_object
            elif key == "ob":
                current_object = call_object = _resolve(objects, value)
            elif key == "cob":
                call_object = _resolve(objects, value)
            elif key == "cfn":
                name = _resolve(functions, value)
                callee = call_object if by_object else name
            elif key == "calls":
                after_call = True
            elif line.startswith("positions:"):
                positions = len(line.split()) - 1
            elif line.startswith("summary:"):
                profile.total += int(line.split()[1])
    for name, cost in own.items():
        profile.own[name] += cost
        profile.inclusive[name] += cost
    for name, cost in calls.items():
        profile.inclusive[name] += cost


def rows(a: Profile, b: Profile, sort: str) -> Iterator[tuple[str, int, int, int, int]]:
    """``(name, self A, self B, inclusive A, inclusive B)``, largest difference first."""
    names = set(a.own) | set(b.own) | set(a.inclusive) | set(b.inclusive)
    table = [
        (name, a.own.get(name, 0), b.own.get(name, 0),
         a.inclusive.get(name, 0), b.inclusive.get(name, 0))
        for name in names
    ]  # fmt: skip
    if sort == "self":
        table.sort(key=lambda row: (-abs(row[2] - row[1]), row[0]))
    else:
        table.sort(key=lambda row: (-abs(row[4] - row[3]), row[0]))
    return iter(table)


def main(argv: list[str] | None = None) -> int:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("a", type=Path, help="callgrind file or folder (the baseline)")
    parser.add_argument("b", type=Path, help="callgrind file or folder (the variant)")
    parser.add_argument("--top", type=int, default=40, help="rows to print (default 40)")
    parser.add_argument("--sort", choices=("self", "inclusive"), default="self")
    parser.add_argument("--objects", action="store_true", help="by shared object")
    args = parser.parse_args(argv)
    a = load(dumps(args.a), args.objects)
    b = load(dumps(args.b), args.objects)
    base = a.total or 1
    print(f"A: {a.total:,} instructions in {a.files} file(s)")
    print(f"B: {b.total:,} instructions in {b.files} file(s)")
    print(f"B - A: {b.total - a.total:+,} ({(b.total - a.total) / base:+.3%} of A); "
          f"B / A = {b.total / base:.4f}")  # fmt: skip
    print()
    print(f"{'self A':>14} {'self B':>14} {'self B-A':>13} {'% of A':>7} "
          f"{'incl B-A':>13} {'% of A':>7}  function")  # fmt: skip
    for index, (name, own_a, own_b, inc_a, inc_b) in enumerate(rows(a, b, args.sort)):
        if index >= args.top:
            break
        print(f"{own_a:14,} {own_b:14,} {own_b - own_a:+13,} {(own_b - own_a) / base:+7.2%} "
              f"{inc_b - inc_a:+13,} {(inc_b - inc_a) / base:+7.2%}  {name}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
