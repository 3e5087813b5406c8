"""Recall and precision of ``signaltrace scan`` on open-source code we did not write.

Each ``benchmarks/recall/*.tsv`` file is a hand-judged list of one PyPI project's signal
definitions, send sites and receivers (one row per line, tab-separated)::

    # requirement: Flask-Login==0.6.3      which release, as pip names it
    # archive: sdist                       sdist (--no-binary :all:) or wheel
    # root: Flask-Login-0.6.3              the folder to scan, inside the unpacked archive
    # installed: Flask-Principal==0.4.0 Flask-Principal-0.4.0
                                           optional, repeatable: a dependency whose signals the
                                           project uses, and the folder of its sdist to put on
                                           the scan's PYTHONPATH (as a user's venv has it)
    definition  SIGNAL  PATH:LINE
    send        SIGNAL  PATH:LINE
    receiver    SIGNAL  PATH:LINE  [HANDLER]  [test]

``PATH`` is relative to the root; ``LINE`` is the assignment's first line for a definition,
the call's first line for a send site, the decorator or ``connect`` line for a receiver (the
call site of a project's wrapper that forwards a signal to ``connect``). ``HANDLER`` is
informative: a row matches on kind, signal and location. ``test`` marks a test-only row.

For each file this script downloads the release (``pip download --no-deps``, kept in
``--work``) and the sdists of its ``installed`` dependencies, unpacks them, runs ``signaltrace
scan ROOT --format json --no-cache`` with the dependencies importable, and prints
recall (expected rows the scan found) and precision (scan rows with a signal that are
expected), per kind, then the misses and the extra rows. A scan row whose signal is
unresolved is not counted in precision: it is listed apart, with the expected rows found at
its location.

Usage::

    python benchmarks/recall.py                       # every list
    python benchmarks/recall.py benchmarks/recall/flask_login.tsv --work /tmp/recall
    python benchmarks/recall.py LIST --root DIR       # scan DIR (already unpacked) instead

Standard library only, besides the installed ``pytest_signaltrace``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
LISTS = HERE / "recall"
KINDS = ("definition", "send", "receiver")
#: The scan document's table of each kind.
_TABLES = {"definition": "definitions", "send": "senders", "receiver": "receivers"}


@dataclass(frozen=True, order=True)
class Row:
    """One expected or found row: what it is and where."""

    kind: str
    signal: str
    path: str
    line: int

    def text(self) -> str:
        """The row as the report prints it."""
        return f"{self.kind:<10} {self.path}:{self.line}  {self.signal}"


@dataclass
class Expected:
    """A hand-judged list."""

    name: str
    requirement: str
    archive: str
    root: str
    rows: set[Row] = field(default_factory=set)
    #: Rows marked ``test``.
    test_rows: set[Row] = field(default_factory=set)
    #: Dependencies the scan sees as installed: ``(requirement, folder in its sdist)``.
    installed: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Score:
    """The comparison of a scan with an expected list."""

    found: set[Row]
    missed: set[Row]
    extra: set[Row]
    #: Scan rows without a signal: ``(kind, path, line, expression)``.
    unresolved: list[tuple[str, str, int, str]]

    def recall(self, kind: str | None = None) -> tuple[int, int]:
        """``(found, expected)`` of one kind, or of all."""
        found = _of(self.found, kind)
        return len(found), len(found) + len(_of(self.missed, kind))

    def precision(self, kind: str | None = None) -> tuple[int, int]:
        """``(found, found + extra)`` of one kind, or of all."""
        found = _of(self.found, kind)
        return len(found), len(found) + len(_of(self.extra, kind))


def _of(rows: Iterable[Row], kind: str | None) -> set[Row]:
    return {row for row in rows if kind is None or row.kind == kind}


def read_expected(path: Path) -> Expected:
    """Parse one ``.tsv`` list (see the module docstring)."""
    header: dict[str, str] = {}
    installed: list[tuple[str, str]] = []
    rows: set[Row] = set()
    tests: set[Row] = set()
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            dependency = re.match(r"#\s*installed:\s*(\S+)\s+(\S+)\s*$", line)
            if dependency:
                installed.append((dependency.group(1), dependency.group(2)))
            key = re.match(r"#\s*(requirement|archive|root):\s*(\S+)", line)
            if key:
                header[key.group(1)] = key.group(2)
            continue
        fields = raw.split("\t")
        if len(fields) < 3 or fields[0] not in KINDS or ":" not in fields[2]:
            raise ValueError(f"{path}:{number}: not KIND<tab>SIGNAL<tab>PATH:LINE: {raw!r}")
        where, _, lineno = fields[2].rpartition(":")
        row = Row(fields[0], fields[1], where, int(lineno))
        rows.add(row)
        if "test" in fields[3:]:
            tests.add(row)
    missing = {"requirement", "archive", "root"} - header.keys()
    if missing:
        raise ValueError(f"{path}: header lacks {', '.join(sorted(missing))}")
    return Expected(
        path.stem,
        header["requirement"],
        header["archive"],
        header["root"],
        rows,
        tests,
        installed,
    )


def scan_rows(document: dict[str, Any]) -> tuple[set[Row], list[tuple[str, str, int, str]]]:
    """The rows of a ``signaltrace scan --format json`` document: those with a signal, and
    the unresolved ones."""
    rows: set[Row] = set()
    unresolved: list[tuple[str, str, int, str]] = []
    for kind in KINDS:
        for item in document.get(_TABLES[kind], []):
            if item.get("signal"):
                rows.add(Row(kind, item["signal"], item["path"], int(item["line"])))
            else:
                expression = item.get("expression") or item.get("code") or ""
                unresolved.append((kind, item["path"], int(item["line"]), expression))
    for item in document.get("unresolved_connects", []):
        expression = item.get("expression") or ""
        unresolved.append(("connect?", item["path"], int(item["line"]), expression))
    return rows, sorted(unresolved)


def compare(expected: set[Row], document: dict[str, Any]) -> Score:
    """Score the scan ``document`` against ``expected``."""
    found_rows, unresolved = scan_rows(document)
    return Score(
        found=expected & found_rows,
        missed=expected - found_rows,
        extra=found_rows - expected,
        unresolved=unresolved,
    )


def fetch(expected: Expected, work: Path) -> Path:
    """Download (once) and unpack the release; the folder to scan."""
    target = _unpacked(expected.requirement, expected.archive, work / "src" / expected.name, work)
    return target / expected.root


def fetch_installed(expected: Expected, work: Path) -> list[Path]:
    """Download (once) and unpack the sdists of the list's ``installed`` dependencies; the
    folders to put on the scan's ``PYTHONPATH``."""
    return [
        _unpacked(requirement, "sdist", work / "installed" / _slug(requirement), work) / folder
        for requirement, folder in expected.installed
    ]


