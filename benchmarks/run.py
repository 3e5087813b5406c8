"""Whole-suite cost of the signal trace: suites run with and without it, interleaved.

Run by hand (never in CI): ``python benchmarks/run.py [--quick] [--runs N] [--suite NAME|PATH]
[--only TEXT] [--gc] [--json FILE]`` (``--suite generated|django|django-scoped|model-utils|allauth``
or a folder, repeatable; see ``--help``).

Suites (each a pair of commands, A without the trace and B with it):

* ``generated``: the signal-heavy suite of ``gen_suite.py`` (2,000 tests; 400 with
  ``--quick``), ``pytest`` against ``pytest --signal-report=term``, serial and under ``-n 2``;
* ``django-apps``: Django's own test apps from its sdist (``basic queries model_forms signals
  dispatch``; ``signals dispatch`` with ``--quick``), ``runtests.py`` against
  ``signaltrace run -- runtests.py``, with ``--parallel 1`` and ``--parallel 2``
  (``django-scoped``: the same with ``--source`` naming the apps run, as a user tracing those
  apps would, instead of the whole ``tests/`` folder);
* ``django-model-utils``: a third-party project's own suite from its sdist (350 tests: model
  mixins and ``FieldTracker``, whose ``post_init``/``class_prepared`` receivers run for every
  model instance), ``pytest`` against ``pytest --signal-report=term``, serial and ``-n 2``, on
  SQLite (its four SQLite-only failures, ``JoinManagerTest``, deselected). It needs
  ``time-machine`` installed;
* ``allauth``: django-allauth's own suite from its sdist (2,519 tests, mostly test-client requests
  and model saves; see ``real_suite.py`` for why this one), in a virtualenv of its own made on
  first use, ``pytest`` against ``pytest --signal-report=term``, serial and ``-n 2``;
* a folder (``--suite PATH``): any pytest suite, run by ``--python`` (its virtualenv's, with
  pytest-xdist and this checkout installed), serial and ``-n 2``; ``--pytest-args`` adds
  arguments to every run (a subset of tests, deselections).

Each pair is first run untimed, plain once and traced twice (it fills the scan cache, the
bytecode cache and the OS file cache: the figures are for a warm cache, a user's rerun;
``PYTHONDONTWRITEBYTECODE`` is dropped from the children's environment), then ``--runs`` pairs
in the order A B, B A, A B ... (each variant as often first as second: a machine that slows
down or speeds up during a pair favours neither). Every run is one process tree: wall time
from the parent, CPU time (user + system) and peak RSS from ``os.wait4`` (which includes the
processes the command waited for: xdist workers, Django's parallel runners; peak RSS is the
largest single process's). For pytest suites the seconds the plugin spends at the end of the
run (``endtimer.py``) are recorded too. The table gives medians, the ratio B/A of the medians,
the median of the pairs' ratios (in brackets), and the spread (lowest and highest ratio of the
paired runs); the JSON file (default ``benchmarks/.cache/results.json``) has every run.

``--instructions`` counts instead of timing: after the warm-up, each variant runs once under
valgrind's callgrind (every process of the tree), and the table gives the ratio of CPU
instructions, B/A. Instructions are not seconds (cache misses, memory and I/O are not in them),
but the count repeats to about 0.3% from run to run whatever the machine's load, where the
seconds of five paired runs on a shared 2-core machine spread by 15 to 30%. A run under
callgrind takes about 25 times as long (about 5 minutes for the 2,000-test suite).
``--keep-callgrind DIR`` keeps every process's callgrind file (``DIR/<pair>-plain/``,
``DIR/<pair>-traced/``) for ``cgdiff.py``, which diffs two runs by function. ``--gc`` records the
garbage collector's collections, CPU seconds and tracked objects per run (``gcstats.py``).

Targets (issue 21): CPU and wall <= 1.03x, peak RSS <= 1.05x, instructions <= 1.03x (and issue
9's: end of run <= 0.3 s for 2,000 tests; data file <= 1 MB). The machine may be shared: the
load average is printed with each suite; compare ratios within one run, never seconds across
runs.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import bench_scan  # noqa: E402  (its sdist download and extraction)
import callgrind  # noqa: E402
import gen_suite  # noqa: E402
import real_suite  # noqa: E402

DJANGO_VERSION = "5.2.19"
MODEL_UTILS = ("django-model-utils", "5.0.0")
SUITES = ("generated", "django", "django-scoped", "model-utils", *real_suite.SUITES)
DJANGO_APPS = ["basic", "queries", "model_forms", "signals", "dispatch"]
QUICK_APPS = ["signals", "dispatch"]


@dataclass
class Run:
    """One process tree's figures."""

    variant: str
    wall: float
    cpu: float
    rss_mb: float
    returncode: int
    end_of_run: float | None = None
    #: With ``--gc``: the garbage collector's work, summed over the processes (see gcstats.py).
    gc: dict[str, object] | None = None


