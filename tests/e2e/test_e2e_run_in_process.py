"""``signaltrace run -- python SCRIPT`` runs the script in its own process (``inprocess.py``):
the program sees what ``python SCRIPT`` shows it, ends with the status and the traceback it
would, and the data file is the one the child-process path writes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from e2e_project import DjangoProject
from test_e2e_run import PLACE, RECEIVERS, SERVICES, SETUP, receiver, report_of, signaltrace

pytestmark = pytest.mark.slow

#: What the program sees of how it was started, on stdout as JSON (and an order placed).
PROBE = (
    SETUP
    + """
import json

from shop.services import place_order

place_order("probe")
main = sys.modules["__main__"]
print(json.dumps({
    "argv": sys.argv,
    "path0": sys.path[0],
    "name": __name__,
    "file": globals().get("__file__"),
    "main_is_this": main.__dict__ is globals(),
    "spec": None if __spec__ is None else __spec__.name,
    "package": __package__,
    "builtins": type(__builtins__).__name__,
    "names": sorted(globals()),
    "executable": sys.executable,
}))
"""
)

#: Ends as asked: an exit status, a message, an uncaught exception; an atexit function that
#: sends; a change of folder; a forked child that ends normally.
ENDINGS = (
    SETUP
    + """
import atexit

from shop.services import place_order


def deep():
    raise ValueError("no stock")


how = sys.argv[1]
# What the program's exit functions see of how it ended (python sets sys.last_*).
atexit.register(lambda: print("last:", getattr(sys, "last_type", None)))
if how == "atexit":
    atexit.register(place_order, "at-exit")
elif how == "chdir":
    os.chdir(os.path.dirname(os.getcwd()))
elif how == "fork":
    child = os.fork()
    if child == 0:
        place_order("forked")
        sys.exit(0)
    os.waitpid(child, 0)
place_order("web")
if how == "status":
    sys.exit(3)
if how == "message":
    sys.exit("out of stock")
if how == "raise":
    deep()
if how == "interrupt":  # Ctrl-C: python shows it, then ends by SIGINT
    raise KeyboardInterrupt
"""
)


@pytest.fixture
def project(django_project: DjangoProject) -> Path:
    django_project.write(
        **{
            "shop/receivers": RECEIVERS,
            "shop/services": SERVICES,
            "place": PLACE,
            "probe": PROBE,
            "endings": ENDINGS,
        }
    )
    return django_project.pytester.path


def python(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def without_run_ids(path: Path) -> dict[str, Any]:
    """A data file's JSON without what differs from run to run (its time, its run's id)."""
    document = json.loads(path.read_text(encoding="utf-8"))
    document.pop("created")
    document.pop("runs")
    return dict(document)


def test_the_data_file_is_the_child_process_paths(project: Path) -> None:
    command = ["--", sys.executable, "place.py", "--spawn"]
    here = signaltrace("run", "--data-file", "here.signaltrace", *command, cwd=project)
    child = signaltrace(
        "run", "--subprocess", "--data-file", "child.signaltrace", *command, cwd=project
    )
    assert here.returncode == child.returncode == 0, here.stderr + child.stderr
    assert without_run_ids(project / "here.signaltrace") == without_run_ids(
        project / "child.signaltrace"
    )
    assert receiver(report_of(project / "here.signaltrace"), "notify_warehouse")["calls"] == 2


@pytest.mark.parametrize("start", [["probe.py", "a", "-b"], ["-m", "probe", "a", "-b"]])
def test_the_program_sees_what_python_shows_it(project: Path, start: list[str]) -> None:
    alone = python(*start, cwd=project)
    traced = signaltrace("run", "--", sys.executable, *start, cwd=project)
    assert alone.returncode == traced.returncode == 0, alone.stderr + traced.stderr
    assert json.loads(traced.stdout) == json.loads(alone.stdout)
    assert json.loads(alone.stdout)["argv"][1:] == ["a", "-b"]
    assert traced.stderr.splitlines()[-1] == "Wrote signal data to .signaltrace"


@pytest.mark.parametrize(
    ("how", "status", "stderr_end"),
    [
        ("status", 3, []),
        ("message", 1, ["out of stock"]),
        ("raise", 1, ["    raise ValueError(\"no stock\")", "ValueError: no stock"]),
        ("interrupt", -signal.SIGINT, ["    raise KeyboardInterrupt", "KeyboardInterrupt"]),
    ],
)
def test_the_program_ends_as_python_would_end_it(
    project: Path, how: str, status: int, stderr_end: list[str]
) -> None:
    alone = python("endings.py", how, cwd=project)
    traced = signaltrace("run", "--", sys.executable, "endings.py", how, cwd=project)
    assert alone.returncode == traced.returncode == status
    assert traced.stdout == alone.stdout
    traced_lines = traced.stderr.splitlines()
    assert traced_lines[-1] == "Wrote signal data to .signaltrace"
    # The same stderr, the traceback included (none of signaltrace's frames in it).
    assert traced_lines[:-1] == alone.stderr.splitlines()
    if stderr_end:
        assert alone.stderr.splitlines()[-len(stderr_end) :] == stderr_end
    assert receiver(report_of(project / ".signaltrace"), "notify_warehouse")["calls"] == 1


def test_a_script_that_does_not_compile_is_reported_as_python_reports_it(project: Path) -> None:
    (project / "broken.py").write_text("x = 1\ndef (:\n", encoding="utf-8")
    alone = python("broken.py", cwd=project)
    traced = signaltrace("run", "--", sys.executable, "broken.py", cwd=project)
    assert alone.returncode == traced.returncode == 1
    assert alone.stderr.splitlines()[-1].startswith("SyntaxError")
    # Python's lines, then the warning that nothing was traced (no signal machinery started).
    lines = traced.stderr.splitlines()
    assert lines[:-1] == alone.stderr.splitlines()
    assert "sent no signal" in lines[-1]


POOL = (
    SETUP
    + """
