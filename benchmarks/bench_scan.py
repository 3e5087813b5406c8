"""Benchmark ``pytest_signaltrace scan`` against a plain ``ast.parse`` of the same tree.

Every measurement is a whole, fresh Python process timed by wall clock, so interpreter
start-up, imports, file discovery, reading and writing the report all count:

1. *baseline*: a process that reads every ``.py`` file under the tree and ``ast.parse``-s it;
2. *cold scan*: ``python -m pytest_signaltrace scan TREE --format json --output OUT.json
   --cache-dir DIR`` with a brand-new, empty cache directory;
3. *warm scan*: the same command again, with the cache directory the cold scan just filled;
4. *libcst* (informational, only when ``libcst`` imports): a process that reads every file and
   ``libcst.parse_module``-s those that contain a trigger text, i.e. what parsing the
   candidates with libcst would cost.

By default the tree is Django's own source (its sdist from PyPI, tests included), downloaded
and extracted once into ``benchmarks/.cache/``. ``--tree PATH`` scans any other folder.

With ``--cpu`` it measures CPU instead (see ``scan_cpu.py``): the child process a test run
starts for its scan, cold and warm, against ``ast.parse`` of every file, on each tree given
(``--tree PATH``, ``--tree example`` for example_project, ``--tree scale`` for the generated
scale project of the tests, ``--sdist NAME==VERSION`` for a PyPI sdist; repeatable).

Usage::

    python benchmarks/bench_scan.py [--django-version 5.2.19] [--repeat 3] [--tree PATH]
    python benchmarks/bench_scan.py --cpu --tree example --tree scale \
        --sdist django==5.2.19 --sdist django-allauth==65.22.1 --sdist wagtail==8.0.1
    python benchmarks/bench_scan.py --cpu --instructions --repeat 1 \
        --sdist django-allauth==65.22.1   # instructions under callgrind, not seconds
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
CACHE_DIR = BENCH_DIR / ".cache"
DEFAULT_DJANGO_VERSION = "5.2.19"

#: Texts that make a file a candidate for a full parse (mirrors the scanner's pre-filter).
TRIGGERS: tuple[str, ...] = (
    ".send(",
    ".send_robust(",
    ".asend(",
    ".asend_robust(",
    ".connect(",
    "receiver(",
    "Signal(",
)

#: Targets, as a ratio of the baseline's median wall clock.
COLD_TARGET = 1.00
WARM_TARGET = 0.15

#: The start of both child scripts: every ``.py`` file under a tree, in a stable order.
_WALK_CODE = """\
import json, os, sys


def python_files(tree):
    for dirpath, dirnames, filenames in os.walk(tree):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(".py"):
                yield os.path.join(dirpath, name)

"""

#: Run in a child process: ``python -c BASELINE_CODE TREE``.
BASELINE_CODE = _WALK_CODE + """\
import ast

files = parsed = errors = 0
for path in python_files(sys.argv[1]):
    files += 1
    try:
        with open(path, "rb") as handle:
            ast.parse(handle.read(), filename=path)
    except (SyntaxError, ValueError, OSError, RecursionError, MemoryError):
        errors += 1
    else:
        parsed += 1
print(json.dumps({"files": files, "parsed": parsed, "errors": errors}))
"""

#: Run in a child process: ``python -c LIBCST_CODE TREE TRIGGER...``.
LIBCST_CODE = _WALK_CODE + """\
import libcst

triggers = [t.encode() for t in sys.argv[2:]]
files = candidates = errors = 0
for path in python_files(sys.argv[1]):
    files += 1
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        errors += 1
        continue
    if not any(t in data for t in triggers):
        continue
    candidates += 1
    try:
        libcst.parse_module(data)
    except Exception:
        errors += 1
