"""The data file of a traced pytest run: where it goes, and that ``signaltrace report`` renders
from it exactly the report the run printed; ``signaltrace combine`` of shards equals one run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import django
import pytest
from e2e_project import DjangoProject, signaltrace

EXAMPLE = Path(__file__).resolve().parents[2] / "example_project"

RECEIVERS = """
from django.dispatch import receiver

from shop.signals import order_placed, order_refunded, order_shipped


@receiver(order_placed)
def notify_warehouse(sender, **kwargs):
    pass


@receiver([order_placed, order_shipped], dispatch_uid="notify-customer")
def notify_customer(sender, **kwargs):
    pass


@receiver(order_refunded)
def confirm_refund(sender, **kwargs):
    pass
"""

TESTS = """
import pytest

from shop.signals import order_placed, order_shipped


@pytest.mark.parametrize("channel", ["web", "app"])
def test_place(channel):
    order_placed.send(sender=channel)


def test_ship():
    seen = []

    def spy(sender, **kwargs):
        seen.append(sender)

    order_shipped.connect(spy)
    try:
        order_shipped.send(sender="web")
    finally:
        order_shipped.disconnect(spy)
    assert seen == ["web"]
"""


@pytest.fixture
def project(django_project: DjangoProject) -> DjangoProject:
    django_project.write(**{"shop/receivers": RECEIVERS, "test_shop": TESTS})
    return django_project


def rendered(datafile: Path, fmt: str = "json") -> str:
    result = signaltrace("report", str(datafile), "--format", fmt, cwd=datafile.parent)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("xdist", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_the_report_from_the_data_file_equals_the_one_the_run_wrote(
    project: DjangoProject, xdist: tuple[str, ...]
) -> None:
    result, _ = project.run_json("--signal-report=term-missing", *xdist)
    result.assert_outcomes(passed=3)
    datafile = project.pytester.path / ".signaltrace"
    assert rendered(datafile) == (project.pytester.path / "report.json").read_text()
    terminal = rendered(datafile, "term-missing").splitlines()
    start = next(i for i, line in enumerate(result.outlines) if line.startswith("Signal "))
    assert result.outlines[start : start + len(terminal)] == terminal


@pytest.mark.parametrize(
    ("option", "ini", "pyproject", "expected"),
    [
        (None, None, None, ".signaltrace"),
        ("--signal-data-file=data/run.signaltrace", None, None, "data/run.signaltrace"),
        (None, "signaltrace_data_file = ini.signaltrace", None, "ini.signaltrace"),
        (None, None, 'data_file = "toml.signaltrace"', "toml.signaltrace"),
        ("--signal-data-file=", None, None, None),
        (None, None, 'data_file = ""', None),
        (None, None, "data_file = false", None),
    ],
)
def test_where_the_data_file_goes(
    project: DjangoProject,
    option: str | None,
    ini: str | None,
    pyproject: str | None,
    expected: str | None,
) -> None:
    if ini:
        project.ini(ini)
    if pyproject:
        (project.pytester.path / "pyproject.toml").write_text(f"[tool.signaltrace]\n{pyproject}\n")
    result = project.run("--signal-report", *([option] if option else []))
    result.assert_outcomes(passed=3)
    root = project.pytester.path
    written = sorted(str(p.relative_to(root)) for p in root.rglob("*signaltrace"))
    assert written == ([expected] if expected else [])


def test_a_data_file_that_cannot_be_written_is_a_note_not_a_failure(
    project: DjangoProject,
) -> None:
    result = project.run("--signal-report", "--signal-data-file=settings.py/data")
    result.assert_outcomes(passed=3)
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        ["pytest-signaltrace: cannot write the data file */settings.py/data*"]
    )


def pytest_in_example(*args: str) -> None:
    ran = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--no-migrations", *args],
        cwd=EXAMPLE,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr


def test_combining_two_shards_of_the_example_gives_the_report_of_one_full_run(
    tmp_path: Path,
) -> None:
    """Shards must be picked like a CI matrix picks them, by whole files, and two things would
    otherwise differ from a single run, for reasons that are not the combiner's:

    * per-process database setup: applying migrations saves one ``Migration`` row per
      migration, each a ``post_save`` (18 here) in every process; ``--no-migrations`` creates
      the tables without them, so the ``post_save`` send counts match exactly;
    * ``shop/tests.py`` connects a test-only receiver when it is imported, and it then runs
      for every ``order_placed`` of the process, including the notification tests'; so those
      tests go in the same shard as ``shop/tests.py``.
    """
    pytest_in_example(
        f"--signal-report=json:{tmp_path / 'full.json'}",
        f"--signal-data-file={tmp_path / 'full.signaltrace'}",
    )
    pytest_in_example(
        f"--signal-data-file={tmp_path / 'shard1.signaltrace'}",
        "--signal-report=json:-",
        "shop/tests.py",
        "shop/test_checkout.py",
        "notifications/tests.py",
    )
    pytest_in_example(
        f"--signal-data-file={tmp_path / 'shard2.signaltrace'}",
        "--signal-report=json:-",
        "accounts/tests.py",
        "flaskshop",
    )
    combined = tmp_path / "combined.signaltrace"
    result = signaltrace(
        "combine", "shard1.signaltrace", "shard2.signaltrace", "-o", str(combined), cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    full: dict[str, Any] = json.loads((tmp_path / "full.json").read_text())
    assert json.loads(rendered(combined)) == full
    # example_project connects its async receiver only from Django 5.0 on (4 of the 22 are the
    # Flask shop's).
    assert full["summary"]["receivers"]["exercised"] == (22 if django.VERSION >= (5, 0) else 21)
    assert rendered(combined) == rendered(tmp_path / "full.signaltrace")