@dataclass
class Pair:
    """Two commands run alternately in one folder."""

    name: str
    cwd: Path
    untraced: list[str]
    traced: list[str]
    env: dict[str, str] = field(default_factory=dict)
    runs: list[Run] = field(default_factory=list)
    data_file: Path | None = None
    #: Both commands run pytest (``-p gcstats`` can be added to them).
    pytest: bool = True


def measure(pair: Pair, variant: str, gc_stats: bool = False) -> Run:
    """Run one variant of ``pair`` and return its figures (with ``gc_stats``, what the garbage
    collector did in each of its pytest processes)."""
    command = pair.traced if variant == "B" else pair.untraced
    end_file = Path(tempfile.mkstemp(prefix="endtime-")[1])
    env = dict(os.environ, **pair.env, BENCH_ENDTIME_FILE=str(end_file))
    gc_file = None
    if gc_stats and pair.pytest:
        gc_file = Path(tempfile.mkstemp(prefix="gcstats-")[1])
        env["BENCH_GC_FILE"] = str(gc_file)
        command = [*command, "-p", "gcstats"]
    # As in a user's CI with installed packages: bytecode cached (with PYTHONDONTWRITEBYTECODE
    # set, every process compiles every module it imports, and the traced one imports more).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    # this checkout before the installed package: a work tree measures its own code (after
    # the suite's own folder, whose top-level names, such as tests, must stay the suite's)
    paths = [
        str(BENCH_DIR),
        pair.env.get("PYTHONPATH"),
        str(BENCH_DIR.parent),
        os.environ.get("PYTHONPATH"),
    ]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, paths))
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=pair.cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    assert process.stderr is not None
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    text = end_file.read_text().strip()
    end_file.unlink()
    gc_figures = None
    if gc_file is not None:
        gc_figures = _gc_summary(gc_file.read_text().splitlines())
        gc_file.unlink()
    if process.returncode != 0:
        sys.stderr.write(errors.decode(errors="replace")[-3000:])
        raise SystemExit(f"{pair.name} {variant} failed ({process.returncode}): {command}")
    return Run(
        variant=variant,
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        rss_mb=usage.ru_maxrss / 1024,
        returncode=process.returncode,
        end_of_run=float(text) if text else None,
        gc=gc_figures,
    )


def _gc_summary(lines: list[str]) -> dict[str, object]:
    """The collector's figures of a run's processes (gcstats.py's lines): collections and CPU
    seconds per generation summed, tracked objects at the end of the largest process."""
    processes = [json.loads(line) for line in lines if line.strip()]
    return {
        "processes": len(processes),
        "collections": [sum(p["collections"][g] for p in processes) for g in range(3)],
        "seconds": [round(sum(p["seconds"][g] for p in processes), 4) for g in range(3)],
        "tracked_max": max((p["tracked"] for p in processes), default=0),
    }


def instructions(pair: Pair, variant: str, keep: Path | None = None) -> dict[str, int]:
    """CPU instructions of one variant of ``pair``: every process of its tree (xdist workers,
    forked runners) counted by valgrind's callgrind, which counts instructions, not seconds.
    The count is the same from run to run whatever else the machine does (hash seeds fixed),
    so one run per variant gives a ratio that seconds on a shared machine cannot. With
    ``keep``, the callgrind files stay in ``keep/<pair>-<variant>/`` (for ``cgdiff.py``).
    Summed per role of the process (``callgrind.role``)."""
    name = f"{_slug(pair.name)}-{'traced' if variant == 'B' else 'plain'}"
    with callgrind.output_folder(keep, name) as folder:
        valgrind = callgrind.command(folder)
        patient = ["-p", "xdist_patient"] if "-n" in pair.untraced else []  # see its docstring
        wrapped = Pair(pair.name, pair.cwd, [*valgrind, *pair.untraced, *patient],
                       [*valgrind, *pair.traced, *patient],
                       {**pair.env, "PYTHONHASHSEED": "0"}, pytest=pair.pytest)  # fmt: skip
        return callgrind.count_by_role(folder, lambda: measure(wrapped, variant))


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text).strip("-").lower()