import multiprocessing

from shop.services import place_order


def place(channel):
    place_order(channel)
    return channel


if __name__ == "__main__":
    multiprocessing.set_start_method("spawn")
    with multiprocessing.Pool(2) as pool:
        print(pool.map(place, ["a", "b", "c"]))
"""
)


def test_spawned_workers_find_the_programs_main_module(project: Path) -> None:
    # Spawned workers import the program's __main__ again by its path; multiprocessing's
    # resource tracker outlives the first process and has nothing to save: no warning.
    (project / "pool.py").write_text(POOL, encoding="utf-8")
    result = signaltrace("run", "--", sys.executable, "pool.py", cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "['a', 'b', 'c']\n"
    assert result.stderr.splitlines() == ["Wrote signal data to .signaltrace"]


def test_a_module_run_with_m_shows_the_traceback_python_shows(project: Path) -> None:
    alone = python("-m", "endings", "raise", cwd=project)
    traced = signaltrace("run", "--", sys.executable, "-m", "endings", "raise", cwd=project)
    assert alone.returncode == traced.returncode == 1
    # Python's own runpy frames (frozen) and none of signaltrace's.
    assert traced.stderr.splitlines()[:-1] == alone.stderr.splitlines()
    assert "pytest_signaltrace" not in traced.stderr


def test_signals_sent_by_the_programs_atexit_functions_are_recorded(project: Path) -> None:
    result = signaltrace("run", "--", sys.executable, "endings.py", "atexit", cwd=project)
    assert result.returncode == 0, result.stderr
    assert receiver(report_of(project / ".signaltrace"), "notify_warehouse")["calls"] == 2


def test_a_program_that_changes_folder_still_writes_the_data_file_in_place(
    project: Path,
) -> None:
    result = signaltrace("run", "--", sys.executable, "endings.py", "chdir", cwd=project)
    assert result.returncode == 0, result.stderr
    assert (project / ".signaltrace").is_file()
    assert not (project.parent / ".signaltrace").exists()


def test_a_forked_child_that_ends_normally_writes_nothing_of_its_own(project: Path) -> None:
    result = signaltrace("run", "--", sys.executable, "endings.py", "fork", cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("Wrote signal data") == 1
    # The forked child's counts are its parent's, as the child-process path has it.
    assert receiver(report_of(project / ".signaltrace"), "notify_warehouse")["calls"] == 1


def test_the_data_file_not_written_fails_the_run(project: Path) -> None:
    # Its folder is a file (a read-only folder would not stop root).
    result = signaltrace(
        "run", "--data-file", "place.py/data", "--", sys.executable, "place.py", cwd=project
    )
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1].startswith("signaltrace: error: cannot write")


def test_under_pythonsafepath_the_program_gets_no_folder_prepended(project: Path) -> None:
    # PYTHONSAFEPATH (python -P): python puts neither the script's folder nor the current one
    # first on sys.path; nor may the in-process run (it held this command's path).
    tools = project / "tools"
    tools.mkdir()
    (tools / "where.py").write_text(
        SETUP + "import json\nfrom shop.services import place_order\n\n"
        'place_order("where")\nprint(json.dumps(sys.path))\n',
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONSAFEPATH": "1", "PYTHONPATH": str(project)}
    alone = subprocess.run(
        [sys.executable, "tools/where.py"], cwd=project, capture_output=True, text=True,
        env=env, check=False,
    )  # fmt: skip
    traced = signaltrace(
        "run", "--", sys.executable, "tools/where.py", cwd=project,
        PYTHONSAFEPATH="1", PYTHONPATH=str(project),
    )  # fmt: skip
    assert alone.returncode == traced.returncode == 0, alone.stderr + traced.stderr
    assert json.loads(traced.stdout) == json.loads(alone.stdout)
    assert str(tools) not in json.loads(traced.stdout)
    assert receiver(report_of(project / ".signaltrace"), "notify_warehouse")["calls"] == 1


def test_the_console_script_gives_the_program_the_commands_python(project: Path) -> None:
    # The console script's shebang may name python3: the program's sys.executable is the
    # python of the command, as `python probe.py` gives it.
    console = Path(sys.executable).parent / "signaltrace"
    if not console.exists():
        pytest.skip("no signaltrace console script beside this python")
    alone = python("probe.py", cwd=project)
    traced = subprocess.run(
        [str(console), "run", "--", sys.executable, "probe.py"], cwd=project,
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert alone.returncode == traced.returncode == 0, traced.stderr
    assert json.loads(traced.stdout) == json.loads(alone.stdout)


def test_a_linked_script_gets_its_real_folder_on_sys_path(project: Path) -> None:
    real = project / "tools"
    real.mkdir()
    (real / "helper.py").write_text("VALUE = 7\n", encoding="utf-8")
    (real / "linked.py").write_text(
        "import sys\nimport helper\nprint(sys.path[0], __file__, helper.VALUE)\n",
        encoding="utf-8",
    )
    (project / "bin").mkdir()
    (project / "bin" / "run.py").symlink_to(real / "linked.py")
    start = ["./bin/../bin/run.py"]  # __file__ as given, made absolute, not normalised
    alone = python(*start, cwd=project)
    traced = signaltrace("run", "--", sys.executable, *start, cwd=project)
    assert alone.returncode == traced.returncode == 0, traced.stderr
    assert traced.stdout == alone.stdout
    assert alone.stdout.split()[0] == str(real)


BROKEN_HOOK = """
import sys


