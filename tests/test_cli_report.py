"""``signaltrace report`` and ``signaltrace combine``: formats, outputs, the gate, clear errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from data_samples import HANDLER, sample_run

from pytest_signaltrace.cli import ExitCode, main
from pytest_signaltrace.datafile.data import DATA_VERSION, RunData, read_data, write_data
from pytest_signaltrace.merge.replay import report_of
from pytest_signaltrace.report import render_text
from pytest_signaltrace.report.cobertura import render_cobertura
from pytest_signaltrace.report.github import render_github_annotations
from pytest_signaltrace.report.json_report import render_json
from pytest_signaltrace.report.lcov import render_lcov
from pytest_signaltrace.report.markdown import render_markdown
from pytest_signaltrace.report.terminal import render_terminal


@pytest.fixture
def run(tmp_path: Path) -> RunData:
    return sample_run(tmp_path / "project")


@pytest.fixture
def datafile(run: RunData, tmp_path: Path) -> Path:
    path = tmp_path / ".signaltrace"
    write_data(path, run)
    return path


def test_report_prints_the_terminal_table_by_default(
    datafile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(datafile)]) == ExitCode.OK
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == [
        "Signal",
        "Receivers",
        "Ran",
        "Sends",
        "Status",
        "Evidence",
    ]
    assert "TOTAL" in out
    assert "50.00%" in out
    assert "Receivers that never ran" not in out


def test_report_reads_dot_signaltrace_in_the_current_folder_by_default(
    datafile: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(datafile.parent)
    assert main(["report", "--format", "term-missing"]) == ExitCode.OK
    assert "shop.signals.on_placed_twice" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("fmt", "render"),
    [
        ("term", lambda r: "".join(f"{line}\n" for line in render_terminal(r))),
        ("json", render_json),
        ("markdown", render_markdown),
        ("github", render_github_annotations),
        ("xml", render_cobertura),
        ("lcov", render_lcov),
    ],
)
def test_each_text_format_is_the_renderer_of_the_rebuilt_report(
    fmt: str,
    render: object,
    run: RunData,
    datafile: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # the XML's timestamp
    output = tmp_path / f"report.{fmt}"
    assert main(["report", str(datafile), "--format", fmt, "-o", str(output)]) == ExitCode.OK
    assert output.read_text() == render(report_of(run))  # type: ignore[operator]
    assert output.read_text() == render_text(report_of(read_data(datafile)), fmt)


def test_the_json_report_shows_the_recorded_calls_and_tests(
    datafile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(datafile), "--format", "json", "-o", "-"]) == ExitCode.OK
    rows = json.loads(capsys.readouterr().out)["receivers"]
    (row,) = (r for r in rows if r["handler"] == HANDLER)
    assert row["calls"] == 1
    assert row["tests"] == ["tests/test_shop.py::test_a"]
    assert row["status"] == "exercised"


def test_html_goes_to_signaltrace_html_by_default(
    datafile: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["report", str(datafile), "--format", "html"]) == ExitCode.OK
    page = (tmp_path / "signaltrace_html" / "index.html").read_text()
    assert HANDLER in page


def test_html_to_stdout_is_a_usage_error(
    datafile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(datafile), "--format", "html", "-o", "-"]) == ExitCode.USAGE
    assert "give --output DIR" in capsys.readouterr().err


def test_fail_under_above_the_total_exits_with_status_1_and_the_fail_line(
    datafile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # coverage's convention: 1 below the threshold, 2 for errors
    assert main(["report", str(datafile), "--fail-under", "60"]) == ExitCode.FAILED == 1
    captured = capsys.readouterr()
    assert "TOTAL" in captured.out
    assert captured.err.splitlines() == [
        "FAIL Required signal receiver coverage of 60% not reached. Total coverage: 50.00%"
    ]


def test_fail_under_fails_over_a_source_file_the_scan_skipped_unless_excluded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "project"
    sample_run(root)  # writes the sample project
    # A receiver the parser cannot read: a candidate the scan skips.
    (root / "shop" / "broken.py").write_text(
        "from django.dispatch import receiver\n\n@receiver(order_placed\ndef f(): pass\n"
    )
    datafile = tmp_path / ".signaltrace"
    write_data(datafile, sample_run(root))
    assert main(["report", str(datafile), "--fail-under", "10", "-o", "-"]) == ExitCode.FAILED
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(
        "FAIL Required signal receiver coverage of 10% could not be checked: the scan skipped "
        "shop/broken.py ("
    )
    write_data(datafile, sample_run(root, exclude=["shop/broken.py"]))
    assert main(["report", str(datafile), "--fail-under", "10", "-o", "-"]) == ExitCode.OK


def test_fail_under_at_or_below_the_total_passes(
    datafile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(datafile), "--fail-under", "50", "-o", "-"]) == ExitCode.OK
    assert capsys.readouterr().err.startswith("Required signal receiver coverage of 50% reached")


def test_fail_under_comes_from_tool_signaltrace_when_not_given(
    datafile: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (datafile.parent / "pyproject.toml").write_text("[tool.signaltrace]\nfail_under = 75\n")
    monkeypatch.chdir(datafile.parent)
    assert main(["report"]) == ExitCode.FAILED
    assert "coverage of 75% not reached" in capsys.readouterr().err
    assert main(["report", "--fail-under", "40"]) == ExitCode.OK, "the option wins"


def test_a_configured_fail_under_that_is_not_a_percent_is_a_usage_error(
    datafile: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (datafile.parent / "pyproject.toml").write_text('[tool.signaltrace]\nfail_under = "most"\n')
    monkeypatch.chdir(datafile.parent)
    assert main(["report"]) == ExitCode.USAGE
    captured = capsys.readouterr()
    assert captured.err == (
        f"signaltrace: error: fail_under in [tool.signaltrace] of {datafile.parent}/pyproject.toml:"
        " 'most' is not a number (a percent from 0 to 100)\n"
    )
    assert captured.out == "", "bad configuration is refused before any report is written"


@pytest.mark.parametrize("value", ["lots", "101", "-1", "50%", "nan"])
def test_fail_under_must_be_a_percent(value: str, datafile: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["report", str(datafile), "--fail-under", value])
    assert exit_info.value.code == ExitCode.USAGE


def test_an_unusable_data_file_is_a_one_line_error_with_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / ".signaltrace"
    path.write_text('{"format": "pytest-signaltrace-data", "version": 99}')
    assert main(["report", str(path)]) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"signaltrace: error: {path} was written by a newer pytest-signaltrace")


def test_a_missing_data_file_says_so_without_a_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest_signaltrace", "report", str(tmp_path / "absent")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == ExitCode.USAGE
    assert result.stderr == f"signaltrace: error: no signal data file {tmp_path / 'absent'}\n"


def test_combine_merges_files_into_the_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_data(tmp_path / "a", sample_run(tmp_path / "p", calls=2, test="test_a"))
    write_data(tmp_path / "b", sample_run(tmp_path / "p", calls=5, test="test_b"))
    output = tmp_path / "combined"
    assert main(["combine", str(tmp_path / "a"), str(tmp_path / "b"), "-o", str(output)]) == 0
    assert capsys.readouterr().out == f"Combined 2 data files into {output}\n"
    report = json.loads(render_json(report_of(read_data(output))))
    (row,) = (r for r in report["receivers"] if r["handler"] == HANDLER)
    assert (row["calls"], row["tests"]) == (7, ["test_a", "test_b"])


def test_combine_writes_dot_signaltrace_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_data(tmp_path / "a", sample_run(tmp_path / "p"))
    monkeypatch.chdir(tmp_path)
    assert main(["combine", "a"]) == ExitCode.OK
    assert read_data(tmp_path / ".signaltrace").trace == read_data(tmp_path / "a").trace


def test_combine_refuses_an_unusable_input_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_data(tmp_path / "a", sample_run(tmp_path / "p"))
    document = json.loads((tmp_path / "a").read_text())
    document["version"] = DATA_VERSION + 1
    (tmp_path / "b").write_text(json.dumps(document))
    output = tmp_path / "out"
    code = main(["combine", str(tmp_path / "a"), str(tmp_path / "b"), "-o", str(output)])
    assert code == ExitCode.USAGE
    assert "was written by a newer pytest-signaltrace" in capsys.readouterr().err
    assert not output.exists()


def test_combine_without_files_or_parallel_data_files_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".signaltrace.json").write_text("{}")  # not a parallel data file's name
    assert main(["combine", "--output", str(tmp_path / ".signaltrace")]) == ExitCode.USAGE
    assert "no data files to combine" in capsys.readouterr().err


def test_run_without_a_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--"]) == ExitCode.USAGE
    assert "no command given" in capsys.readouterr().err


def test_run_of_a_command_that_does_not_exist_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--no-cache", "--", "no-such-command-here"]) == ExitCode.USAGE
    assert "cannot run no-such-command-here" in capsys.readouterr().err
    assert not (tmp_path / ".signaltrace").exists()


def test_signaltrace_file_names_the_default_data_file(
    run: RunData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_data(tmp_path / "elsewhere.data", run)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SIGNALTRACE_FILE", "elsewhere.data")
    assert main(["report"]) == ExitCode.OK  # argparse reads the default when building
    monkeypatch.setenv("SIGNALTRACE_FILE", "missing.data")
    assert main(["report"]) == ExitCode.USAGE


def test_report_takes_coverages_precision_and_sort_options(
    datafile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["report", str(datafile), "--precision", "0", "--sort=-miss", "--fail-under", "50"]
    assert main(argv) == ExitCode.OK
    captured = capsys.readouterr()
    totals = [line for line in captured.out.splitlines() if line.startswith("TOTAL")]
    assert totals[0].endswith(" 50%")
    assert captured.err.strip().endswith("Total coverage: 50%")


def test_report_reads_precision_from_pyproject_and_the_command_line_wins(
    datafile: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(datafile.parent)
    Path("pyproject.toml").write_text("[tool.signaltrace]\nprecision = 1\n")
    assert main(["report", str(datafile)]) == ExitCode.OK
    assert " 50.0%" in capsys.readouterr().out
    assert main(["report", str(datafile), "--precision", "3"]) == ExitCode.OK
    assert " 50.000%" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "toml", "message"),
    [
        (["--sort", "size"], "", "argument --sort: unknown sort key 'size'; choose from name,"),
        (["--precision", "11"], "", "argument --precision: 11 is not between 0 and 10"),
        (
            [],
            'sort = "size"\n',
            "signaltrace: error: sort in [tool.signaltrace] of {root}/pyproject.toml: unknown sort "
            "key",
        ),
    ],
)
def test_report_refuses_a_bad_report_option_naming_it(
    datafile: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    toml: str,
    message: str,
) -> None:
    monkeypatch.chdir(datafile.parent)
    Path("pyproject.toml").write_text("[tool.signaltrace]\n" + toml)
    try:
        status = main(["report", str(datafile), *args])
    except SystemExit as exc:  # argparse refuses a bad value itself
        status = int(exc.code or 0)
    assert status == ExitCode.USAGE
    assert message.format(root=datafile.parent) in capsys.readouterr().err


def test_report_html_links_by_the_template_of_pyproject(
    datafile: Path, run: RunData, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(datafile.parent)
    Path("pyproject.toml").write_text(
        '[tool.signaltrace]\nhtml_link_template = "vscode://file{abspath}:{line}"\n'
    )
    assert main(["report", str(datafile), "--format", "html", "--output", "html"]) == 0
    page = Path("html/index.html").read_text()
    assert f'href="vscode://file{Path(run.rootdir).as_posix()}/' in page


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("tox.ini", "[tox]\nenvlist = py311\n\n[pytest]\n"),
        ("setup.cfg", "[tool:pytest]\n"),
        ("pytest.ini", "[pytest]\n"),
        ("pyproject.toml", "[tool.pytest.ini_options]\n"),
    ],
)
def test_report_reads_the_signaltrace_keys_of_the_pytest_ini_file(
    datafile: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    text: str,
) -> None:
    root = datafile.parent
    keys = ["signaltrace_precision = 1", "signaltrace_fail_under = 75"]
    if name == "pyproject.toml":
        keys = ['signaltrace_precision = "1"', "signaltrace_fail_under = 75"]
    (root / name).write_text(text + "\n".join(keys) + "\n")
    (root / "app").mkdir()
    monkeypatch.chdir(root / "app")  # pytest's search: upwards from the current folder
    assert main(["report"]) == ExitCode.FAILED
    captured = capsys.readouterr()
    total = next(line for line in captured.out.splitlines() if line.startswith("TOTAL"))
    assert total.endswith(" 50.0%")
    assert captured.err == (
        "FAIL Required signal receiver coverage of 75% not reached. Total coverage: 50.0%\n"
    )


def test_the_ini_file_wins_over_pyproject_and_the_options_over_both(
    datafile: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(datafile.parent)
    Path("pyproject.toml").write_text("[tool.signaltrace]\nprecision = 3\nfail_under = 40\n")
    Path("tox.ini").write_text("[pytest]\nsignaltrace_precision = 1\n")
    assert main(["report"]) == ExitCode.OK
    captured = capsys.readouterr()
    assert " 50.0%" in captured.out
    assert "Required signal receiver coverage of 40% reached" in captured.err
    assert main(["report", "--precision", "0", "--fail-under", "60"]) == ExitCode.FAILED
    assert " 50%" in capsys.readouterr().out


def test_a_bad_value_in_the_ini_file_is_exit_status_2_naming_the_key_and_the_file(
    datafile: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(datafile.parent)
    Path("setup.cfg").write_text("[tool:pytest]\nsignaltrace_skip_covered = sometimes\n")
    assert main(["report"]) == ExitCode.USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"signaltrace: error: signaltrace_skip_covered in {datafile.parent / 'setup.cfg'}: "
        "invalid truth value 'sometimes'\n"
    )


def test_report_reads_the_configured_data_file(
    run: RunData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_data(tmp_path / "build" / "signals.data", run)
    (tmp_path / "tox.ini").write_text("[pytest]\nsignaltrace_data_file = build/signals.data\n")
    monkeypatch.chdir(tmp_path)
    assert main(["report"]) == ExitCode.OK
    (tmp_path / "tox.ini").write_text("[pytest]\nsignaltrace_data_file = build/other.data\n")
    assert main(["report"]) == ExitCode.USAGE


def test_report_when_the_configuration_writes_no_data_file_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.signaltrace]\ndata_file = false\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SIGNALTRACE_FILE", raising=False)
    assert main(["report"]) == ExitCode.USAGE
    assert capsys.readouterr().err == (
        f"signaltrace: error: data_file in [tool.signaltrace] of {tmp_path / 'pyproject.toml'}: "
        "no data file (empty or false); name the data file to use\n"
    )
