"""Run Django's, Celery's and Flask's own test suites with and without pytest-signaltrace.

The patches wrap ``django.dispatch.Signal``, Celery's dispatcher ``Signal`` and blinker's
``Signal`` (Flask's signals); the frameworks' own tests are the strictest check that tracing
changes nothing. For each
framework this script downloads the source distribution (``pip download --no-binary :all:
--no-deps``), then runs

* Django: ``tests/runtests.py dispatch signals --parallel 1`` with the sdist's own ``django``
  first on ``PYTHONPATH``, once plainly and once under ``signaltrace run`` (every process of the
  command traced);
* Celery: ``pytest t/unit/utils/test_dispatcher.py`` with the sdist's ``celery`` first on
  ``PYTHONPATH``, once with ``-p no:signaltrace`` and once with ``--signal-report``;
* Flask: ``pytest tests/test_signals.py``, then the whole ``tests`` folder, with the sdist's
  ``src`` first on ``PYTHONPATH``, each once with ``-p no:signaltrace`` and once with
  ``--signal-report`` (Flask's suite turns every warning into an error, so a warning of the
  plugin fails it too); both runs load ``flask_suite_shim`` (a name pytest 9 removed) and
  leave out the tests of :data:`FLASK_DESELECT`, which fail without the plugin;

and compares: the same number of tests must pass both ways, none may fail, and the traced run
must have recorded sends (the plugin was really on). Exit status 0 when all of that holds.

Usage::

    python tests/compat/run_peer_suites.py [--django 4.2 --django 5.2] [--no-celery]
                                           [--no-flask] [--work DIR]

``--django`` defaults to the installed Django's minor version; Celery and Flask are the
installed versions. Downloads and unpacked sources
are kept in ``--work`` (default: a temporary folder) so a second run reuses them.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

#: The test labels of Django's own suite that exercise signals.
DJANGO_LABELS = ("dispatch", "signals")
#: Celery's tests of its dispatcher.
CELERY_TESTS = "t/unit/utils/test_dispatcher.py"
#: Flask's suites: its signal tests, then all of its tests.
FLASK_SUITES = ("tests/test_signals.py", "tests")
#: Flask's tests that fail without the plugin on this machine's packages, each with why: left
#: out of both runs, so that "none may fail" still holds for the rest.
FLASK_DESELECT = {
    # Werkzeug 3.1.4+ answers a Host header with a non-printable character by 404, not 400.
    "tests/test_reqctx.py::test_bad_environ_raises_bad_request": "Werkzeug's newer Host check",
}
#: This folder: ``flask_suite_shim`` is imported from it.
HERE = Path(__file__).resolve().parent


@dataclass
class Outcome:
    """One run of a peer suite."""

    suite: str
    traced: bool
    passed: int
    failed: int
    seconds: float
    ok: bool
    sends: int | None = None

    def line(self) -> str:
        """A row of the summary table."""
        mode = "with plugin" if self.traced else "without"
        sends = "" if self.sends is None else f", {self.sends} sends traced"
        verdict = "ok" if self.ok else "FAILED"
        return (
            f"{self.suite:<28} {mode:<12} {self.passed:>4} passed {self.failed:>3} failed "
            f"{self.seconds:>6.1f}s  {verdict}{sends}"
        )


def main(argv: list[str] | None = None) -> int:
    """Run the peer suites; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--django", action="append", help="Django minor version, e.g. 4.2")
    parser.add_argument("--no-celery", action="store_true", help="skip Celery's tests")
    parser.add_argument("--no-flask", action="store_true", help="skip Flask's tests")
    parser.add_argument("--work", type=Path, help="folder for downloads (default: temporary)")
    args = parser.parse_args(argv)
    versions = args.django or [_installed_minor("django")]
    work = args.work or Path(tempfile.mkdtemp(prefix="signaltrace-compat-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    outcomes: list[Outcome] = []
    try:
        for minor in versions:
            source = _sdist(work, "django", f"django>={minor},<{_next_minor(minor)}")
            outcomes += _django(source, work)
        if not args.no_celery:
            version = importlib.metadata.version("celery")
            source = _sdist(work, "celery", f"celery=={version}")
            outcomes += _celery(source, work)
        if not args.no_flask:
            version = importlib.metadata.version("flask")
            source = _sdist(work, "flask", f"flask=={version}")
            outcomes += _flask(source, work)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    for outcome in outcomes:
        print(outcome.line())
    failures = _compare(outcomes)
    for failure in failures:
        print(f"FAIL {failure}")
    print(f"total {time.monotonic() - started:.1f}s")
    return 1 if failures else 0


def _compare(outcomes: list[Outcome]) -> list[str]:
    """What is wrong: a failing run, a traced run that passed fewer tests, nothing traced."""
    problems = [f"{o.suite} ({'traced' if o.traced else 'plain'})" for o in outcomes if not o.ok]
    plain = {o.suite: o for o in outcomes if not o.traced}
    for traced in (o for o in outcomes if o.traced):
        base = plain.get(traced.suite)
        if base is not None and traced.passed != base.passed:
            problems.append(
                f"{traced.suite}: {traced.passed} tests passed traced, {base.passed} without"
            )
        if not traced.sends:
            problems.append(f"{traced.suite}: the traced run recorded no send")
    return problems


def _installed_minor(package: str) -> str:
    return ".".join(importlib.metadata.version(package).split(".")[:2])


def _next_minor(minor: str) -> str:
    major, _, rest = minor.partition(".")
    return f"{major}.{int(rest) + 1}"


def _sdist(work: Path, name: str, requirement: str) -> Path:
    """Download (once) and unpack the sdist satisfying ``requirement``; its source folder."""
    downloads = work / "downloads" / re.sub(r"[^\w.]+", "_", requirement)
    if not any(downloads.glob("*.tar.gz")):
        downloads.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "--no-binary",
                ":all:",
                requirement,
                "-d",
                str(downloads),
            ],
            check=True,
        )
    archive = next(downloads.glob("*.tar.gz"))
    target = work / "src" / archive.name.removesuffix(".tar.gz")
    if not target.is_dir():
        target.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archive) as tar:
            tar.extractall(target.parent, filter="data")
    if not target.is_dir():
        raise SystemExit(f"unexpected layout in {archive}: no {target.name}/")
    print(f"{name}: {target.name}", flush=True)
    return target


