"""``signaltrace run``'s own process: what it imports, how it reads its options, starts the
command and leaves. It pays its start-up on top of the command it traces (on Django's test apps
about 0.42 G instructions before this work), so it imports neither argparse, subprocess,
tempfile, shutil, hashlib, datetime nor dataclasses (and inspect), and skips the interpreter's
teardown; every answer stays what it was."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pytest_signaltrace.cli import build_parser
from pytest_signaltrace.cli.run import parse_run_options
from pytest_signaltrace.datafile.run import (
    WORKDIR_PREFIX,
    RunError,
    _wait_for,
    make_folder,
    remove_tree,
)
from pytest_signaltrace.output import make_temporary, remove_stale_temporaries
from pytest_signaltrace.scan import hashes

SIGNALS = """\
from django.dispatch import Signal

order_placed = Signal()


def place():
    order_placed.send(sender=None)
"""

SEND = "import signals; signals.place()"

#: What the wrapper no longer imports (each cost it 1 to 42 M instructions).
NOT_IMPORTED = (
    "argparse",
    "dataclasses",
    "inspect",
    "subprocess",
    "tempfile",
    "shutil",
    "hashlib",
    "_hashlib",
    "datetime",
    "threading",
    "sysconfig",
    "string",
    "unicodedata",
    "shlex",
    # the data file of an unchanged tree is written from the JSON text the tree memo kept
    "pytest_signaltrace.model",
    "pytest_signaltrace.scan.mapcodec",
)


def _wrapper_modules(tmp_path: Path, child: str) -> tuple[int, set[str]]:
    script = (
        "import json, sys\n"
        "from pytest_signaltrace.cli import main\n"
        f"status = main({['run', '--', sys.executable, '-c', child]!r})\n"
        "print(json.dumps([status, sorted(sys.modules)]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    status, modules = json.loads(done.stdout.splitlines()[-1])
    return status, set(modules)


@pytest.mark.slow
def test_the_wrapper_imports_none_of_the_heavy_modules_from_start_to_data_file(
    tmp_path: Path,
) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "signals.py").write_text(SIGNALS)
    time.sleep(2.1)  # older than the memo's racy window (statindex.RACY_NS): it may be kept
    # The first run scans (the scan engine needs more); the second answers from the tree memo,
    # as a rerun on an unchanged tree does.
    _wrapper_modules(tmp_path, SEND)
    status, modules = _wrapper_modules(tmp_path, SEND)
    assert status == 0
    assert (tmp_path / ".signaltrace").exists()  # merged, scanned and written
    assert "pytest_signaltrace.datafile.write" in modules
    assert sorted(set(NOT_IMPORTED) & modules) == []


def test_a_record_class_is_made_without_dataclasses_and_is_one_when_asked() -> None:
    code = (
        "import sys\n"
        "from pytest_signaltrace.model import Receiver\n"
        "assert 'dataclasses' not in sys.modules and 'inspect' not in sys.modules\n"
        "import dataclasses\n"
        "r = Receiver('a.py', 3, 's', 'h', 'decorator')\n"
        "assert dataclasses.is_dataclass(r)\n"
        "assert [f.name for f in dataclasses.fields(Receiver)][:3] == ['path', 'line', 'signal']\n"
        "assert dataclasses.replace(r, line=4).line == 4\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# Command lines after `run`: each as argparse reads it, or for argparse alone (None).
COMMAND_LINES = [
    ["--", "python", "manage.py", "test"],
    ["python", "manage.py", "test"],
    ["python", "-m", "unittest", "--source", "x"],
    ["--source", "a", "--source=b", "--", "python", "-c", "pass"],
    ["--data-file", "out.data", "-p", "--no-cache", "--", "python"],
    ["--data-file=", "--", "python"],
    ["--data-file", "a", "--data-file", "b", "python"],
    ["--parallel", "python", "--", "x"],
    ["--", "python", "--", "x"],
]
FOR_ARGPARSE = [
    [],
    ["--"],
    ["--", "-x"],
    ["--help"],
    ["-h", "--", "python"],
    ["--data", "x", "--", "python"],
    ["--data-file"],
    ["--data-file", "--", "python"],
    ["--source", "-1", "python"],
    ["-pp", "python"],
    ["--no-cache=1", "python"],
    ["--bogus", "--", "python"],
    ["-", "python"],
    ["--source", "a"],
]


@pytest.mark.parametrize("given", COMMAND_LINES, ids=shlex.join)
def test_run_reads_its_options_as_argparse_does(given: list[str]) -> None:
    fast = parse_run_options(given)
    assert fast is not None
    parsed = build_parser("run").parse_args(["run", *given])
    assert vars(fast) == vars(parsed)


@pytest.mark.parametrize("given", FOR_ARGPARSE, ids=shlex.join)
def test_help_errors_and_odd_forms_are_left_to_argparse(given: list[str]) -> None:
    assert parse_run_options(given) is None


def _signaltrace(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest_signaltrace", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def test_run_help_and_usage_errors_are_argparse_s(tmp_path: Path) -> None:
    shown = _signaltrace("run", "--help", cwd=tmp_path)
    assert shown.returncode == 0
    assert shown.stdout.startswith("usage: signaltrace run [--data-file FILE]")
    missing = _signaltrace("run", "--data-file", cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.splitlines()[-1] == (
        "signaltrace run: error: argument --data-file: expected one argument"
    )
    unknown = _signaltrace("run", "--bogus", "--", "python", cwd=tmp_path)
    assert unknown.returncode == 2
    assert unknown.stderr.splitlines()[-1] == (
        "signaltrace: error: unrecognized arguments: --bogus"
    )


def test_a_command_that_cannot_start_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    done = _signaltrace("run", "--", "no-such-command-here", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == (
        "signaltrace: error: cannot run no-such-command-here: No such file or directory\n"
    )
    (tmp_path / "script").write_text("#!/bin/sh\n")  # not executable
    done = _signaltrace("run", "--", "./script", cwd=tmp_path)
    assert done.stderr == "signaltrace: error: cannot run ./script: Permission denied\n"
    with pytest.raises(RunError, match="cannot run"):
        _wait_for([str(tmp_path)], dict(os.environ))  # a folder


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_the_command_gets_popen_s_signals_and_no_inherited_descriptor(tmp_path: Path) -> None:
    # As Popen(close_fds=True, restore_signals=True): SIGPIPE back at its default (Python
    # ignores it; a Python child would ignore it again, so a shell reports it), an inheritable
    # descriptor of the wrapper's closed in the command.
    read_end, write_end = os.pipe()
    os.set_inheritable(write_end, True)
    shown = tmp_path / "shown"
    try:
        script = f"grep SigIgn /proc/self/status > {shown}; ls /proc/self/fd >> {shown}"
        assert _wait_for(["sh", "-c", script], dict(os.environ)) == 0
    finally:
        os.close(read_end)
        os.close(write_end)
    ignored, *descriptors = shown.read_text().split()[1:]
    assert not int(ignored, 16) & (1 << (signal.SIGPIPE - 1))
    assert str(write_end) not in descriptors
    killed = _wait_for(
        [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"],
        dict(os.environ),
    )
    assert killed == 128 + signal.SIGTERM


def test_the_run_s_folder_is_private_and_removed_whole(tmp_path: Path) -> None:
    os.environ["TMPDIR"] = str(tmp_path)
    try:
        folder = Path(make_folder(WORKDIR_PREFIX))
    finally:
        del os.environ["TMPDIR"]
    assert folder.parent == tmp_path
    assert re.fullmatch(r"signaltrace-run-[a-z0-9_]{8}", folder.name)
    assert folder.stat().st_mode & 0o777 == 0o700
    (folder / "fragments").mkdir()
    (folder / "fragments" / "fragment-1-x.json").write_text("{}")
    (folder / "link").symlink_to(tmp_path)  # removed, not followed
    remove_tree(str(folder))
    assert not folder.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_temporary_file_is_named_as_tempfile_names_it(tmp_path: Path) -> None:
    target = tmp_path / ".signaltrace"
    fd, name = make_temporary(tmp_path, f".{target.name}.999999999.", ".tmp")
    os.close(fd)
    assert Path(name).stat().st_mode & 0o777 == 0o600
    # the stale-file sweep recognises it (pid 999999999 is gone)
    assert remove_stale_temporaries(target) == [Path(name)]


def test_the_hashes_are_hashlib_s() -> None:
    data = b"pytest-signaltrace"
    assert hashes.sha256(data).hexdigest() == hashlib.sha256(data).hexdigest()
    assert (
        hashes.blake2b(data, digest_size=20).hexdigest()
        == hashlib.blake2b(data, digest_size=20).hexdigest()
    )


def test_the_console_command_exits_with_the_command_s_status_and_its_output(
    tmp_path: Path,
) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "signals.py").write_text(SIGNALS)
    done = _signaltrace(
        "run", "--", sys.executable, "-c", SEND + "; print('out'); raise SystemExit(3)",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 3
    assert done.stdout == "out\n"
    assert done.stderr.splitlines()[0] == "Wrote signal data to .signaltrace"
    assert json.loads((tmp_path / ".signaltrace").read_text())["format"] == (
        "pytest-signaltrace-data"
    )