def warm_up(pair: Pair) -> None:
    """Run each variant untimed: plain once, traced twice (the first traced run fills the scan
    cache through the scan process; the second is the first to scan in the test process on the
    warm cache, and writes the bytecode of the scan's modules), as a user's rerun finds them."""
    measure(pair, "A")
    measure(pair, "B")
    measure(pair, "B")


def count_pair(pair: Pair, keep: Path | None = None) -> dict[str, object]:
    """Warm up, then count each variant's instructions once."""
    print(f"{pair.name}: warm-up, then instructions under callgrind", flush=True)
    warm_up(pair)
    by_role = {"A": instructions(pair, "A", keep), "B": instructions(pair, "B", keep)}
    untraced, traced = sum(by_role["A"].values()), sum(by_role["B"].values())
    print(f"  {untraced:,} / {traced:,} instructions: {traced / untraced:.4f}x", flush=True)
    result: dict[str, object] = {"untraced": untraced, "traced": traced,
                                 "ratio": traced / untraced}  # fmt: skip
    if "xdist worker" in by_role["A"]:
        # The controller's count follows its wait for the workers (see callgrind.count_by_role):
        # the workers' ratio is the one that repeats from run to run.
        for kind in ("python", "xdist worker"):
            plain, with_trace = by_role["A"].get(kind, 0), by_role["B"].get(kind, 0)
            if plain:
                print(f"    {kind}: {plain:,} / {with_trace:,}: {with_trace / plain:.4f}x",
                      flush=True)  # fmt: skip
                result[kind] = {"untraced": plain, "traced": with_trace,
                                "ratio": with_trace / plain}  # fmt: skip
    return {"suite": pair.name, "instructions": result}


def pair_order(index: int) -> tuple[str, str]:
    """The variants of the ``index``-th pair in the order they run: A B, then B A, and so on."""
    return ("A", "B") if index % 2 == 0 else ("B", "A")


def run_pair(pair: Pair, runs: int, gc_stats: bool = False) -> None:
    """Warm up, then run ``runs`` pairs, A B, B A, A B ... (see :func:`pair_order`)."""
    print(f"{pair.name}: warm-up (load {os.getloadavg()[0]:.2f})", flush=True)
    warm_up(pair)
    for index in range(runs):
        done = {variant: measure(pair, variant, gc_stats) for variant in pair_order(index)}
        last_a, last_b = done["A"], done["B"]
        pair.runs += [last_a, last_b]  # kept as A B: summary() pairs the n-th A with the n-th B
        print(
            f"  run {index + 1}: wall {last_a.wall:.2f} / {last_b.wall:.2f} s, "
            f"cpu {last_a.cpu:.2f} / {last_b.cpu:.2f} s, load {os.getloadavg()[0]:.2f}",
            flush=True,
        )


def summary(pair: Pair) -> dict[str, object]:
    """Medians, ratios and spreads of a measured pair."""
    a = [r for r in pair.runs if r.variant == "A"]
    b = [r for r in pair.runs if r.variant == "B"]
    result: dict[str, object] = {"suite": pair.name, "runs": len(a)}
    for metric in ("wall", "cpu", "rss_mb"):
        first = [getattr(r, metric) for r in a]
        second = [getattr(r, metric) for r in b]
        ratios = [y / x for x, y in zip(first, second, strict=True) if x]
        result[metric] = {
            "untraced": statistics.median(first),
            "traced": statistics.median(second),
            "ratio": statistics.median(second) / statistics.median(first),
            "pairs_median": statistics.median(ratios),
            "spread": [min(ratios), max(ratios)],
        }
    ends = [r.end_of_run for r in b if r.end_of_run is not None]
    if ends:
        result["end_of_run_added"] = statistics.median(ends)
    if pair.data_file is not None and pair.data_file.exists():
        result["data_file_bytes"] = pair.data_file.stat().st_size
    for variant, runs in (("untraced", a), ("traced", b)):
        if runs and runs[-1].gc is not None:
            result.setdefault("gc", {})[variant] = runs[-1].gc  # type: ignore[index]
    return result


def generated_pairs(work: Path, tests: int) -> list[Pair]:
    """The generated suite, serial and under ``-n 2``."""
    root = work / f"generated-{tests}"
    if root.exists():
        shutil.rmtree(root)
    gen_suite.write_suite(root, tests)
    pytest = [sys.executable, "-m", "pytest", "-q", "-p", "endtimer"]
    traced = ["--signal-report=term"]
    return [
        Pair(f"generated {tests} tests, serial", root, pytest, [*pytest, *traced],
             data_file=root / ".signaltrace"),
        Pair(f"generated {tests} tests, -n 2", root, [*pytest, "-n", "2"],
             [*pytest, "-n", "2", *traced], data_file=root / ".signaltrace"),
    ]  # fmt: skip


