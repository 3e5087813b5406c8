"""Run time of example_project's test suite with and without ``--signal-report``.

Each run is a whole ``python -m pytest`` process (what a user waits for); the two variants
alternate so that drift affects both alike. Prints best and median seconds and the ratio.

    python benchmarks/bench_example.py [--repeat 7] [--project DIR] [-- EXTRA PYTEST ARGS]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_once(project: Path, extra: list[str]) -> float:
    """Seconds for one pytest process in ``project`` (fails loudly if the tests fail)."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra]
    start = time.perf_counter()
    result = subprocess.run(command, cwd=project, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        output = result.stdout + result.stderr
        sys.exit(f"failed ({result.returncode}): {' '.join(command)}\n{output}")
    return elapsed


def main() -> None:
    """Measure, then print a small table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--project", type=Path, default=ROOT / "example_project")
    parser.add_argument("extra", nargs="*", help="extra pytest arguments (after --)")
    args = parser.parse_args()
    variants = {
        "without plugin (baseline)": [*args.extra],
        "--signal-report": ["--signal-report", *args.extra],
        "--signal-report=term-missing --signal-report=json": [
            "--signal-report=term-missing",
            "--signal-report=json:/dev/null",
            *args.extra,
        ],
    }
    for extra in variants.values():  # warm-up: bytecode compilation, file cache
        run_once(args.project, extra)
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(args.repeat):
        for name, extra in variants.items():
            times[name].append(run_once(args.project, extra))
    base = statistics.median(times["without plugin (baseline)"])
    python = sys.version.split()[0]
    print(f"{args.project} ({args.repeat} runs each, whole processes, python {python})")
    print(f"{'variant':<52} {'best s':>7} {'median s':>9} {'ratio':>6}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:<52} {min(values):>7.3f} {median:>9.3f} {median / base:>5.2f}x")


if __name__ == "__main__":
    main()
