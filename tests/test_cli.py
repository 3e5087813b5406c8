"""The ``signaltrace scan`` command line: formats, output files, exit statuses, errors."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pytest_signaltrace.cli import ExitCode, main

SIGNALS = """\
from django.dispatch import Signal, receiver

order_placed = Signal()


@receiver(order_placed)
def on_placed(sender, **kwargs):
    pass


def place():
    order_placed.send(sender=None)
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")
    (tmp_path / "shop" / "signals.py").write_text(SIGNALS)
    return tmp_path


def test_scan_prints_markdown_by_default(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(project), "--no-cache"]) == ExitCode.OK
    out = capsys.readouterr().out
    assert out.startswith("# Signal Usage Analysis")
    assert "### `shop.signals.order_placed`" in out


def test_scan_writes_json_to_a_file(project: Path, tmp_path: Path) -> None:
    output = tmp_path / "map.json"
    assert main(["scan", str(project), "--format", "json", "-o", str(output), "--no-cache"]) == 0
    data = json.loads(output.read_text())
    assert data["format"] == 1
    assert [r["handler"] for r in data["receivers"]] == ["shop.signals.on_placed"]
    assert [(s["signal"], s["line"]) for s in data["senders"]] == [
        ("shop.signals.order_placed", 12)
    ]
    assert not list(tmp_path.glob(".signaltrace-*")), "no temporary file is left behind"


def test_a_missing_path_is_a_one_line_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", str(tmp_path / "nope")]) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [
        f"signaltrace: error: path does not exist: {tmp_path / 'nope'}"
    ]


def test_a_file_instead_of_a_folder_is_a_usage_error(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", str(project / "shop" / "signals.py")]) == ExitCode.USAGE
    assert "not a folder" in capsys.readouterr().err


def test_an_unknown_format_is_a_usage_error(project: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["scan", str(project), "--format", "xml"])
    assert exc.value.code == ExitCode.USAGE


def test_skipped_files_are_listed_on_stderr_and_the_scan_succeeds(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "shop" / "broken.py").write_text("order_placed.send(\n")
    assert main(["scan", str(project), "--no-cache"]) == ExitCode.OK
    captured = capsys.readouterr()
    assert "signaltrace: skipped shop/broken.py: syntax error" in captured.err
    assert "shop/broken.py" in captured.out


def test_the_default_cache_lives_in_pytest_cache_and_is_git_ignored(project: Path) -> None:
    assert main(["scan", str(project), "-o", str(project / "out.md")]) == 0
    cache = project / ".pytest_cache"
    assert (cache / "d" / "signaltrace").is_dir()
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"


def test_the_cache_dir_option_is_used(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    assert (
        main(["scan", str(project), "--cache-dir", str(cache), "-o", str(tmp_path / "a.md")]) == 0
    )
    assert list(cache.rglob("*.json"))
    assert not (project / ".pytest_cache").exists()


@pytest.mark.slow
def test_the_console_script_and_module_run(project: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest_signaltrace", "scan", str(project), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["files_scanned"] == 2


def test_package_roots_name_namespace_packages(tmp_path: Path) -> None:
    src = tmp_path / "src" / "ns" / "shop"
    src.mkdir(parents=True)
    (src / "signals.py").write_text(textwrap.dedent(SIGNALS))
    output = tmp_path / "map.json"
    code = main(
        [
            "scan",
            str(tmp_path),
            "--package-root",
            str(tmp_path / "src"),
            "--format",
            "json",
            "-o",
            str(output),
            "--no-cache",
        ]
    )
    assert code == 0
    assert (
        json.loads(output.read_text())["definitions"][0]["signal"] == "ns.shop.signals.order_placed"
    )


@pytest.mark.slow
def test_a_reader_that_stops_early_gets_no_traceback(project: Path) -> None:
    # `signaltrace debug config | head`: here the reader is gone before the first write
    script = f"(sleep 0.3; {sys.executable} -m pytest_signaltrace debug config) | true"
    result = subprocess.run(
        script, shell=True, capture_output=True, text=True, check=False, cwd=project
    )
    assert "Traceback" not in result.stderr
    assert "BrokenPipeError" not in result.stderr
