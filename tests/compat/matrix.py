"""Run the suite on every supported Python + Django pair that CI's main run does not cover.

For each pair of :data:`PAIRS` this script finds the interpreter the way a contributor would
(pyenv's versions folder, then ``pythonX.Y`` on ``PATH``), makes a virtualenv ``.venv-pyXY-
djangoAB`` at the repository root (reused when it exists), installs the package with its test
extra and that Django, checks that the C extension was built and that the Django is the one
asked for, then runs the whole suite (``-n auto --dist worksteal``) and, where the pair says so,
the frameworks' own signal tests (``tests/compat/run_peer_suites.py``).

Nothing is skipped silently: an interpreter that cannot be found, an install that fails or a
failing run makes the exit status 1, with one ``matrix: FAIL ...`` line per problem at the end.

Usage::

    python tests/compat/matrix.py                      # every pair
    python tests/compat/matrix.py --pair 3.12:6.1      # one pair
    python tests/compat/matrix.py -- tests/trace       # pytest arguments for the suite

Standard library only: it runs under any Python 3.11+.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Pair:
    """One Python + Django combination, and what runs on it."""

    python: str
    django: str
    #: Run Django's, Celery's and Flask's own tests on this pair too (run_peer_suites.py).
    peer_suites: bool = False

    @property
    def name(self) -> str:
        return f"Python {self.python} + Django {self.django}"

    @property
    def venv(self) -> Path:
        return ROOT / f".venv-py{self.python.replace('.', '')}-django{self.django.replace('.', '')}"


#: The pairs CI checks on top of the README's command (Python 3.11 + Django 5.2).
PAIRS = (
    Pair("3.12", "6.1", peer_suites=True),
    Pair("3.13", "6.0"),
)


class SetupError(Exception):
    """A pair could not be set up: the message is the one line CI prints."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the pairs; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--pair",
        action="append",
        metavar="PYTHON:DJANGO",
        help="a pair to run, e.g. 3.12:6.1 (default: every pair of PAIRS)",
    )
    parser.add_argument("pytest_args", nargs="*", help="arguments for pytest (after --)")
    args = parser.parse_args(argv)
    pairs = [_parse_pair(text) for text in args.pair] if args.pair else list(PAIRS)
    failures: list[str] = []
    timings: list[tuple[str, float]] = []
    for pair in pairs:
        failures += _run_pair(pair, args.pytest_args, timings)
    print("matrix: times", flush=True)
    for step, seconds in timings:
        print(f"  {seconds:7.1f}s  {step}")
    for failure in failures:
        print(f"matrix: FAIL {failure}")
    return 1 if failures else 0


def _parse_pair(text: str) -> Pair:
    python, _, django = text.partition(":")
    if not re.fullmatch(r"3\.\d+", python) or not re.fullmatch(r"\d+\.\d+", django):
        raise SystemExit(f"matrix: --pair wants PYTHON:DJANGO such as 3.12:6.1, not {text!r}")
    known = {(p.python, p.django): p for p in PAIRS}
    return known.get((python, django), Pair(python, django))


def _run_pair(
    pair: Pair, pytest_args: Sequence[str], timings: list[tuple[str, float]]
) -> list[str]:
    """Set up and run one pair; the failures, as lines."""
    print(f"matrix: {pair.name}", flush=True)
    started = time.monotonic()
    try:
        python = find_python(pair.python)
        venv_python = _set_up(pair, python)
    except SetupError as exc:
        return [f"{pair.name}: {exc}"]
    finally:
        timings.append((f"{pair.name}: set up", time.monotonic() - started))
    failures = []
    suite = [str(venv_python), "-m", "pytest", "-n", "auto", "--dist", "worksteal", *pytest_args]
    if not _timed(f"{pair.name}: the suite", suite, timings):
        failures.append(f"{pair.name}: the suite failed")
    if pair.peer_suites:
        peer = [str(venv_python), "tests/compat/run_peer_suites.py", "--django", pair.django]
        if not _timed(f"{pair.name}: peer suites", peer, timings):
            failures.append(f"{pair.name}: the peer suites failed")
    return failures


def find_python(version: str) -> Path:
    """The interpreter of Python ``version`` (``"3.12"``): pyenv's newest ``version.N``, else
    ``python<version>`` on ``PATH``; :class:`SetupError` when neither runs as that version."""
    looked = []
    versions = pyenv_root() / "versions"
    looked.append(f"{versions}/{version}.*")
    # 3.12.1, not 3.12-dev nor the free-threaded 3.13.0t: newest patch release first.
    release = re.compile(rf"{re.escape(version)}\.\d+")
    releases = [path for path in versions.glob(f"{version}.*") if release.fullmatch(path.name)]
    releases.sort(key=lambda path: int(path.name.rsplit(".", 1)[1]), reverse=True)
    executables = [path / "bin" / f"python{version}" for path in releases]
    on_path = shutil.which(f"python{version}")
    looked.append(f"python{version} on PATH")
    if on_path:
        executables.append(Path(on_path))
    for executable in executables:
        if _reports_version(executable, version):
            return executable
    raise SetupError(
        f"Python {version} not found (looked in {' and '.join(looked)}); "
        f"install it, e.g. `pyenv install {version}`"
    )


def pyenv_root() -> Path:
    """``$PYENV_ROOT``, else ``~/.pyenv`` (pyenv's own default)."""
    return Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")


def _reports_version(executable: Path, version: str) -> bool:
    """Whether ``executable`` runs and is Python ``version`` (a pyenv shim of a version that is
    not selected exits non-zero)."""
    if not executable.is_file():
        return False
    probe = "import sys; print('%d.%d' % sys.version_info[:2])"
    try:
        done = subprocess.run(
            [str(executable), "-c", probe], capture_output=True, text=True, check=False, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and done.stdout.strip() == version


def _set_up(pair: Pair, python: Path) -> Path:
    """The pair's virtualenv with the package, its test extra and the Django asked for."""
    venv_python = pair.venv / "bin" / "python"
    if not venv_python.exists():
        _check([str(python), "-m", "venv", str(pair.venv)], "making the virtualenv")
    install = [str(venv_python), "-m", "pip", "install", "-q", "-e", ".[test]"]
    _check([*install, f"django=={pair.django}.*"], f"installing Django {pair.django}.*")
    check = (
        "import django, pytest_signaltrace.trace._fastsend as fast; "
        f"assert django.VERSION[:2] == {tuple(int(n) for n in pair.django.split('.'))!r}, "
        "django.__version__; "
        "print('django', django.__version__, '+ C extension', fast.__file__.rsplit('/', 1)[-1])"
    )
    _check([str(venv_python), "-c", check], "checking Django and the C extension")
    return venv_python


def _check(command: list[str], what: str) -> None:
    print(f"matrix:   {what}", flush=True)
    if subprocess.run(command, cwd=ROOT, check=False).returncode != 0:
        raise SetupError(f"{what} failed: {' '.join(command)}")


def _timed(step: str, command: list[str], timings: list[tuple[str, float]]) -> bool:
    print(f"matrix: {step}: {' '.join(command)}", flush=True)
    started = time.monotonic()
    env = dict(os.environ)
    env.pop("PYTEST_ADDOPTS", None)
    ok = subprocess.run(command, cwd=ROOT, env=env, check=False).returncode == 0
    timings.append((step, time.monotonic() - started))
    return ok


if __name__ == "__main__":
    sys.exit(main())