def _env(*paths: Path) -> dict[str, str]:
    """The environment of a run: ``paths`` first on ``PYTHONPATH``."""
    env = dict(os.environ)
    first = [str(path) for path in paths]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [*first, env.get("PYTHONPATH")]))
    env.pop("PYTEST_ADDOPTS", None)
    return env


def _django(source: Path, work: Path) -> list[Outcome]:
    tests = source / "tests"
    command = [sys.executable, "runtests.py", *DJANGO_LABELS, "--parallel", "1", "-v", "1"]
    suite = f"{source.name} {'+'.join(DJANGO_LABELS)}"
    outcomes = [_run_suite(suite, command, tests, source, traced=False, summary=unittest_summary)]
    data_file = work / f"{source.name}.signaltrace"
    data_file.unlink(missing_ok=True)
    sources = [arg for label in DJANGO_LABELS for arg in ("--source", label)]
    traced = [
        sys.executable,
        "-m",
        "pytest_signaltrace",
        "run",
        "--data-file",
        str(data_file),
        "--no-cache",
        *sources,
        "--",
        *command,
    ]
    outcome = _run_suite(suite, traced, tests, source, traced=True, summary=unittest_summary)
    outcome.sends = _sends(data_file)
    outcomes.append(outcome)
    return outcomes


def _run_suite(
    suite: str,
    command: list[str],
    cwd: Path,
    source: Path,
    *,
    traced: bool,
    summary: Callable[[str], tuple[int, int]],
    path: tuple[Path, ...] = (),
) -> Outcome:
    """Run one suite; ``summary`` reads ``(passed, failed)`` from its output; ``path``: what
    goes first on ``PYTHONPATH`` (default: ``source``)."""
    started = time.monotonic()
    env = _env(*(path or (source,)))
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    output = result.stdout + result.stderr
    passed, failed = summary(output)
    ok = result.returncode == 0 and passed > 0 and failed == 0
    if not ok:
        print(output[-3000:], file=sys.stderr)
    return Outcome(suite, traced, passed, failed, seconds, ok)


