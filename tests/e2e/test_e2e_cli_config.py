"""``signaltrace report`` after a pytest run reads the run's own configuration: the
``signaltrace_*`` keys of tox.ini, setup.cfg or pytest.ini, found from the current folder
upwards as pytest finds them; ``signaltrace debug config`` shows each setting and its source."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from e2e_project import TWO_OF_THREE_RECEIVERS, TWO_OF_THREE_TESTS, DjangoProject, signaltrace

#: The pytest section of every kind of ini file: the project's, then the signal settings.
CONFIG = """\
DJANGO_SETTINGS_MODULE = settings
pythonpath = .
signaltrace_report = term
signaltrace_precision = 1
signaltrace_skip_covered = true
signaltrace_fail_under = 70
signaltrace_data_file = build/signals.data
"""

KINDS = ["tox.ini", "setup.cfg", "pytest.ini"]


def configure(project: DjangoProject, kind: str, config: str = CONFIG) -> Path:
    """Replace the project's pytest.ini by ``config`` in a file of ``kind``; returns it."""
    root = project.pytester.path
    (root / "pytest.ini").unlink(missing_ok=True)
    section = "tool:pytest" if kind == "setup.cfg" else "pytest"
    path = root / kind
    path.write_text(f"[{section}]\n{config}")
    return path


@pytest.fixture
def project(django_project: DjangoProject) -> DjangoProject:
    django_project.write(
        **{"shop/receivers": TWO_OF_THREE_RECEIVERS, "test_shop": TWO_OF_THREE_TESTS}
    )
    return django_project


def _report_lines(lines: list[str]) -> list[str]:
    """The terminal report: from its header to its send sites line."""
    start = next(i for i, line in enumerate(lines) if line.startswith("Signal "))
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("Send sites:"))
    return lines[start : end + 1]


@pytest.mark.parametrize("kind", KINDS)
def test_report_after_the_run_uses_the_runs_ini_file_as_the_run_did(
    project: DjangoProject, kind: str
) -> None:
    configure(project, kind)
    root = project.pytester.path
    run = project.run("-k", "refund")
    run.assert_outcomes(passed=1)
    assert run.ret == pytest.ExitCode.TESTS_FAILED, "2 of 3 ran: 66.7% is below 70"
    fail_line = "FAIL Required signal receiver coverage of 70% not reached. Total coverage: 66.7%"
    assert fail_line in run.stdout.lines
    run_report = _report_lines(run.stdout.lines)
    assert "1 signal skipped due to complete coverage." in run_report
    assert any(line.startswith("TOTAL") and line.endswith(" 66.7%") for line in run_report)
    assert (root / "build" / "signals.data").is_file()

    # From a subfolder, naming no data file and no option: the run's file and settings.
    report = signaltrace("report", cwd=root / "shop")
    assert report.returncode == 1, report.stderr
    assert _report_lines(report.stdout.splitlines()) == run_report
    assert report.stderr == fail_line + "\n"
    assert signaltrace("report", "--fail-under", "60", cwd=root).returncode == 0


@pytest.mark.parametrize("kind", KINDS)
def test_debug_config_shows_the_runs_settings_and_their_file(
    project: DjangoProject, kind: str
) -> None:
    ini = configure(project, kind)
    root = project.pytester.path
    (root / "pyproject.toml").write_text('[tool.signaltrace]\nprecision = 3\nsort = "-miss"\n')
    result = signaltrace("debug", "config", cwd=root / "shop")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:2] == [f"ini file: {ini}", f"rootdir: {root}"]
    found: dict[str, tuple[str, str]] = {}
    for line in lines[2:]:
        assignment, origin = line.split("  # ", 1)
        key, value = assignment.strip().split(" = ", 1)
        found[key] = (value, origin)
    assert found["precision"] == ("1", f"signaltrace_precision in {ini}")
    assert found["fail_under"] == ("70.0", f"signaltrace_fail_under in {ini}")
    assert found["data_file"] == ('"build/signals.data"', f"signaltrace_data_file in {ini}")
    assert found["sort"] == ('"-miss"', f"sort in [tool.signaltrace] of {root / 'pyproject.toml'}")
    assert found["append"] == ("false", "default")
    as_json = json.loads(signaltrace("debug", "config", "--format", "json", cwd=root).stdout)
    assert as_json["settings"]["skip_covered"] == {
        "value": True,
        "from": f"signaltrace_skip_covered in {ini}",
    }


def test_a_bad_value_in_tox_ini_stops_the_run_and_the_report_with_the_same_line(
    project: DjangoProject,
) -> None:
    ini = configure(project, "tox.ini", CONFIG + "signaltrace_append = maybe\n")
    message = f"signaltrace_append in {ini}: invalid truth value 'maybe'"
    run = project.run()
    assert run.ret == pytest.ExitCode.USAGE_ERROR
    assert f"ERROR: {message}" in run.stderr.lines
    for command in (["report"], ["debug", "config"], ["combine"]):
        result = signaltrace(*command, cwd=project.pytester.path)
        assert (result.returncode, result.stderr) == (2, f"signaltrace: error: {message}\n")


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def test_combine_and_diff_use_the_data_file_parallel_and_diff_settings_of_setup_cfg(
    project: DjangoProject,
) -> None:
    configure(
        project,
        "setup.cfg",
        "DJANGO_SETTINGS_MODULE = settings\npythonpath = .\nsignaltrace_report =\n"
        "signaltrace_data_file = build/signals.data\nsignaltrace_parallel = true\n"
        "signaltrace_diff_compare_branch = main\nsignaltrace_diff_fail_under = 50\n",
    )
    root = project.pytester.path
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "base")
    _git(root, "checkout", "-q", "-b", "feature")
    project.write(
        **{
            "shop/receivers": TWO_OF_THREE_RECEIVERS
            + "\n\n@receiver(order_refunded)\ndef on_refunded_late(sender, **kwargs):\n    pass\n"
        }
    )
    _git(root, "commit", "-q", "-am", "one more receiver")
    project.run("--signal-report=", "-k", "place").assert_outcomes(passed=1)
    project.run("--signal-report=", "-k", "place").assert_outcomes(passed=1)
    assert len(list((root / "build").glob("signals.data.*"))) == 2, "parallel = true"

    combined = signaltrace("combine", cwd=root / "shop")
    assert combined.returncode == 0, combined.stderr
    assert combined.stdout == f"Combined 2 data files into {root / 'build' / 'signals.data'}\n"
    assert list((root / "build").glob("signals.data.*")) == []

    # The run's diff gate: compared with main, 50% asked for, none of the change ran.
    diff = signaltrace("diff", cwd=root / "shop")
    assert diff.returncode == 1, diff.stderr
    assert "shop.receivers.on_refunded_late" in diff.stdout
    assert diff.stderr.startswith("FAIL Required diff signal coverage of 50% not reached.")
    assert signaltrace("diff", "--fail-under=0", cwd=root / "shop").returncode == 0
