"""Bad configuration is a usage error before any test runs: exit status 4 and one line that
names the setting and the file it came from."""

from __future__ import annotations

import pytest
from e2e_project import DjangoProject

TESTS = """
def test_nothing():
    pass
"""


@pytest.fixture
def project(django_project: DjangoProject) -> DjangoProject:
    django_project.write(test_shop=TESTS)
    return django_project


def _assert_usage_error(result: pytest.RunResult, *lines: str) -> None:
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str() + result.stderr.str()
    # fnmatch reads "[...]" as a set of characters: match "[tool.signaltrace]" literally.
    result.stderr.fnmatch_lines([line.replace("[", "[[]") for line in lines])
    errors = [line for line in result.stderr.lines if line.startswith("ERROR:")]
    assert len(errors) == 1, result.stderr.str()
    assert "Traceback" not in result.stderr.str()
    assert "test_nothing" not in result.stdout.str()  # no test ran


def test_a_signal_source_that_does_not_exist_is_a_usage_error(project: DjangoProject) -> None:
    result = project.run("--signal-fail-under=90", "--signal-source=shp")
    _assert_usage_error(result, "ERROR: --signal-source: no such folder: */shp")


def test_a_signal_source_that_is_a_file_is_a_usage_error(project: DjangoProject) -> None:
    result = project.run("--signal-report", "--signal-source=shop/signals.py")
    _assert_usage_error(result, "ERROR: --signal-source: not a folder: */shop/signals.py")


def test_a_source_in_pyproject_that_does_not_exist_names_the_key_and_the_file(
    project: DjangoProject,
) -> None:
    project.pytester.makepyprojecttoml('[tool.signaltrace]\nsource = ["src"]\nfail_under = 80\n')
    result = project.run()
    _assert_usage_error(
        result, "ERROR: source in [tool.signaltrace] of */pyproject.toml: no such folder: */src"
    )


def test_a_source_that_does_not_exist_is_ignored_while_the_plugin_is_off(
    project: DjangoProject,
) -> None:
    project.pytester.makepyprojecttoml('[tool.signaltrace]\nsource = ["src"]\n')
    result = project.run()
    assert result.ret == pytest.ExitCode.OK


@pytest.mark.parametrize(
    ("key", "suggestion"),
    [
        ("fail-under", "did you mean 'fail_under'?"),
        ("fail_undr", "did you mean 'fail_under'?"),
        ("sources", "did you mean 'source'?"),
    ],
)
def test_a_misspelt_key_in_tool_signaltrace_is_a_usage_error_with_a_suggestion(
    project: DjangoProject, key: str, suggestion: str
) -> None:
    project.pytester.makepyprojecttoml(f'[tool.signaltrace]\n{key} = "80"\n')
    result = project.run()
    _assert_usage_error(
        result, f"ERROR: */pyproject.toml: unknown key '{key}' in [tool.signaltrace]; {suggestion}"
    )


def test_an_unknown_signaltrace_ini_key_is_a_usage_error(project: DjangoProject) -> None:
    project.ini("signaltrace_fail_undr = 80\n")
    result = project.run()
    _assert_usage_error(
        result,
        "ERROR: */pytest.ini: unknown option 'signaltrace_fail_undr'; "
        "did you mean 'signaltrace_fail_under'?",
    )


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("option", "ERROR: --signal-fail-under: '50%' is not a number; write 50, without %"),
        ("ini", "ERROR: signaltrace_fail_under in */pytest.ini: '50%' is not a number; write 50*"),
        (
            "pyproject",
            "ERROR: fail_under in [tool.signaltrace] of */pyproject.toml: '50%' is not a number*",
        ),
    ],
)
def test_a_percent_sign_in_fail_under_is_a_usage_error_naming_where_it_came_from(
    project: DjangoProject, where: str, message: str
) -> None:
    args: list[str] = []
    if where == "option":
        args.append("--signal-fail-under=50%")
    elif where == "ini":
        project.ini("signaltrace_fail_under = 50%\n")
    else:
        project.pytester.makepyprojecttoml('[tool.signaltrace]\nfail_under = "50%"\n')
    _assert_usage_error(project.run(*args), message)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("fail_under = true", "*[tool.signaltrace] fail_under = True is not a number*"),
        ("report = 5", "*[tool.signaltrace] report = 5 is not a string or a list of strings"),
        ("data_file = true", "*[tool.signaltrace] data_file = True is not a path*"),
        ('report = ["yaml"]', "ERROR: report in [tool.signaltrace] of *: unknown report type*"),
    ],
)
def test_a_value_of_the_wrong_kind_in_pyproject_is_a_usage_error(
    project: DjangoProject, toml: str, message: str
) -> None:
    project.pytester.makepyprojecttoml(f"[tool.signaltrace]\n{toml}\n")
    _assert_usage_error(project.run(), message)
