"""The data file's lock: two processes writing one data file at the same time never lose a run
(``--signal-append`` read the file, added its run and wrote the sum: the second writer dropped
the first one's run, silently)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from data_samples import sample_run

from pytest_signaltrace.datafile.data import (
    DataFileLocked,
    RunData,
    append_data,
    read_data,
    write_data,
)
from pytest_signaltrace.datafile.write import lock_path

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="fcntl locks are POSIX only")

#: A process that takes the data file's lock, says so, and holds it until its stdin closes;
#: with ``append`` it adds a run to the file while it holds the lock.
HOLDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    sys.path.insert(0, sys.argv[3])
    from data_samples import sample_run
    from pytest_signaltrace.datafile.write import _write, locked
    from pytest_signaltrace.datafile.read import read_data
    from pytest_signaltrace.datafile.combine import combine

    path, mode = Path(sys.argv[1]), sys.argv[2]
    with locked(path):
        if mode == "append":
            mine = sample_run(path.parent / "project", calls=7, test="test_held")
            _write(path, combine([("held", mine), ("file", read_data(path))]))
        print("locked", flush=True)
        sys.stdin.read()
    """
)

#: A process that appends one run to the data file (argv: file, calls, test id, tests folder).
APPENDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    sys.path.insert(0, sys.argv[4])
    from data_samples import sample_run
    from pytest_signaltrace.datafile.write import append_data

    path = Path(sys.argv[1])
    append_data(path, sample_run(path.parent / "project", calls=int(sys.argv[2]), test=sys.argv[3]))
    """
)

TESTS_DIR = str(Path(__file__).parent)


def calls_of(data: RunData) -> int:
    """The calls of the sample project's one receiver."""
    return sum(data.trace.receiver_calls.values())


def ran_in(data: RunData) -> set[str]:
    """Every test id of the sample project's one receiver."""
    return {test for tests in data.trace.tests.values() for test in tests}


class Holder:
    """A child process that holds the data file's lock until :meth:`release`."""

    def __init__(self, path: Path, mode: str = "hold") -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(path), mode, TESTS_DIR],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        assert self.process.stdout.readline() == "locked\n"

    def release(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        assert self.process.wait(timeout=60) == 0


def test_an_append_waits_for_another_process_and_keeps_what_it_added(tmp_path: Path) -> None:
    path = tmp_path / ".signaltrace"
    first = sample_run(tmp_path / "project", calls=1, test="test_first")
    write_data(path, first)
    holder = Holder(path, "append")  # adds a run of 7 calls while holding the lock
    ours = sample_run(tmp_path / "project", calls=2, test="test_ours")
    done = threading.Event()
    appending = threading.Thread(target=lambda: (append_data(path, ours), done.set()))
    appending.start()
    time.sleep(0.5)
    assert not done.is_set(), "the append did not wait for the lock"
    holder.release()
    appending.join(timeout=60)
    assert done.is_set()
    written = read_data(path)
    assert calls_of(written) == 1 + 7 + 2
    assert ran_in(written) == {"test_first", "test_held", "test_ours"}
    assert len(written.runs) == 3
    assert not lock_path(path).exists()


def test_processes_appending_at_the_same_time_lose_no_run(tmp_path: Path) -> None:
    path = tmp_path / ".signaltrace"
    sample_run(tmp_path / "project")  # the project, written once
    holder = Holder(path)  # every appender starts, then waits for the lock: they race for it
    appenders = [
        subprocess.Popen(
            [sys.executable, "-c", APPENDER, str(path), str(calls), f"test_{calls}", TESTS_DIR]
        )
        for calls in (1, 2, 4, 8)
    ]
    time.sleep(1.0)
    holder.release()
    assert [appender.wait(timeout=120) for appender in appenders] == [0, 0, 0, 0]
    written = read_data(path)
    assert calls_of(written) == 15
    assert ran_in(written) == {"test_1", "test_2", "test_4", "test_8"}
    assert len(written.runs) == 4


def test_a_lock_held_too_long_fails_the_write_with_a_message_and_leaves_the_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / ".signaltrace"
    first = sample_run(tmp_path / "project", calls=1)
    write_data(path, first)
    before = path.read_bytes()
    holder = Holder(path)
    try:
        with pytest.raises(DataFileLocked) as raised:
            append_data(path, sample_run(tmp_path / "project", calls=2), timeout=0.3)
        with pytest.raises(OSError, match="another run held its lock"):
            write_data(path, first, timeout=0.1)
    finally:
        holder.release()
    assert str(raised.value) == (
        f"another run held its lock ({lock_path(path)}) for more than 0.3 s"
    )
    assert path.read_bytes() == before


def test_appending_to_a_missing_or_foreign_file_writes_this_run_alone(tmp_path: Path) -> None:
    path = tmp_path / ".signaltrace"
    ours = sample_run(tmp_path / "project", calls=2)
    assert append_data(path, ours) == ours
    path.write_text("not a data file\n")
    assert append_data(path, ours) == ours
    other = sample_run(tmp_path / "project", calls=5, exclude=["shop.legacy.*"])
    write_data(path, other)
    assert read_data(path) == other
    assert append_data(path, ours) == ours  # data of other settings: replaced, as before
    again = sample_run(tmp_path / "project", calls=3)
    assert calls_of(append_data(path, again)) == 5  # then added to
    assert calls_of(append_data(path, again)) == 5  # once


def test_the_lock_file_is_gone_after_a_write(tmp_path: Path) -> None:
    path = tmp_path / ".signaltrace"
    write_data(path, sample_run(tmp_path / "project"))
    assert sorted(p.name for p in tmp_path.iterdir()) == [".signaltrace", "project"]


def test_a_data_file_in_a_missing_folder_is_written_under_its_lock(tmp_path: Path) -> None:
    path = tmp_path / "data" / "run.signaltrace"
    write_data(path, sample_run(tmp_path / "project"))
    assert sorted(p.name for p in path.parent.iterdir()) == ["run.signaltrace"]


def test_a_link_to_the_data_file_shares_its_lock(tmp_path: Path) -> None:
    path = tmp_path / ".signaltrace"
    write_data(path, sample_run(tmp_path / "project"))
    link = tmp_path / "link"
    link.symlink_to(path)
    holder = Holder(path)
    try:
        with pytest.raises(DataFileLocked):
            write_data(link, sample_run(tmp_path / "project"), timeout=0.2)
    finally:
        holder.release()
