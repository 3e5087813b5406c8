"""Counting a command's CPU instructions under valgrind's callgrind (for ``run.py``).

Every process of the command's tree is counted (``--trace-children=yes``: xdist workers,
Django's parallel runners, pool processes), each in its own file ``cg.<pid>``. The count repeats
to about 0.3% from run to run whatever the machine's load (hash seeds fixed), where seconds on a
shared machine do not. The files can be kept (``keep``) and compared function by function with
``cgdiff.py``.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

#: valgrind's command line; the output files go to ``folder``.
OPTIONS = (
    "--tool=callgrind", "--trace-children=yes", "--dump-line=no", "--dump-instr=no",
)  # fmt: skip


def command(folder: Path) -> list[str]:
    """The valgrind prefix that writes one callgrind file per process into ``folder``."""
    return ["valgrind", *OPTIONS, f"--callgrind-out-file={folder}/cg.%p"]


@contextmanager
def output_folder(keep: Path | None, name: str) -> Iterator[Path]:
    """Where one run's callgrind files go: ``keep/name`` (emptied first, kept afterwards), or a
    temporary folder removed afterwards."""
    if keep is None:
        with tempfile.TemporaryDirectory(prefix="callgrind-") as folder:
            yield Path(folder)
        return
    target = keep / name
    target.mkdir(parents=True, exist_ok=True)
    for old in target.glob("cg.*"):
        old.unlink()
    yield target


def count(folder: Path, run: Callable[[], object]) -> int:
    """Call ``run`` (a command prefixed with :func:`command`), then sum the instructions of
    every process once all of their files are written."""
    return sum(count_by_role(folder, run).values())


def count_by_role(folder: Path, run: Callable[[], object]) -> dict[str, int]:
    """Like :func:`count`, but summed per role of the process (:func:`role`): under xdist the
    controller's count follows how long it waited for its workers (its I/O threads wake while
    they run), so a ratio of the workers' counts alone is what repeats."""
    run()
    totals: dict[str, int] = {}
    for dump in finished_dumps(folder):
        kind = role(dump)
        totals[kind] = totals.get(kind, 0) + instructions_of(dump)
    return totals


def role(dump: Path) -> str:
    """What the process of one callgrind file was: ``"xdist worker"`` (execnet's ``python -c``
    bootstrap), ``"python"`` (any other Python process: the command itself, a runner, a child),
    or ``"other"`` (``uname`` and the like)."""
    with dump.open(encoding="utf-8", errors="replace") as handle:
        for _, line in zip(range(50), handle, strict=False):
            if line.startswith("cmd:"):
                argv = line.split()[1:]
                if "sys.stdin.readline()))" in line:
                    return "xdist worker"
                return "python" if argv and "python" in Path(argv[0]).name else "other"
    return "other"


def finished_dumps(folder: Path, quiet: float = 10.0, timeout: float = 900.0) -> list[Path]:
    """The callgrind files of every process of a run, once all are written.

    The command returns before all of its processes have: xdist workers and pool processes
    outlive the controller by the seconds callgrind takes to write their files (and may be
    killed while writing: a file's ``summary:`` line, written first, has its total). Done when
    every file has that line and no file appeared or grew for ``quiet`` seconds."""
    deadline = time.monotonic() + timeout
    seen: list[tuple[str, int]] = []
    stable_since = time.monotonic()
    while True:
        now = [(dump.name, dump.stat().st_size) for dump in sorted(folder.glob("cg.*"))]
        if now != seen:
            seen, stable_since = now, time.monotonic()
        elif time.monotonic() - stable_since >= quiet and all(
            summary(folder / name) is not None for name, _ in now
        ):
            return [folder / name for name, _ in now]
        if time.monotonic() > deadline:
            raise SystemExit(f"callgrind files not complete after {timeout:.0f} s: {folder}")
        time.sleep(1)


def summary(dump: Path) -> int | None:
    """The instructions of one process: its callgrind file's ``summary:`` line (in the
    header, written before the profile), ``None`` before it is written."""
    with dump.open(encoding="utf-8", errors="replace") as handle:
        for _, line in zip(range(50), handle, strict=False):
            if line.startswith("summary:"):
                return int(line.split()[1])
    return None


def instructions_of(dump: Path) -> int:
    """The instructions counted in one finished callgrind file."""
    total = summary(dump)
    assert total is not None
    return total
