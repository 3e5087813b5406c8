"""``fail_under`` and ``diff_fail_under`` take the same values, written the same ways."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_signaltrace.settings import ConfigError, FileSource, resolve_settings
from pytest_signaltrace.settings.ini import locate_ini_file


def _resolved(folder: Path, key: str, value: str) -> float | None:
    (folder / "pyproject.toml").write_text(f"[tool.signaltrace]\n{key} = {value}\n")
    settings = resolve_settings(FileSource(locate_ini_file(folder), {}))
    return settings.fail_under if key == "fail_under" else settings.diff_fail_under


@pytest.mark.parametrize("key", ["fail_under", "diff_fail_under"])
@pytest.mark.parametrize(("value", "number"), [("100", 100.0), ('"100"', 100.0), ("80.5", 80.5)])
def test_both_gates_take_a_number_or_a_numeric_string(
    tmp_path: Path, key: str, value: str, number: float
) -> None:
    assert _resolved(tmp_path, key, value) == number


@pytest.mark.parametrize("key", ["fail_under", "diff_fail_under"])
@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ('"100%"', "'100%' is not a number; write 100, without %"),
        ('"all"', "'all' is not a number (a percent from 0 to 100)"),
        ("101", "101 is not between 0 and 100"),
        ("true", "True is not a number (a percent from 0 to 100)"),
    ],
)
def test_both_gates_refuse_the_same_values(
    tmp_path: Path, key: str, value: str, problem: str
) -> None:
    with pytest.raises(ConfigError) as error:
        _resolved(tmp_path, key, value)
    assert str(error.value).endswith(problem), str(error.value)
