"""What the ``signaltrace`` command imports: never pytest, and the report model only when a
subcommand needs it. ``signaltrace run`` pays its start-up once per traced command, on top of
the command itself (about 0.2 s for pytest alone, more than the rest of the command line)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SIGNALS = """\
from django.dispatch import Signal

order_placed = Signal()


def place():
    order_placed.send(sender=None)
"""

#: Runs the command line in a fresh interpreter, then prints which of the watched modules it
#: imported.
SCRIPT = """\
import json, sys
from pytest_signaltrace.cli import build_parser, main
build_parser()
parsed = sorted(m for m in {watched!r} if m in sys.modules)
main({argv!r})
print(json.dumps([parsed, sorted(m for m in {watched!r} if m in sys.modules)]))
"""

WATCHED = ("pytest", "_pytest.config", "pytest_signaltrace.model")


def imported(argv: list[str], cwd: Path) -> tuple[list[str], list[str]]:
    """The watched modules imported once the parser was built, and once ``argv`` ran."""
    script = SCRIPT.format(watched=WATCHED, argv=argv)
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=cwd, capture_output=True, text=True, check=True
    )
    parsed, ran = json.loads(done.stdout.splitlines()[-1])
    return parsed, ran


def test_building_the_parser_imports_neither_pytest_nor_the_report_model(tmp_path: Path) -> None:
    parsed, _ = imported(["debug", "config"], tmp_path)
    assert parsed == []


def test_run_traces_a_command_without_importing_pytest(tmp_path: Path) -> None:
    (tmp_path / "signals.py").write_text(SIGNALS)
    _, ran = imported(["run", "--", sys.executable, "-c", "pass"], tmp_path)
    assert "pytest" not in ran
    assert "_pytest.config" not in ran


def test_settings_are_read_from_the_ini_file_without_importing_pytest(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\nsignaltrace_fail_under = 87\n")
    script = SCRIPT.format(watched=WATCHED, argv=["debug", "--format", "json", "config"])
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    *shown, modules = done.stdout.splitlines()
    assert "87" in "".join(shown)  # the ini file was read
    assert "pytest" not in json.loads(modules)[1]


def test_run_imports_no_other_subcommand_and_no_scan_facts_before_a_scan(tmp_path: Path) -> None:
    # `signaltrace run` builds its own parser only; a command that sends nothing needs no scan.
    script = (
        "import json, sys\n"
        "from pytest_signaltrace.cli import main\n"
        f"main({['run', '--', sys.executable, '-c', 'pass']!r})\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    modules = set(json.loads(done.stdout.splitlines()[-1]))
    others = {f"pytest_signaltrace.cli.{name}" for name in ("scan", "report", "diff", "fix")}
    assert "pytest_signaltrace.cli.run" in modules
    assert not modules & others
    assert "pytest_signaltrace.scan.facts" not in modules


def test_the_whole_parser_is_built_for_help(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest_signaltrace", "--help"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    for name in ("scan", "report", "combine", "run", "diff", "fix", "debug"):
        assert name in done.stdout


def test_run_and_its_traced_child_import_neither_wrapt_nor_tomllib(tmp_path: Path) -> None:
    # The wrapper under a pytest.ini reads no TOML and misspells no key; a traced child that
    # imports no signal class with a coroutine send needs neither wrapt (its whole package:
    # asyncio, importlib.metadata) nor uuid (platform) for its fragment's name.
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "signals.py").write_text(SIGNALS)
    child = "import json, sys; print(json.dumps(sorted(sys.modules)))"
    script = (
        "import json, sys\n"
        "from pytest_signaltrace.cli import main\n"
        f"status = main({['run', '--', sys.executable, '-c', child]!r})\n"
        "print(json.dumps([status, sorted(sys.modules)]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    *_, child_line, wrapper_line = done.stdout.splitlines()
    status, wrapper = json.loads(wrapper_line)
    traced = set(json.loads(child_line))
    assert status == 0
    assert "pytest_signaltrace.datafile.child" in traced  # the child was traced
    assert not {"wrapt", "tomllib", "difflib"} & set(wrapper)
    assert not {"wrapt", "uuid", "tomllib"} & traced


SEND = "import signals; signals.place()"


def test_run_writes_its_data_file_without_importing_uuid(tmp_path: Path) -> None:
    # The run id is made without uuid, which imports platform (about 10 M instructions).
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "signals.py").write_text(SIGNALS)
    script = (
        "import json, sys\n"
        "from pytest_signaltrace.cli import main\n"
        f"status = main({['run', '--', sys.executable, '-c', SEND]!r})\n"
        "print(json.dumps([status, sorted(sys.modules)]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    status, wrapper = json.loads(done.stdout.splitlines()[-1])
    assert status == 0
    assert (tmp_path / ".signaltrace").exists()
    assert "pytest_signaltrace.datafile.format" in wrapper
    assert "uuid" not in wrapper