def _celery(source: Path, work: Path) -> list[Outcome]:
    suite = f"{source.name} test_dispatcher"
    base = [
        sys.executable,
        "-m",
        "pytest",
        CELERY_TESTS,
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        "-p",
        "no:xdist",
    ]
    outcomes = [
        _run_suite(
            suite,
            [*base, "-p", "no:signaltrace"],
            source,
            source,
            traced=False,
            summary=pytest_summary,
        )
    ]
    report = work / f"{source.name}.json"
    report.unlink(missing_ok=True)
    traced = [
        *base,
        f"--signal-report=json:{report}",
        "--signal-source=t/unit/utils",
        "--signal-data-file=",
    ]
    outcome = _run_suite(suite, traced, source, source, traced=True, summary=pytest_summary)
    outcome.sends = _report_sends(report)
    outcomes.append(outcome)
    return outcomes


def _flask(source: Path, work: Path) -> list[Outcome]:
    """Flask's signal tests, then its whole suite, each plainly and traced."""
    path = (source / "src", HERE)
    base = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        "-p",
        "no:xdist",
        "-p",
        "flask_suite_shim",
        *(arg for test in sorted(FLASK_DESELECT) for arg in ("--deselect", test)),
    ]
    outcomes = []
    for tests in FLASK_SUITES:
        suite = f"{source.name} {Path(tests).name}"
        plain = [*base, tests, "-p", "no:signaltrace"]
        outcome = _run_suite(
            suite, plain, source, source, traced=False, summary=pytest_summary, path=path
        )
        outcomes.append(outcome)
        report = work / f"{source.name}-{Path(tests).stem}.json"
        report.unlink(missing_ok=True)
        traced = [
            *base,
            tests,
            f"--signal-report=json:{report}",
            "--signal-source=tests",
            "--signal-data-file=",
        ]
        outcome = _run_suite(
            suite, traced, source, source, traced=True, summary=pytest_summary, path=path
        )
        outcome.sends = _report_sends(report)
        outcomes.append(outcome)
    return outcomes


def _report_sends(report: Path) -> int | None:
    """The sends a ``--signal-report=json`` file counts (``None``: no report was written)."""
    if not report.exists():
        return None
    signals = json.loads(report.read_text(encoding="utf-8"))["signals"]
    return sum(int(row["sends"]) for row in signals)


def unittest_summary(output: str) -> tuple[int, int]:
    """``(passed, failed)`` from a unittest runner's output (``Ran 41 tests`` ... ``OK``);
    failures and errors count as failed, skips as neither."""
    ran = re.search(r"^Ran (\d+) tests?", output, re.M)
    if ran is None:
        return 0, 0
    verdict = re.search(r"^(?:OK|FAILED)(?: \((.*)\))?$", output, re.M)
    details = (verdict.group(1) or "") if verdict else ""
    failed = sum(int(n) for n in re.findall(r"(?:failures|errors)=(\d+)", details))
    skipped = sum(int(n) for n in re.findall(r"skipped=(\d+)", details))
    return int(ran.group(1)) - failed - skipped, failed


def pytest_summary(output: str) -> tuple[int, int]:
    """``(passed, failed)`` from pytest's last line (``18 passed, 1 failed in 2.1s``)."""
    passed = re.search(r"(\d+) passed", output)
    failed = sum(int(n) for n in re.findall(r"(\d+) (?:failed|errors?)\b", output))
    return (int(passed.group(1)) if passed else 0), failed


def _sends(data_file: Path) -> int | None:
    """How many sends the traced run recorded, read back through ``signaltrace report``
    (``None``: no data file, or not readable)."""
    if not data_file.exists():
        return None
    result = subprocess.run(
        [sys.executable, "-m", "pytest_signaltrace", "report", str(data_file), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        print(result.stderr, file=sys.stderr)
        return None
    return sum(int(row["sends"]) for row in json.loads(result.stdout)["signals"])


if __name__ == "__main__":
    sys.exit(main())
