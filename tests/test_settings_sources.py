"""One resolution of the settings for the pytest run (``read_settings`` of a pytest Config) and
for the ``signaltrace`` subcommands (``FileSource``: the files pytest would find): the same
values, the same precedence, the same one-line errors naming the key and the file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pytest_signaltrace.settings import (
    TABLE_KEYS,
    ConfigError,
    FileSource,
    Settings,
    effective_settings,
    resolve_settings,
)
from pytest_signaltrace.settings.ini import locate_ini_file
from pytest_signaltrace.settings.pytest_config import read_settings

#: Settings that leave tracing off: a Config parsed in this process must not start a trace.
INI_KEYS = """\
signaltrace_source = src
signaltrace_exclude =
    shop.legacy.*
    */migrations/*
signaltrace_package_roots = src
signaltrace_data_file = build/signals.data
signaltrace_skip_covered = true
signaltrace_precision = 1
signaltrace_sort = -miss
signaltrace_html_link_template = vscode://file{abspath}:{line}
signaltrace_append = false
signaltrace_parallel = true
"""
PYPROJECT_TABLE = """
[tool.signaltrace]
append = true
precision = 3
sort = "cover"
exclude = ["ignored.*"]
"""


#: ``INI_KEYS`` as ``[tool.pytest.ini_options]`` (scalars pytest turns into strings).
INI_OPTIONS = """\
[tool.pytest.ini_options]
signaltrace_source = "src"
signaltrace_exclude = ["shop.legacy.*", "*/migrations/*"]
signaltrace_package_roots = ["src"]
signaltrace_data_file = "build/signals.data"
signaltrace_skip_covered = true
signaltrace_precision = 1
signaltrace_sort = "-miss"
signaltrace_html_link_template = "vscode://file{abspath}:{line}"
signaltrace_append = false
signaltrace_parallel = true
"""


def write_ini(root: Path, kind: str) -> Path:
    """Write :data:`INI_KEYS` as the pytest section of a file of ``kind``, and
    :data:`PYPROJECT_TABLE`; returns the ini file."""
    if kind == "pyproject.toml":
        text = INI_OPTIONS
    else:
        text = "[{}]\n{}".format({"setup.cfg": "tool:pytest"}.get(kind, "pytest"), INI_KEYS)
    (root / "pyproject.toml").write_text(PYPROJECT_TABLE)
    path = root / kind
    with path.open("a") as handle:
        handle.write(text)
    return path


def cli_settings(
    folder: Path, options: dict[str, tuple[str, Any]] | None = None, *, scans: bool = False
) -> Settings:
    """The settings ``signaltrace report`` resolves when started in ``folder``."""
    return resolve_settings(FileSource(locate_ini_file(folder), options or {}), scans=scans)


def plugin_settings(pytester: pytest.Pytester) -> Settings:
    """The settings a pytest run started in ``pytester.path`` resolves."""
    return read_settings(pytester.parseconfig())


@pytest.fixture(autouse=True)
def _no_data_file_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SIGNALTRACE_FILE", raising=False)


Resolve = Callable[[pytest.Pytester], Settings]
BOTH: list[Resolve] = [plugin_settings, lambda pytester: cli_settings(pytester.path)]


@pytest.mark.parametrize("kind", ["tox.ini", "setup.cfg", "pytest.ini", "pyproject.toml"])
def test_the_run_and_the_command_line_resolve_the_same_settings(
    pytester: pytest.Pytester, kind: str
) -> None:
    ini = write_ini(pytester.path, kind)
    (pytester.path / "shop").mkdir()
    run = plugin_settings(pytester)
    command_line = cli_settings(pytester.path / "shop")  # from a subfolder too
    assert command_line == run
    assert command_line.origins == run.origins
    root = pytester.path
    assert run.sources == (root / "src",)
    assert run.package_roots == (root / "src",)
    assert run.exclude == ("shop.legacy.*", "*/migrations/*")
    assert run.data_file == root / "build" / "signals.data"
    options = run.report_options
    assert (options.precision, options.sort, options.skip_covered) == (1, "-miss", True)
    assert options.link_template == "vscode://file{abspath}:{line}"
    assert (run.append, run.parallel) == (False, True), "the ini file's false beats pyproject's"
    assert run.origins["precision"] == f"signaltrace_precision in {ini}"
    assert run.origins["fail_under"] == "default"


# (strict is left out: true switches tracing on, which a Config parsed in this process must not;
# tests/e2e/test_e2e_strict.py runs it.)
@pytest.mark.parametrize("key", ["append", "parallel", "skip_covered"])
@pytest.mark.parametrize("resolve", BOTH, ids=["plugin", "cli"])
def test_a_false_in_the_ini_file_turns_off_a_true_in_pyproject(
    pytester: pytest.Pytester, key: str, resolve: Resolve
) -> None:
    pytester.makepyprojecttoml(f"[tool.signaltrace]\n{key} = true\n")
    before = resolve(pytester)
    assert effective_settings(before, pytester.path)[key] is True
    pytester.makeini(f"[pytest]\nsignaltrace_{key} = false\n")
    settings = resolve(pytester)
    assert effective_settings(settings, pytester.path)[key] is False
    assert settings.origins[key] == f"signaltrace_{key} in {pytester.path / 'tox.ini'}"


def test_the_subcommands_options_win_over_the_ini_file(tmp_path: Path) -> None:
    (tmp_path / "tox.ini").write_text(
        "[pytest]\nsignaltrace_fail_under = 80\nsignaltrace_precision = 1\n"
    )
    settings = cli_settings(
        tmp_path, {"fail_under": ("--fail-under", 0.0), "precision": ("--precision", 0)}
    )
    assert (settings.fail_under, settings.report_options.precision) == (0.0, 0)
    assert settings.origins["fail_under"] == "--fail-under"
    assert settings.origins["precision"] == "--precision"
    plain = cli_settings(tmp_path)
    assert (plain.fail_under, plain.report_options.precision) == (80.0, 1)


def test_the_data_file_the_option_then_the_environment_then_the_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "setup.cfg").write_text("[tool:pytest]\nsignaltrace_data_file = build/d\n")
    start = tmp_path / "sub"
    start.mkdir()
    ini = f"signaltrace_data_file in {tmp_path / 'setup.cfg'}"
    assert cli_settings(start).data_file == tmp_path / "build" / "d", "relative to the rootdir"
    assert cli_settings(start).origins["data_file"] == ini
    monkeypatch.setenv("SIGNALTRACE_FILE", "env.data")
    settings = cli_settings(start)
    assert (settings.data_file, settings.origins["data_file"]) == (
        start / "env.data",
        "$SIGNALTRACE_FILE",
    )
    settings = cli_settings(start, {"data_file": ("DATAFILE", "given.data")})
    assert (settings.data_file, settings.origins["data_file"]) == (start / "given.data", "DATAFILE")


def test_every_setting_says_where_it_came_from(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.signaltrace]\nsort = "miss"\n')
    settings = cli_settings(tmp_path)
    assert set(settings.origins) == set(TABLE_KEYS)
    assert set(effective_settings(settings, tmp_path)) == set(TABLE_KEYS)
    pyproject = tmp_path / "pyproject.toml"
    assert settings.origins["sort"] == f"sort in [tool.signaltrace] of {pyproject}"
    assert {settings.origins[key] for key in TABLE_KEYS if key != "sort"} == {"default"}


@pytest.mark.parametrize(
    ("kind", "keys", "problem"),
    [
        ("tox.ini", "signaltrace_append = maybe", "invalid truth value 'maybe'"),
        ("setup.cfg", "signaltrace_precision = two", "'two' is not an integer"),
        ("pytest.ini", "signaltrace_sort = size", "unknown sort key 'size'"),
        ("tox.ini", "signaltrace_fail_under = 50%", "'50%' is not a number"),
        ("setup.cfg", "signaltrace_report = yaml", "unknown report type 'yaml'"),
    ],
)
@pytest.mark.parametrize("resolve", ["plugin", "cli"])
def test_a_bad_value_is_one_line_naming_the_key_and_the_file(
    pytester: pytest.Pytester, kind: str, keys: str, problem: str, resolve: str
) -> None:
    section = "tool:pytest" if kind == "setup.cfg" else "pytest"
    path = pytester.path / kind
    path.write_text(f"[{section}]\n{keys}\n")
    expected = f"{keys.split(' = ')[0]} in {path}: {problem}"
    if resolve == "plugin":
        with pytest.raises(pytest.UsageError) as usage:
            pytester.parseconfig()
        error = str(usage.value)
    else:
        with pytest.raises(ConfigError) as config_error:
            cli_settings(pytester.path)
        error = str(config_error.value)
    assert error.startswith(expected), error
    assert "\n" not in error


def test_an_unknown_ini_key_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    (tmp_path / "tox.ini").write_text("[pytest]\nsignaltrace_fail_undr = 80\n")
    with pytest.raises(ConfigError) as error:
        cli_settings(tmp_path)
    assert str(error.value) == (
        f"{tmp_path / 'tox.ini'}: unknown option 'signaltrace_fail_undr'; "
        "did you mean 'signaltrace_fail_under'?"
    )


def test_source_folders_are_checked_when_the_subcommand_scans(tmp_path: Path) -> None:
    (tmp_path / "tox.ini").write_text("[pytest]\nsignaltrace_source = src\n")
    assert cli_settings(tmp_path).sources == (tmp_path / "src",)
    with pytest.raises(ConfigError) as error:
        cli_settings(tmp_path, scans=True)
    assert str(error.value) == (
        f"signaltrace_source in {tmp_path / 'tox.ini'}: no such folder: {tmp_path / 'src'}"
    )
