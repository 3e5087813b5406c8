"""``signaltrace run -- COMMAND``: Django's own runner and ``python -m unittest``, traced in a
child process, give the data file (and the receivers) that pytest would."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from e2e_project import DjangoProject

EXAMPLE = Path(__file__).resolve().parents[2] / "example_project"

RECEIVERS = """
from django.dispatch import receiver

from shop.signals import order_placed, order_refunded


@receiver(order_placed)
def notify_warehouse(sender, **kwargs):
    pass


@receiver(order_refunded)
def confirm_refund(sender, **kwargs):
    pass
"""

SERVICES = """
from shop.signals import order_placed


def place_order(channel):
    order_placed.send(sender=channel)
"""

SETUP = """
import os
import subprocess
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
import django

django.setup()
"""

UNIT_TESTS = (
    SETUP
    + """
import unittest

from shop.services import place_order


class PlaceTests(unittest.TestCase):
    def test_place(self):
        place_order("web")

    def test_nothing(self):
        pass

    @unittest.skipUnless(os.environ.get("FAIL_ONE"), "only when asked")
    def test_failing(self):
        self.fail("asked to")
"""
)

#: Places an order, and with ``--spawn`` runs itself again in a new Python process.
PLACE = (
    SETUP
    + """
from shop.services import place_order

place_order("web")
if sys.argv[1:] == ["--spawn"]:
    subprocess.run([sys.executable, "place.py"], check=True)
if sys.argv[1:] == ["--os-exit"]:
    os._exit(0)
"""
)


@pytest.fixture
def project(django_project: DjangoProject) -> Path:
    django_project.write(
        **{
            "shop/receivers": RECEIVERS,
            "shop/services": SERVICES,
            "test_units": UNIT_TESTS,
            "place": PLACE,
        }
    )
    return django_project.pytester.path


def signaltrace(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the ``signaltrace`` command line in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "pytest_signaltrace", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **env},
    )


def report_of(datafile: Path) -> dict[str, Any]:
    """The JSON report rendered from a data file by ``signaltrace report``."""
    result = signaltrace("report", str(datafile), "--format", "json", cwd=datafile.parent)
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def receiver(report: dict[str, Any], handler: str) -> dict[str, Any]:
    (row,) = (r for r in report["receivers"] if r["handler"].endswith(handler))
    return dict(row)


def exercised(report: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The receiver rows that ran: signal, handler, place and calls (not the test ids)."""
    return sorted(
        (r["signal"], r["handler"], r["path"], r["line"], r["calls"])
        for r in report["receivers"]
        if r["calls"]
    )


#: ``signaltrace run``'s two ways of running a command of this Python: in its own process (the
#: default, ``inprocess.py``) and in a child process, as any other command.
RUN_MODES = pytest.mark.parametrize("mode", [[], ["--subprocess"]], ids=["in-process", "child"])


@RUN_MODES
def test_django_test_runner_exercises_the_same_receivers_as_pytest(
    tmp_path: Path, mode: list[str]
) -> None:
    pytest_json = tmp_path / "pytest.json"
    by_pytest = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--signal-report=json:{pytest_json}",
            f"--signal-data-file={tmp_path / 'pytest.signaltrace'}",
            "shop/test_checkout.py",
        ],
        cwd=EXAMPLE,
        capture_output=True,
        text=True,
        check=False,
    )
    assert by_pytest.returncode == 0, by_pytest.stdout
    datafile = tmp_path / "django.signaltrace"
    by_django = signaltrace(
        "run",
        *mode,
        "--no-cache",
        "--data-file",
        str(datafile),
        "--",
        sys.executable,
        "manage.py",
        "test",
        "shop.test_checkout",
        cwd=EXAMPLE,
    )
    assert by_django.returncode == 0, by_django.stderr
    assert "Ran 4 tests" in by_django.stderr
    django_report = report_of(datafile)
    pytest_report = json.loads(pytest_json.read_text())
    assert exercised(django_report) == exercised(pytest_report)
    assert len(exercised(django_report)) >= 12
    assert django_report["summary"] == pytest_report["summary"]
    # The same test, named the way each runner names it.
    assert receiver(django_report, "count_login")["tests"] == [
        "shop.test_checkout.LoginTests.test_logging_in_is_counted"
    ]
    assert receiver(pytest_report, "count_login")["tests"] == [
        "shop/test_checkout.py::LoginTests::test_logging_in_is_counted"
    ]


@RUN_MODES
def test_python_m_unittest_is_traced_with_unittest_test_ids(project: Path, mode: list[str]) -> None:
    result = signaltrace(
        "run", *mode, "--", sys.executable, "-m", "unittest", "test_units", cwd=project
    )
    assert result.returncode == 0, result.stderr
    assert "OK (skipped=1)" in result.stderr
    report = report_of(project / ".signaltrace")
    warehouse = receiver(report, "notify_warehouse")
    assert warehouse["calls"] == 1
    assert warehouse["tests"] == ["test_units.PlaceTests.test_place"]
    assert receiver(report, "confirm_refund")["status"] == "dead"
    assert report["summary"]["receivers"] == {"total": 2, "exercised": 1, "percent": 50.0}


@RUN_MODES
def test_the_commands_exit_status_is_kept_and_the_data_is_still_written(
    project: Path, mode: list[str]
) -> None:
    result = signaltrace(
        "run", *mode, "--", sys.executable, "-m", "unittest", "test_units",
        cwd=project, FAIL_ONE="1",
    )  # fmt: skip
    assert result.returncode == 1
    assert "FAILED (failures=1)" in result.stderr
    assert receiver(report_of(project / ".signaltrace"), "notify_warehouse")["calls"] == 1