def hook(kind, value, traceback):
    raise RuntimeError("hook broke")


sys.excepthook = hook
raise ValueError("program broke")
"""


@pytest.mark.parametrize(
    ("program", "status"),
    [
        (BROKEN_HOOK, 1),
        ("import sys\nsys.excepthook = None\nraise KeyboardInterrupt\n", -signal.SIGINT),
        ("import sys\ndel sys.excepthook\nraise ValueError(1)\n", 1),
    ],
    ids=["raises", "none-interrupted", "deleted"],
)
def test_a_broken_excepthook_is_reported_as_python_reports_it(
    project: Path, program: str, status: int
) -> None:
    (project / "hooked.py").write_text(program, encoding="utf-8")
    alone = python("hooked.py", cwd=project)
    traced = signaltrace("run", "--", sys.executable, "hooked.py", cwd=project)
    assert alone.returncode == traced.returncode == status
    lines = traced.stderr.splitlines()
    assert lines[:-1] == alone.stderr.splitlines()  # then: it sent no signal
    assert "excepthook" in alone.stderr
    assert "pytest_signaltrace" not in traced.stderr


UNFRIENDLY = (
    SETUP
    + """
from shop.services import place_order

place_order("web")
os.umask(0o777)  # a file made now would have no permissions
sys.setrecursionlimit(60)
sys.stderr.close()  # nowhere to say that the data was saved
"""
)


def test_what_the_program_did_to_its_process_does_not_stop_the_save(project: Path) -> None:
    (project / "unfriendly.py").write_text(UNFRIENDLY, encoding="utf-8")
    alone = python("unfriendly.py", cwd=project)
    traced = signaltrace("run", "--", sys.executable, "unfriendly.py", cwd=project)
    assert alone.returncode == traced.returncode == 0, traced.stderr
    data = project / ".signaltrace"
    assert data.stat().st_mode & 0o600 == 0o600
    assert receiver(report_of(data), "notify_warehouse")["calls"] == 1


def test_a_traced_command_that_runs_signaltrace_again_records_once(project: Path) -> None:
    # The inner run's processes get a second hook folder on PYTHONPATH: only one may trace.
    inner = [sys.executable, "-m", "pytest_signaltrace", "run", "--subprocess"]
    command = [*inner, "--data-file", "inner.signaltrace", "--", sys.executable, "place.py"]
    result = signaltrace("run", "--", *command, cwd=project)
    assert result.returncode == 0, result.stderr
    assert "not tracing" not in result.stderr
    assert receiver(report_of(project / "inner.signaltrace"), "notify_warehouse")["calls"] == 1


def test_source_the_compiler_cannot_take_is_reported_without_signaltrace_frames(
    project: Path,
) -> None:
    # Too deep for the compiler: python says MemoryError, and so does the in-process run,
    # without a traceback through signaltrace.
    (project / "deep.py").write_text("x = " + "-" * 200_000 + "1\n", encoding="utf-8")
    alone = python("deep.py", cwd=project)
    traced = signaltrace("run", "--", sys.executable, "deep.py", cwd=project)
    assert alone.returncode == traced.returncode == 1
    assert traced.stderr.splitlines()[:-1] == alone.stderr.splitlines()
    assert "pytest_signaltrace" not in traced.stderr