def django_pairs(apps: list[str], scoped: bool = False) -> list[Pair]:
    """Django's own test apps, through ``signaltrace run``, serial and with 2 processes; with
    ``scoped``, ``--source`` names the apps run (by default the whole ``tests/`` folder, about
    1,935 `.py` files, is scanned and traced)."""
    tests = bench_scan.django_tree(DJANGO_VERSION) / "tests"
    # The folder is its own project, as a user's is: without a pytest ini file of its own, the
    # search for one (signaltrace run reads the pytest configuration) would go up into this
    # repository's pyproject.toml, and scan and write the data file there.
    marker = tests / "pytest.ini"
    if not marker.exists():
        marker.write_text("[pytest]\n", encoding="utf-8")
    sources = [arg for app in apps for arg in ("--source", app)] if scoped else []
    pairs = []
    for parallel in ("1", "2"):
        command = [sys.executable, "runtests.py", "--parallel", parallel, *apps]
        traced = [sys.executable, "-m", "pytest_signaltrace", "run", *sources, "--", *command]
        pairs.append(
            Pair(
                f"django {DJANGO_VERSION} {' '.join(apps)}{', --source apps' if scoped else ''}"
                f", --parallel {parallel}",
                tests,
                command,
                traced,
                data_file=tests / ".signaltrace",
                pytest=False,
            )
        )
    return pairs


def model_utils_pairs() -> list[Pair]:
    """django-model-utils' own suite, serial and under ``-n 2``."""
    root = real_suite.sdist_tree(*MODEL_UTILS)
    pytest = [
        sys.executable, "-m", "pytest", "-q", "-p", "endtimer",
        "--deselect", "tests/test_managers/test_join_manager.py::JoinManagerTest",
    ]  # fmt: skip
    traced = ["--signal-report=term"]
    env = {"SQLITE": "1", "PYTHONPATH": str(root)}
    name = f"{MODEL_UTILS[0]} {MODEL_UTILS[1]}"
    return [
        Pair(f"{name}, serial", root, pytest, [*pytest, *traced], env,
             data_file=root / ".signaltrace"),
        Pair(f"{name}, -n 2", root, [*pytest, "-n", "2"], [*pytest, "-n", "2", *traced], env,
             data_file=root / ".signaltrace"),
    ]  # fmt: skip


def path_pairs(
    root: Path, python: Path, args: list[str], name: str, env: dict[str, str] | None = None
) -> list[Pair]:
    """A pytest suite in ``root`` run by ``python`` (``args`` added to every run), serial and
    under ``-n 2`` (pytest-xdist must be installed for ``python``)."""
    pytest = [str(python), "-m", "pytest", "-q", "-p", "endtimer", *args]
    traced = ["--signal-report=term"]
    # The suite's folder first on PYTHONPATH: its top-level packages (often "tests") before
    # this checkout's, which run.py adds after it.
    env = {"PYTHONPATH": str(root), **(env or {})}
    return [
        Pair(f"{name}, serial", root, pytest, [*pytest, *traced], env,
             data_file=root / ".signaltrace"),
        Pair(f"{name}, -n 2", root, [*pytest, "-n", "2"], [*pytest, "-n", "2", *traced], env,
             data_file=root / ".signaltrace"),
    ]  # fmt: skip


def real_suite_pairs(suite: real_suite.RealSuite, args: list[str]) -> list[Pair]:
    """A third-party suite of :mod:`real_suite` (prepared on first use)."""
    root = real_suite.prepare(suite)
    name = f"{suite.distribution} {suite.version}" + (f" ({' '.join(args)})" if args else "")
    return path_pairs(root, suite.python, [*suite.pytest_args, *args], name, suite.env)


def print_table(results: list[dict[str, object]]) -> None:
    """Medians (plain / traced), their ratio, the median of the pairs' ratios (in brackets)
    and their spread, one line per suite."""
    print()
    print(f"{'suite':44} {'wall s':>31} {'cpu s':>31} {'peak RSS MB':>31} {'end+':>7} "
          f"{'data':>7}")  # fmt: skip
    for row in results:
        cells = []
        for metric in ("wall", "cpu", "rss_mb"):
            figures = row[metric]
            assert isinstance(figures, dict)
            low, high = figures["spread"]
            cells.append(
                f"{figures['untraced']:.1f}/{figures['traced']:.1f} "
                f"{figures['ratio']:.3f}x ({figures['pairs_median']:.3f}x) {low:.2f}-{high:.2f}"
            )
        end = row.get("end_of_run_added")
        size = row.get("data_file_bytes")
        print(
            f"{row['suite']:44} {cells[0]:>31} {cells[1]:>31} {cells[2]:>31} "
            f"{'' if end is None else f'{end:+.2f}s':>7} "
            f"{'' if size is None else f'{int(size) / 1e6:.2f}MB':>7}"  # type: ignore[call-overload]
        )
        gc = row.get("gc")
        if isinstance(gc, dict):
            for variant, figures in gc.items():
                print(f"    gc {variant}: {figures}")


