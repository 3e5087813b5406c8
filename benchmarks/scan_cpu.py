"""CPU of the scan the test run starts (its child process), against ``ast.parse`` of every file.

Used by ``bench_scan.py --cpu``. Each measurement is a whole process timed by ``os.wait4`` (user +
system CPU of the process and of the worker processes it waited for): the baseline reads and
``ast.parse``-s every ``.py`` file of the tree; the cold scan is the very child process a test run
starts (``python -I -c ...`` on :mod:`pytest_signaltrace.scan.handover`, one worker, as while the
tests run) with an empty cache folder; the warm scan is the same again with the cache it filled.
Repetitions are interleaved (baseline, cold, warm; again); each ratio is a scan's CPU over the
baseline's of the same repetition, and the table gives the median ratio and its spread (lowest
and highest). With ``--instructions`` every command runs under valgrind's callgrind and the
figures are billions of CPU instructions (the same within 1% from run to run whatever the
machine's load, where seconds on a shared machine are not; one repetition is enough).
"""

from __future__ import annotations

import os
import pickle
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent


#: Measures one command: (command, folder to run it in, environment) -> a figure.
Measure = Callable[[Sequence[str], Path, "dict[str, str] | None"], float]


@dataclass
class TreeResult:
    """The CPU seconds of each repetition, per command, for one tree."""

    tree: Path
    files: int = 0
    parsed: int = 0
    baseline: list[float] = field(default_factory=list)
    cold: list[float] = field(default_factory=list)
    warm: list[float] = field(default_factory=list)


def cpu_of(command: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    """User + system CPU seconds of ``command`` and the processes it waited for."""
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    assert process.stderr is not None
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{command[:4]} failed:\n{errors.decode(errors='replace')[-3000:]}")
    return usage.ru_utime + usage.ru_stime


def instructions_of(command: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    """The CPU instructions of ``command`` and its processes, in billions (callgrind)."""
    import callgrind

    with callgrind.output_folder(None, "scan") as folder:
        return callgrind.count(folder, lambda: cpu_of([*callgrind.command(folder), *command],
                                                      cwd, env)) / 1e9  # fmt: skip


def measure_tree(
    tree: Path, repeat: int, baseline_code: str, measure: Measure = cpu_of
) -> TreeResult:
    """Interleaved repetitions of the baseline, the cold child scan and the warm one, each
    measured by ``measure`` (:func:`cpu_of`, or :func:`instructions_of`)."""
    sys.path.insert(0, str(REPO_ROOT))
    from pytest_signaltrace.scan.handover import scan_request
    from pytest_signaltrace.scan.process import child_command, child_environment

    result = TreeResult(tree)
    with tempfile.TemporaryDirectory(prefix="bench-scan-cpu-") as tmp:
        work = Path(tmp)
        baseline = [sys.executable, "-c", baseline_code, str(tree)]
        env = child_environment()
        cpu_of(baseline, work)  # the OS file cache and the bytecode, untimed
        for index in range(repeat + 1):
            cache = work / f"cache-{index}"
            request = scan_request(
                [tree], tree, cache_dir=cache, package_roots=(), skip_folders=(), jobs=1
            )
            request_path, result_path = work / "request.pickle", work / "result.pickle"
            request_path.write_bytes(pickle.dumps(request))
            command = child_command(request_path, result_path)
            if index == 0:  # a first cold scan also compiles the package's bytecode
                cpu_of(command, tree, env)
                continue
            base_cpu = measure(baseline, work)
            cold_cpu = measure(command, tree, env)
            warm_cpu = measure(command, tree, env)
            result.baseline.append(base_cpu)
            result.cold.append(cold_cpu)
            result.warm.append(warm_cpu)
            status, static = pickle.loads(result_path.read_bytes())
            assert status == "ok", static
            result.files, result.parsed = static.files_scanned, static.files_parsed
            print(
                f"  {tree.name} run {index}/{repeat}: ast.parse-all {base_cpu:.3f},"
                f" cold {cold_cpu:.3f}, warm {warm_cpu:.3f}",
                flush=True,
            )
    return result


def _ratios(values: list[float], baseline: list[float]) -> str:
    ratios = [v / b for v, b in zip(values, baseline, strict=True)]
    return f"{statistics.median(ratios):.2f}x ({min(ratios):.2f}-{max(ratios):.2f})"


def table_lines(results: Sequence[TreeResult], unit: str = "s") -> list[str]:
    """One row per tree: files, medians (CPU seconds, or ``unit``), and the scans' ratios to
    ast.parse-all."""
    header = (
        f"{'tree':<28}{'files':>6}{'parsed':>7}{'ast ' + unit:>8}{'cold ' + unit:>8}"
        f"{'warm ' + unit:>8}"
        f"  {'cold/ast (spread)':<22}{'warm/ast (spread)':<22}verdict"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        cold_ratios = [c / b for c, b in zip(r.cold, r.baseline, strict=True)]
        verdict = "PASS" if statistics.median(cold_ratios) <= 1.0 else "MISS"
        if r.files <= 300:
            verdict += " (<=300 files: no target)"
        lines.append(
            f"{r.tree.name[:27]:<28}{r.files:>6}{r.parsed:>7}"
            f"{statistics.median(r.baseline):>8.3f}{statistics.median(r.cold):>8.3f}"
            f"{statistics.median(r.warm):>8.3f}  {_ratios(r.cold, r.baseline):<22}"
            f"{_ratios(r.warm, r.baseline):<22}{verdict}"
        )
    return lines


def scale_project(folder: Path) -> Path:
    """The generated scale project of the tests (``tests/scale_project.py``), written once."""
    target = folder / "scale-project"
    if not target.is_dir():
        sys.path.insert(0, str(REPO_ROOT / "tests"))
        from scale_project import write_scale_project

        write_scale_project(target)
    return target