def _slug(requirement: str) -> str:
    return re.sub(r"[^\w.]+", "_", requirement)


def _unpacked(requirement: str, archive_kind: str, target: Path, work: Path) -> Path:
    downloads = work / "downloads" / _slug(requirement)
    if not any(downloads.iterdir() if downloads.is_dir() else ()):
        downloads.mkdir(parents=True, exist_ok=True)
        sdist = archive_kind == "sdist"
        binary = ["--no-binary" if sdist else "--only-binary", ":all:"]
        command = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", *binary]
        subprocess.run([*command, requirement, "-d", str(downloads)], check=True)
    archive = next(p for p in downloads.iterdir() if p.suffix in (".gz", ".whl", ".zip"))
    if not target.is_dir():
        target.mkdir(parents=True)
        if archive.suffix == ".gz":
            with tarfile.open(archive) as tar:
                tar.extractall(target, filter="data")
        else:
            with zipfile.ZipFile(archive) as zipped:
                zipped.extractall(target)
    return target


def scan(root: Path, work: Path, installed: Sequence[Path] = ()) -> dict[str, Any]:
    """``signaltrace scan ROOT --format json`` as a document, with the ``installed`` folders
    importable (first on ``PYTHONPATH``)."""
    out = work / f"{root.name or 'root'}.scan.json"
    command = [sys.executable, "-m", "pytest_signaltrace", "scan", str(root), "--format", "json"]
    env = dict(os.environ)
    paths = [str(folder) for folder in installed]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    if paths:
        env["PYTHONPATH"] = os.pathsep.join(paths)
    subprocess.run([*command, "--no-cache", "-o", str(out)], check=True, env=env)
    document: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return document


def _ratio(pair: tuple[int, int]) -> str:
    hit, total = pair
    return f"{hit}/{total} ({100.0 * hit / total:.0f}%)" if total else "0/0 (-)"


def render(expected: Expected, score: Score, *, verbose: bool) -> list[str]:
    """The report of one project."""
    lines = [f"== {expected.name} ({expected.requirement}, {expected.archive})"]
    for kind in (*KINDS, None):
        label = kind or "all"
        lines.append(
            f"  {label:<11} recall {_ratio(score.recall(kind)):<16} "
            f"precision {_ratio(score.precision(kind))}"
        )
    tests = expected.test_rows
    if tests:
        lines.append(
            f"  test rows   recall {_ratio((len(tests & score.found), len(tests)))}; "
            f"library rows recall "
            f"{_ratio((len(score.found - tests), len(expected.rows - tests)))}"
        )
    lines.append(f"  unresolved scan rows: {len(score.unresolved)}")
    if verbose:
        for title, rows in (("missed", score.missed), ("extra", score.extra)):
            for row in sorted(rows, key=lambda r: (r.path, r.line, r.kind)):
                lines.append(f"  {title:<7} {row.text()}")
        for kind, path, line, expression in score.unresolved:
            lines.append(f"  unresolved {kind:<10} {path}:{line}  {expression}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Score every list given (default: all); exit status 0 (the figures are the output)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("lists", nargs="*", type=Path, help="expected lists (.tsv)")
    parser.add_argument("--work", type=Path, help="downloads and scans (default: temporary)")
    parser.add_argument("--root", type=Path, help="scan this folder instead of downloading")
    parser.add_argument("-q", "--quiet", action="store_true", help="figures only, no rows")
    args = parser.parse_args(argv)
    lists = args.lists or sorted(LISTS.glob("*.tsv"))
    work = args.work or Path(tempfile.mkdtemp(prefix="signaltrace-recall-"))
    work.mkdir(parents=True, exist_ok=True)
    for path in lists:
        expected = read_expected(path)
        root = args.root or fetch(expected, work)
        score = compare(expected.rows, scan(root, work, fetch_installed(expected, work)))
        print("\n".join(render(expected, score, verbose=not args.quiet)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
