"""Finding and reading the pytest ini file as pytest does, without a pytest Config
(``inifile.py``): which file wins, the rootdir, and ``getini``'s conversion of each type."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from _pytest.config import findpaths

from pytest_signaltrace.settings import ConfigError
from pytest_signaltrace.settings.ini import CONFIG_NAMES, IniFile, locate_ini_file

#: A file of each kind that configures pytest, with one ``signaltrace_sort`` key.
QUALIFYING = {
    "pytest.ini": "[pytest]\nsignaltrace_sort = {}\n",
    ".pytest.ini": "[pytest]\nsignaltrace_sort = {}\n",
    "pyproject.toml": '[tool.pytest.ini_options]\nsignaltrace_sort = "{}"\n',
    "tox.ini": "[tox]\nenvlist = py311\n\n[pytest]\nsignaltrace_sort = {}\n",
    "setup.cfg": "[metadata]\nname = shop\n\n[tool:pytest]\nsignaltrace_sort = {}\n",
}
#: The same kinds of file, holding no pytest configuration.
NOT_QUALIFYING = {
    "pyproject.toml": '[tool.black]\nline-length = 100\n',
    "tox.ini": "[tox]\nenvlist = py311\n",
    "setup.cfg": "[metadata]\nname = shop\n",
}


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def pytests_choice(invocation_dir: Path) -> tuple[Path, Path | None]:
    """The rootdir and ini file pytest itself picks when started in ``invocation_dir``."""
    keywords = {"inifile": None, "args": [], "rootdir_cmd_arg": None}
    keywords["invocation_dir"] = invocation_dir
    if "override_ini" in inspect.signature(findpaths.determine_setup).parameters:
        keywords["override_ini"] = None
    rootdir, inipath, *_ = findpaths.determine_setup(**keywords)
    return rootdir, inipath


def assert_as_pytest(found: IniFile, invocation_dir: Path) -> None:
    assert (found.rootdir, found.path) == pytests_choice(invocation_dir)


@pytest.mark.parametrize("name", list(QUALIFYING))
def test_each_kind_of_file_configures_pytest_and_its_folder_is_the_rootdir(
    tmp_path: Path, name: str
) -> None:
    path = write(tmp_path / "repo", name, QUALIFYING[name].format("miss"))
    subfolder = tmp_path / "repo" / "shop" / "tests"
    subfolder.mkdir(parents=True)
    found = locate_ini_file(subfolder)
    assert (found.path, found.rootdir) == (path, tmp_path / "repo")
    assert found.getini("signaltrace_sort", "string") == "miss"
    assert_as_pytest(found, subfolder)


@pytest.mark.parametrize("name", list(NOT_QUALIFYING))
def test_a_file_without_a_pytest_section_is_passed_over(tmp_path: Path, name: str) -> None:
    write(tmp_path / "repo" / "app", name, NOT_QUALIFYING[name])
    outer = write(tmp_path / "repo", "pytest.ini", "[pytest]\n")
    found = locate_ini_file(tmp_path / "repo" / "app")
    assert found.path == outer
    assert_as_pytest(found, tmp_path / "repo" / "app")


def test_a_pytest_ini_without_a_section_still_wins(tmp_path: Path) -> None:
    path = write(tmp_path, "pytest.ini", "# nothing yet\n")
    write(tmp_path, "tox.ini", "[pytest]\nsignaltrace_sort = miss\n")
    found = locate_ini_file(tmp_path)
    assert (found.path, found.values) == (path, {})
    assert_as_pytest(found, tmp_path)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("pytest.ini", ".pytest.ini"),
        (".pytest.ini", "pyproject.toml"),
        ("pytest.ini", "tox.ini"),
        ("pyproject.toml", "tox.ini"),
        ("pyproject.toml", "setup.cfg"),
        ("tox.ini", "setup.cfg"),
    ],
)
def test_in_one_folder_the_first_file_in_pytests_order_wins(
    tmp_path: Path, first: str, second: str
) -> None:
    assert CONFIG_NAMES.index(first) < CONFIG_NAMES.index(second)
    winner = write(tmp_path, first, QUALIFYING[first].format("miss"))
    write(tmp_path, second, QUALIFYING[second].format("cover"))
    found = locate_ini_file(tmp_path)
    assert found.path == winner
    assert found.getini("signaltrace_sort", "string") == "miss"
    assert_as_pytest(found, tmp_path)


def test_the_nearest_folder_wins_whatever_the_kind(tmp_path: Path) -> None:
    write(tmp_path, "pytest.ini", "[pytest]\nsignaltrace_sort = cover\n")
    inner = write(tmp_path / "app", "setup.cfg", QUALIFYING["setup.cfg"].format("miss"))
    found = locate_ini_file(tmp_path / "app")
    assert (found.path, found.rootdir) == (inner, tmp_path / "app")
    assert_as_pytest(found, tmp_path / "app")


def test_a_pyproject_without_pytest_settings_is_the_configuration_only_when_nothing_else_is(
    tmp_path: Path,
) -> None:
    pyproject = write(tmp_path / "repo" / "app", "pyproject.toml", NOT_QUALIFYING["pyproject.toml"])
    found = locate_ini_file(tmp_path / "repo" / "app")
    assert (found.path, found.rootdir, found.values) == (pyproject, pyproject.parent, {})
    assert_as_pytest(found, tmp_path / "repo" / "app")
    tox = write(tmp_path / "repo", "tox.ini", QUALIFYING["tox.ini"].format("miss"))
    assert locate_ini_file(tmp_path / "repo" / "app").path == tox
    assert_as_pytest(locate_ini_file(tmp_path / "repo" / "app"), tmp_path / "repo" / "app")


def test_without_any_file_the_rootdir_is_the_nearest_setup_py_else_the_folder(
    tmp_path: Path,
) -> None:
    start = tmp_path / "repo" / "shop"
    start.mkdir(parents=True)
    assert locate_ini_file(start) == IniFile(None, start, start)
    assert_as_pytest(locate_ini_file(start), start)
    write(tmp_path / "repo", "setup.py", "")
    assert locate_ini_file(start) == IniFile(None, tmp_path / "repo", start)
    assert_as_pytest(locate_ini_file(start), start)


def test_paths_are_relative_to_the_ini_files_folder(tmp_path: Path) -> None:
    write(tmp_path, "tox.ini", "[pytest]\nsignaltrace_source = src 'my apps'\n")
    (tmp_path / "src").mkdir()
    found = locate_ini_file(tmp_path / "src")  # started in a subfolder: still the file's
    assert found.getini("signaltrace_source", "paths") == [tmp_path / "src", tmp_path / "my apps"]
    assert found.getini("signaltrace_package_roots", "paths") == []


def test_linelist_string_and_bool_values_are_converted_as_getini_converts_them(
    tmp_path: Path,
) -> None:
    write(
        tmp_path,
        "setup.cfg",
        "[tool:pytest]\nsignaltrace_exclude =\n    shop.legacy.*\n\n    */migrations/*\n"
        "signaltrace_append = Yes\nsignaltrace_sort = -miss\n",
    )
    found = locate_ini_file(tmp_path)
    assert found.getini("signaltrace_exclude", "linelist") == ["shop.legacy.*", "*/migrations/*"]
    assert found.getini("signaltrace_append", "bool") is True
    assert found.getini("signaltrace_parallel", "bool") is False
    assert found.getini("signaltrace_sort", "string") == "-miss"
    assert found.getini("signaltrace_html_link_template", "string") == ""


@pytest.mark.parametrize(
    ("text", "value"),
    [("y", True), ("yes", True), ("t", True), ("TRUE", True), ("on", True), ("1", True),
     ("n", False), ("No", False), ("f", False), ("false", False), ("off", False), ("0", False)],
)  # fmt: skip
def test_bools_take_pytests_spellings(tmp_path: Path, text: str, value: bool) -> None:
    write(tmp_path, "pytest.ini", f"[pytest]\nsignaltrace_strict = {text}\n")
    assert locate_ini_file(tmp_path).getini("signaltrace_strict", "bool") is value


def test_a_bool_pytest_cannot_read_is_refused_in_pytests_words(tmp_path: Path) -> None:
    write(tmp_path, "pytest.ini", "[pytest]\nsignaltrace_strict = maybe\n")
    with pytest.raises(ValueError, match=r"^invalid truth value 'maybe'$"):
        locate_ini_file(tmp_path).getini("signaltrace_strict", "bool")


def test_pyproject_ini_options_are_strings_as_pytest_reads_them(tmp_path: Path) -> None:
    write(
        tmp_path,
        "pyproject.toml",
        "[tool.pytest.ini_options]\nsignaltrace_precision = 1\nsignaltrace_append = true\n"
        'signaltrace_source = ["src", "lib"]\n',
    )
    found = locate_ini_file(tmp_path)
    assert found.getini("signaltrace_precision", "string") == "1"
    assert found.getini("signaltrace_append", "bool") is True
    assert found.getini("signaltrace_source", "paths") == [tmp_path / "src", tmp_path / "lib"]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("tox.ini", "[pytest\nx = 1\n", r"/tox.ini:1: "),
        ("pyproject.toml", "[tool.pytest.ini_options\n", r"/pyproject.toml: "),
        ("setup.cfg", "[pytest]\nsignaltrace_sort = miss\n", r"/setup.cfg: \[pytest\] section"),
    ],
)
def test_a_file_pytest_would_refuse_is_one_line_naming_it(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    write(tmp_path, name, text)
    with pytest.raises(ConfigError, match=message) as error:
        locate_ini_file(tmp_path)
    assert "\n" not in str(error.value)
    assert str(error.value).startswith(str(tmp_path / name))


@pytest.mark.skipif(pytest.version_tuple[0] < 9, reason="pytest.toml is pytest 9's")
def test_pytest_9s_toml_files_come_first_and_keep_native_types(tmp_path: Path) -> None:
    write(tmp_path, "pytest.ini", "[pytest]\nsignaltrace_sort = cover\n")
    path = write(
        tmp_path, "pytest.toml", '[pytest]\nsignaltrace_sort = "miss"\nsignaltrace_source = "src"\n'
    )
    found = locate_ini_file(tmp_path)
    assert (found.path, found.mode) == (path, "toml")
    assert found.getini("signaltrace_sort", "string") == "miss"
    with pytest.raises(ValueError, match="expects a list for type 'paths', got str: 'src'"):
        found.getini("signaltrace_source", "paths")
    assert_as_pytest(found, tmp_path)