print(json.dumps({"files": files, "candidates": candidates, "errors": errors}))
"""


class BenchmarkError(RuntimeError):
    """A step of the benchmark failed; the message says which and why."""


@dataclass
class Timing:
    """Wall-clock seconds of the repetitions of one command."""

    name: str
    samples: list[float] = field(default_factory=list)
    #: The JSON line the last run printed on stdout (baseline and libcst children).
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def best(self) -> float:
        """The fastest repetition."""
        return min(self.samples)

    @property
    def median(self) -> float:
        """The median repetition."""
        return statistics.median(self.samples)


# --------------------------------------------------------------------------- the tree


def find_sdist(directory: Path, version: str) -> Path | None:
    """Return Django's sdist for ``version`` in ``directory``, whatever the name's case."""
    wanted = f"django-{version}.tar.gz"
    if not directory.is_dir():
        return None
    for candidate in directory.iterdir():
        if candidate.name.lower() == wanted:
            return candidate
    return None


def download_sdist(version: str, directory: Path) -> Path:
    """Download Django's sdist with pip (quietly) unless it is already there."""
    found = find_sdist(directory, version)
    if found is not None:
        return found
    directory.mkdir(parents=True, exist_ok=True)
    print(f"downloading the Django {version} sdist with pip ...", flush=True)
    command = [
        sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
        "--no-binary", ":all:", f"django=={version}", "-d", str(directory),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    found = find_sdist(directory, version)
    if result.returncode != 0 or found is None:
        raise BenchmarkError(f"pip download of django=={version} failed:\n{result.stderr}")
    return found


def extract_sdist(sdist: Path, target: Path) -> None:
    """Extract ``sdist`` so that its single top-level folder becomes ``target``."""
    staging = Path(tempfile.mkdtemp(prefix="extract-", dir=target.parent))
    try:
        with tarfile.open(sdist) as archive:
            if hasattr(tarfile, "data_filter"):
                archive.extractall(staging, filter="data")
            else:  # pragma: no cover - Python without extraction filters
                archive.extractall(staging)
        tops = list(staging.iterdir())
        if len(tops) != 1 or not tops[0].is_dir():
            raise BenchmarkError(f"{sdist.name}: expected one top-level folder, got {tops}")
        tops[0].rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def django_tree(version: str) -> Path:
    """Return Django's extracted source tree, downloading and extracting it on first use."""
    target = CACHE_DIR / f"django-{version}"
    if target.is_dir():
        return target
    sdist = download_sdist(version, CACHE_DIR)
    print(f"extracting {sdist.name} into {target} ...", flush=True)
    extract_sdist(sdist, target)
    return target


def sdist_tree(spec: str) -> Path:
    """The extracted source of the PyPI sdist ``NAME==VERSION``, downloaded once with pip."""
    name, _, version = spec.partition("==")
    if not version:
        raise BenchmarkError(f"--sdist {spec}: expected NAME==VERSION")
    stem = f"{name.lower().replace('-', '_')}-{version}"
    target = CACHE_DIR / stem
    if target.is_dir():
        return target

    def found() -> Path | None:
        for candidate in sorted(CACHE_DIR.glob("*.tar.gz")):
            if candidate.name.lower().replace("-", "_").startswith(stem.replace("-", "_")):
                return candidate
        return None

    sdist = found()
    if sdist is None:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        print(f"downloading the {spec} sdist with pip ...", flush=True)
        command = [
            sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
            "--no-binary", ":all:", spec, "-d", str(CACHE_DIR),
        ]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        sdist = found()
        if result.returncode != 0 or sdist is None:
            raise BenchmarkError(f"pip download of {spec} failed:\n{result.stderr}")
    extract_sdist(sdist, target)
    return target


# --------------------------------------------------------------------------- processes


def child_env() -> dict[str, str]:
    """The environment of every timed process: this checkout first on ``PYTHONPATH``."""
    env = dict(os.environ)
    paths = [str(REPO_ROOT)]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def run_timed(command: Sequence[str], cwd: Path, what: str) -> tuple[float, str]:
    """Run ``command`` to its end; return its wall-clock seconds and its stdout."""
    start = time.perf_counter()
    result = subprocess.run(
        command, cwd=cwd, env=child_env(), capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise BenchmarkError(
            f"{what} exited with {result.returncode}:\n$ {' '.join(command)}\n"
            f"{result.stdout[-2000:]}{result.stderr[-4000:]}"
        )
    return elapsed, result.stdout


def last_json_line(stdout: str) -> dict[str, Any]:
    """Parse the last non-empty line of a child's stdout as a JSON object."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    if not lines:
        return {}
    value = json.loads(lines[-1])
    return value if isinstance(value, dict) else {}


def baseline_command(tree: Path) -> list[str]:
    """The baseline: read and ``ast.parse`` every ``.py`` file."""
    return [sys.executable, "-c", BASELINE_CODE, str(tree)]


def libcst_command(tree: Path) -> list[str]:
    """Read every ``.py`` file and ``libcst.parse_module`` the trigger candidates."""
    return [sys.executable, "-c", LIBCST_CODE, str(tree), *TRIGGERS]


def scan_command(tree: Path, output: Path, cache_dir: Path) -> list[str]:
    """The command under test."""
    return [
        sys.executable, "-m", "pytest_signaltrace", "scan", str(tree),
        "--format", "json", "--output", str(output), "--cache-dir", str(cache_dir),
    ]  # fmt: skip


def libcst_available() -> bool:
    """Whether ``libcst`` imports in a child process like the timed ones."""
    probe = [sys.executable, "-c", "import libcst"]
    result = subprocess.run(probe, env=child_env(), capture_output=True, check=False)
    return result.returncode == 0


def warm_up(tree: Path, workdir: Path) -> None:
    """One untimed pass: fill the OS file cache and compile the package's bytecode.

    Without it the first timed repetition alone pays for cold disk reads and for compiling
    every module the scan imports, which an installed package has done once and for all.
    """
    run_timed(baseline_command(tree), workdir, "warm-up baseline")
    command = [
        sys.executable, "-m", "pytest_signaltrace", "scan", str(tree),
        "--format", "json", "--output", str(workdir / "warm-up.json"), "--no-cache",
    ]  # fmt: skip
    run_timed(command, workdir, "warm-up scan (--no-cache)")


# --------------------------------------------------------------------------- measuring


@dataclass
class Results:
    """Everything measured in one run of the benchmark."""

    baseline: Timing
    cold: Timing
    warm: Timing
    libcst: Timing | None
    cold_facts: dict[str, int | None]
    warm_facts: dict[str, int | None]


def measure(tree: Path, repeat: int, with_libcst: bool) -> Results:
    """Time every command ``repeat`` times, interleaved so drift hits all of them alike."""
    baseline, cold, warm = Timing("baseline"), Timing("cold scan"), Timing("warm scan")
    libcst = Timing("libcst") if with_libcst else None
    cold_facts: dict[str, int | None] = {}
    warm_facts: dict[str, int | None] = {}
    with tempfile.TemporaryDirectory(prefix="bench-scan-") as tmp:
        workdir = Path(tmp)
        warm_up(tree, workdir)
        for index in range(1, repeat + 1):
            record(baseline, baseline_command(tree), workdir)
            cache_dir = workdir / f"cache-{index}"
            cache_dir.mkdir()
            cold_out, warm_out = workdir / f"cold-{index}.json", workdir / f"warm-{index}.json"
            record(cold, scan_command(tree, cold_out, cache_dir), workdir)
            record(warm, scan_command(tree, warm_out, cache_dir), workdir)
            cold_facts = scan_facts(read_json(cold_out))
            warm_facts = scan_facts(read_json(warm_out))
            if libcst is not None:
                record(libcst, libcst_command(tree), workdir)
            print(progress_line(index, repeat, baseline, cold, warm, libcst), flush=True)
    return Results(baseline, cold, warm, libcst, cold_facts, warm_facts)


def record(timing: Timing, command: Sequence[str], workdir: Path) -> None:
    """Run ``command`` once and add its wall clock (and stdout report) to ``timing``."""
    elapsed, stdout = run_timed(command, workdir, timing.name)
    timing.samples.append(elapsed)
    timing.report = last_json_line(stdout)


def progress_line(
    index: int, repeat: int, baseline: Timing, cold: Timing, warm: Timing, libcst: Timing | None
) -> str:
    """One line per repetition, so a long run shows it is alive."""
    parts = [f"{t.name} {t.samples[-1]:.3f}s" for t in (baseline, cold, warm)]
    if libcst is not None:
        parts.append(f"{libcst.name} {libcst.samples[-1]:.3f}s")
    return f"  run {index}/{repeat}: " + ", ".join(parts)


# --------------------------------------------------------------------------- the scan's JSON


def read_json(path: Path) -> Any:
    """Load the scan's JSON report."""
    if not path.is_file():
        raise BenchmarkError(f"the scan wrote no report at {path}")
    return json.loads(path.read_text(encoding="utf-8"))


def find_static_map(document: Any) -> dict[str, Any]:
    """Return the object holding ``files_scanned``, at the top or nested in the report."""
    if isinstance(document, dict):
        if "files_scanned" in document:
            return document
        for value in document.values():
            found = find_static_map(value)
            if found:
                return found
    return {}


def count(value: Any) -> int | None:
    """A count from a number or the length of a list or mapping; ``None`` when absent."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, (list, dict)):
        return len(value)
    return None


def scan_facts(document: Any) -> dict[str, int | None]:
    """The facts the benchmark prints, read from the scan's JSON report."""
    static = find_static_map(document)
    skipped = static.get("files_skipped", static.get("skipped"))
    return {
        "files_scanned": count(static.get("files_scanned")),
        "files_parsed": count(static.get("files_parsed")),
        "files_skipped": count(skipped),
        "definitions": count(static.get("definitions")),
        "receivers": count(static.get("receivers")),
        "senders": count(static.get("senders")),
    }


# --------------------------------------------------------------------------- printing


def machine_lines() -> list[str]:
    """Python version and CPU count of this machine."""
    cpus = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cpus
    return [
        f"python   {platform.python_implementation()} {platform.python_version()}"
        f" ({sys.executable})",
        f"cpus     {cpus} (usable: {usable})",
        f"platform {platform.platform()}",
    ]


def ratio_text(value: float, baseline: float) -> str:
    """``value / baseline`` as ``0.42x``."""
    return f"{value / baseline:.2f}x"


def table_lines(results: Results) -> list[str]:
    """The seconds of each command and its ratio to the baseline."""
    base = results.baseline
    rows = [results.baseline, results.cold, results.warm]
    header = f"{'':<22}{'best s':>9}{'median s':>10}{'best/base':>11}{'median/base':>13}"
    lines = [header, "-" * len(header)]
    for timing in rows:
        lines.append(
            f"{timing.name:<22}{timing.best:>9.3f}{timing.median:>10.3f}"
            f"{ratio_text(timing.best, base.best):>11}"
            f"{ratio_text(timing.median, base.median):>13}"
        )
    if results.libcst is not None:
        timing = results.libcst
        lines.append(
            f"{'libcst candidates (*)':<22}{timing.best:>9.3f}{timing.median:>10.3f}"
            f"{ratio_text(timing.best, base.best):>11}"
            f"{ratio_text(timing.median, base.median):>13}"
        )
    return lines


def target_lines(results: Results) -> list[str]:
    """The two targets, judged on medians, with PASS or MISS."""
    base = results.baseline.median
    lines = []
    for label, timing, target in (
        ("cold", results.cold, COLD_TARGET),
        ("warm", results.warm, WARM_TARGET),
    ):
        ratio = timing.median / base
        verdict = "PASS" if ratio <= target else "MISS"
        lines.append(
            f"{label} <= {target:.2f}x baseline: {ratio:.2f}x (median)"
            f"  [best {timing.best / results.baseline.best:.2f}x]  {verdict}"
        )
    return lines


def fact_lines(results: Results) -> list[str]:
    """The scan's own counts, and whether the warm report agrees with the cold one."""
    lines = []
    for key, value in results.cold_facts.items():
        shown = "n/a (not in the report)" if value is None else str(value)
        lines.append(f"{key:<14}{shown}")
    same = results.cold_facts == results.warm_facts
    lines.append(f"warm report counts equal cold: {'yes' if same else 'NO'}")
    if not same:
        lines.append(f"  warm: {results.warm_facts}")
    return lines


def libcst_note_lines(results: Results, with_libcst: bool) -> list[str]:
    """The note that frames the informational libcst row."""
    if not with_libcst or results.libcst is None:
        return ["(*) libcst does not import here: the libcst row was skipped."]
    report = results.libcst.report
    return [
        "(*) informational, not a target: a process that reads every file and runs",
        "    libcst.parse_module on those containing a trigger text",
        f"    ({', '.join(TRIGGERS)}):",
        f"    {report.get('candidates', '?')} candidates of {report.get('files', '?')} files,"
        f" {report.get('errors', '?')} failed to parse.",
        "    It shows what parsing the candidates with libcst would cost.",
    ]


def print_report(tree: Path, repeat: int, results: Results, with_libcst: bool) -> None:
    """Print the whole report."""
    base = results.baseline.report
    sections: list[tuple[str, Callable[[], list[str]]]] = [
        ("machine", machine_lines),
        ("times (wall clock of a whole process)", lambda: table_lines(results)),
        ("targets", lambda: target_lines(results)),
        ("scan report (cold run)", lambda: fact_lines(results)),
        ("notes", lambda: libcst_note_lines(results, with_libcst)),
    ]
    print()
    print(f"tree     {tree}")
    print(
        f"baseline {base.get('files', '?')} .py files, {base.get('parsed', '?')} parsed,"
        f" {base.get('errors', '?')} failed (SyntaxError etc.); repeat {repeat}"
    )
    for title, make_lines in sections:
        print()
        print(f"== {title}")
        for line in make_lines():
            print(line)


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        description="Time `python -m pytest_signaltrace scan` (cold and warm cache) against "
        "a process that ast.parses every .py file of the same tree.",
    )
    parser.add_argument(
        "--django-version",
        default=DEFAULT_DJANGO_VERSION,
        help=f"Django sdist to download and scan (default {DEFAULT_DJANGO_VERSION})",
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="repetitions of each command (default 3)"
    )
    parser.add_argument(
        "--tree",
        action="append",
        default=[],
        help="scan this folder instead of Django's source tree (with --cpu: repeatable, and "
        "'example' or 'scale' name the example project and the generated scale project)",
    )
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="CPU of the run's scan process (cold, warm) against ast.parse of every file",
    )
    parser.add_argument(
        "--sdist", action="append", default=[], help="with --cpu: a PyPI sdist, NAME==VERSION"
    )
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="with --cpu: count instructions under valgrind's callgrind instead of seconds",
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if not args.cpu and (len(args.tree) > 1 or args.sdist or args.instructions):
        parser.error("several trees, --sdist and --instructions need --cpu")
    for tree in args.tree:
        if tree not in ("example", "scale") and not Path(tree).is_dir():
            parser.error(f"--tree {tree}: not a folder")
    return args