def main(argv: list[str] | None = None) -> int:
    """Build the suites, run every pair, print the table and write the JSON."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0],
        epilog="See the module docstring (python -c 'import run; help(run)' in benchmarks/) and "
        "benchmarks/README.md for what each figure is.",
    )
    parser.add_argument("--quick", action="store_true", help="smaller suites, 3 runs")
    parser.add_argument("--runs", type=int, help="paired runs per suite (default 5; 3 quick)")
    parser.add_argument(
        "--suite",
        action="append",
        metavar="NAME|PATH",
        help=f"build and run only these suites (repeatable; default: the four built-in ones): "
        f"{', '.join(SUITES)}, or the folder of any pytest suite (run with --python, "
        f"serial and -n 2)",
    )
    parser.add_argument(
        "--python",
        type=Path,
        default=Path(sys.executable),
        help="the interpreter of a --suite PATH (its virtualenv's python; needs pytest-xdist "
        "and this checkout installed, as benchmarks/README.md shows); default: this one",
    )
    parser.add_argument(
        "--pytest-args",
        default="",
        help="arguments added to every pytest run of a --suite PATH or a third-party suite "
        "(one string, split as a shell would), e.g. a few hundred tests for --instructions: "
        "--pytest-args 'tests/apps/account'",
    )
    parser.add_argument("--only", help="run only the pairs whose name contains this")
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="count CPU instructions under valgrind (one run each, repeatable to 0.3%%) "
        "instead of timing runs",
    )
    parser.add_argument(
        "--keep-callgrind",
        type=Path,
        metavar="DIR",
        help="with --instructions: keep the callgrind files in DIR/<pair>-plain/ and "
        "DIR/<pair>-traced/ (compare them with benchmarks/cgdiff.py)",
    )
    parser.add_argument(
        "--gc",
        action="store_true",
        help="also record what the garbage collector did in each pytest run (collections and "
        "CPU seconds per generation, tracked objects at the end; gcstats.py)",
    )
    parser.add_argument("--json", type=Path, default=BENCH_DIR / ".cache" / "results.json")
    parser.add_argument("--work", type=Path, default=BENCH_DIR / ".cache" / "suites")
    args = parser.parse_args(argv)
    runs = args.runs or (3 if args.quick else 5)
    args.work.mkdir(parents=True, exist_ok=True)
    suites = args.suite or SUITES[:4]
    extra = shlex.split(args.pytest_args)
    pairs = []
    if "generated" in suites:
        pairs += generated_pairs(args.work, 400 if args.quick else 2000)
    if "django" in suites:
        pairs += django_pairs(QUICK_APPS if args.quick else DJANGO_APPS)
    if "django-scoped" in suites:
        pairs += django_pairs(QUICK_APPS if args.quick else DJANGO_APPS, scoped=True)
    if "model-utils" in suites:
        pairs += model_utils_pairs()
    for name, suite in real_suite.SUITES.items():
        if name in suites:
            pairs += real_suite_pairs(suite, extra)
    for path in suites:
        if path not in SUITES:
            root = Path(path).resolve()
            if not root.is_dir():
                parser.error(f"--suite {path}: neither a suite name ({', '.join(SUITES)}) "
                             "nor a folder")  # fmt: skip
            pairs += path_pairs(root, args.python, extra, root.name)
    if args.only:
        pairs = [p for p in pairs if args.only in p.name]
    if args.instructions:
        if shutil.which("valgrind") is None:
            raise SystemExit("--instructions needs valgrind (Debian: apt install valgrind)")
        results = [count_pair(pair, args.keep_callgrind) for pair in pairs]
    else:
        print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, {runs} paired runs each")
        results = []
        for pair in pairs:
            run_pair(pair, runs, args.gc)
            results.append(summary(pair))
        print_table(results)
    document = {
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "load_at_end": os.getloadavg(),
        "results": results,
        "runs": {pair.name: [asdict(r) for r in pair.runs] for pair in pairs},
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    print(f"\nwritten {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