@RUN_MODES
def test_every_python_process_of_the_command_is_recorded(project: Path, mode: list[str]) -> None:
    result = signaltrace("run", *mode, "--", sys.executable, "place.py", "--spawn", cwd=project)
    assert result.returncode == 0, result.stderr
    assert receiver(report_of(project / ".signaltrace"), "notify_warehouse")["calls"] == 2


def test_a_child_process_that_ends_with_os_exit_is_not_recorded_and_says_so(
    project: Path,
) -> None:
    result = signaltrace(
        "run", "--subprocess", "--", sys.executable, "place.py", "--os-exit", cwd=project
    )
    assert result.returncode == 0
    assert "no Python process of the command was traced" in result.stderr
    assert ".signaltrace left as it was" in result.stderr
    assert not (project / ".signaltrace").exists()


def test_a_program_run_in_process_that_ends_with_os_exit_is_recorded(project: Path) -> None:
    result = signaltrace("run", "--", sys.executable, "place.py", "--os-exit", cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[-1] == "Wrote signal data to .signaltrace"
    assert receiver(report_of(project / ".signaltrace"), "notify_warehouse")["calls"] == 1


def test_a_run_that_traced_nothing_leaves_the_old_data_file_alone(project: Path) -> None:
    first = signaltrace("run", "--", sys.executable, "place.py", cwd=project)
    assert first.returncode == 0, first.stderr
    assert first.stderr.splitlines()[-1] == "Wrote signal data to .signaltrace"
    before = (project / ".signaltrace").read_bytes()
    # Python without Django: the sitecustomize runs, but no signal machinery is ever set up.
    result = signaltrace("run", "--", sys.executable, "-c", "print('hi')", cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "hi\n"
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    assert warnings == [
        "signaltrace: warning: the command sent no signal and connected no receiver "
        "(another Python, or Django/Celery never set up?); .signaltrace left as it was"
    ]
    assert "Wrote signal data" not in result.stderr
    assert (project / ".signaltrace").read_bytes() == before


def test_parallel_runs_write_files_of_their_own_that_a_bare_combine_adds_up(
    project: Path,
) -> None:
    (project / "pyproject.toml").write_text("[tool.signaltrace]\nparallel = true\n")
    for _ in range(2):
        result = signaltrace("run", "--", sys.executable, "place.py", cwd=project)
        assert result.returncode == 0, result.stderr
        assert re.fullmatch(
            r"Wrote signal data to \.signaltrace\.[^ ]+\.\d+\.\d{6}", result.stderr.splitlines()[-1]
        )
    parts = sorted(project.glob(".signaltrace.*"))
    assert len(parts) == 2
    assert not (project / ".signaltrace").exists()
    combined = signaltrace("combine", "--keep", cwd=project)
    assert combined.returncode == 0, combined.stderr
    assert combined.stdout == "Combined 2 data files into .signaltrace\n"
    assert sorted(project.glob(".signaltrace.*")) == parts
    assert receiver(report_of(project / ".signaltrace"), "notify_warehouse")["calls"] == 2
    again = signaltrace("combine", cwd=project)
    assert again.returncode == 0, again.stderr
    assert list(project.glob(".signaltrace.*")) == []
    assert receiver(report_of(project / ".signaltrace"), "notify_warehouse")["calls"] == 2
    nothing = signaltrace("combine", cwd=project)
    assert nothing.returncode == 2
    assert "no data files to combine" in nothing.stderr


def test_an_existing_sitecustomize_still_runs(project: Path) -> None:
    custom = project / "custom"
    custom.mkdir()
    (custom / "sitecustomize.py").write_text("import os\nos.environ['CUSTOMIZED'] = 'yes'\n")
    show = "import os, sitecustomize; print(os.environ.get('CUSTOMIZED'), sitecustomize.__file__)"
    result = signaltrace(
        "run", "--data-file", "custom.signaltrace", "--", sys.executable, "-c", show,
        cwd=project,
        PYTHONPATH=str(custom),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["yes", str(custom / "sitecustomize.py")]
    assert "was traced" not in result.stderr
    # Traced, but nothing happened there (no Django): nothing written, anywhere.
    assert "custom.signaltrace left as it was" in result.stderr
    assert not (project / "custom.signaltrace").exists()
    assert not (project / ".signaltrace").exists()


@pytest.mark.parametrize("where", ["pyproject", "pytest.ini"])
def test_sources_and_the_data_file_come_from_the_configuration(project: Path, where: str) -> None:
    if where == "pyproject":
        (project / "pyproject.toml").write_text(
            '[tool.signaltrace]\nsource = ["shop"]\ndata_file = "out/signals.data"\n'
            'exclude = ["*.confirm_refund"]\n'
        )
    else:  # the pytest run's ini file, as pytest reads it
        with (project / "pytest.ini").open("a") as ini:
            ini.write(
                "signaltrace_source = shop\nsignaltrace_data_file = out/signals.data\n"
                "signaltrace_exclude = *.confirm_refund\n"
            )
    result = signaltrace("run", "--", sys.executable, "place.py", cwd=project)
    assert result.returncode == 0, result.stderr
    report = report_of(project / "out" / "signals.data")
    assert receiver(report, "confirm_refund")["excluded"] is True
    assert report["summary"]["receivers"] == {"total": 1, "exercised": 1, "percent": 100.0}