def cpu_main(args: argparse.Namespace) -> int:
    """``--cpu``: the table of the run's scan process against ast.parse-all, per tree."""
    import scan_cpu

    trees: list[Path] = []
    for tree in args.tree:
        if tree == "example":
            trees.append(REPO_ROOT / "example_project")
        elif tree == "scale":
            trees.append(scan_cpu.scale_project(CACHE_DIR))
        else:
            trees.append(Path(tree).resolve())
    try:
        trees += [sdist_tree(spec) for spec in args.sdist]
    except BenchmarkError as error:
        print(f"bench_scan: {error}", file=sys.stderr)
        return 2
    measure = scan_cpu.instructions_of if args.instructions else scan_cpu.cpu_of
    results = []
    for tree in trees:
        print(f"benchmarking {tree} ({args.repeat} repetitions) ...", flush=True)
        results.append(scan_cpu.measure_tree(tree, args.repeat, BASELINE_CODE, measure))
    print()
    for line in machine_lines():
        print(line)
    what = "billions of instructions" if args.instructions else "CPU seconds"
    print(f"\n== {what} (median of {args.repeat}); ratios per repetition: median (spread)")
    for line in scan_cpu.table_lines(results, "G" if args.instructions else "s"):
        print(line)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; return the process exit status."""
    args = parse_args(argv)
    if args.cpu:
        return cpu_main(args)
    try:
        tree = Path(args.tree[0]).resolve() if args.tree else django_tree(args.django_version)
        with_libcst = libcst_available()
        print(f"benchmarking {tree} ({args.repeat} repetitions) ...", flush=True)
        results = measure(tree, args.repeat, with_libcst)
    except BenchmarkError as error:
        print(f"bench_scan: {error}", file=sys.stderr)
        return 2
    print_report(tree, args.repeat, results, with_libcst)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
