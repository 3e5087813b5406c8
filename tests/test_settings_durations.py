"""``--signal-durations=N``, ``signaltrace_durations`` and ``durations`` in ``[tool.signaltrace]``:
off by default, a whole number >= 0 otherwise, and on by itself it turns tracing on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pytest_signaltrace.settings import (
    ConfigError,
    FileSource,
    Settings,
    effective_settings,
    resolve_settings,
)
from pytest_signaltrace.settings.ini import locate_ini_file


def settings_in(folder: Path, **options: tuple[str, Any]) -> Settings:
    """The settings resolved in ``folder`` (as ``signaltrace report`` does: no trace starts)."""
    return resolve_settings(FileSource(locate_ini_file(folder), options), scans=False)


def test_durations_are_off_by_default(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    settings = settings_in(tmp_path)
    assert settings.durations is None
    assert not settings.active


@pytest.mark.parametrize(
    ("files", "options", "expected"),
    [
        ({"pytest.ini": "[pytest]\nsignaltrace_durations = 5\n"}, {}, 5),
        (
            {"pytest.ini": "[pytest]\n", "pyproject.toml": "[tool.signaltrace]\ndurations = 0\n"},
            {},
            0,
        ),
        (
            {"pytest.ini": "[pytest]\nsignaltrace_durations = 5\n"},
            {"durations": ("--signal-durations", "12")},
            12,
        ),
    ],
)
def test_the_option_the_ini_key_and_the_table_set_it_and_turn_tracing_on(
    tmp_path: Path, files: dict[str, str], options: dict[str, Any], expected: int
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    settings = settings_in(tmp_path, **options)
    assert settings.durations == expected
    assert settings.active
    assert [request.kind for request in settings.reports] == ["term"]
    assert effective_settings(settings, tmp_path)["durations"] == expected


@pytest.mark.parametrize("value", ["-1", "many", "2.5", "true"])
def test_a_bad_value_names_the_key_and_the_file(tmp_path: Path, value: str) -> None:
    ini = tmp_path / "tox.ini"
    ini.write_text(f"[pytest]\nsignaltrace_durations = {value}\n")
    with pytest.raises(ConfigError, match=r"signaltrace_durations in .*tox.ini: .* whole number"):
        settings_in(tmp_path)


def test_a_bad_table_value_is_refused(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "pyproject.toml").write_text('[tool.signaltrace]\ndurations = ["5"]\n')
    with pytest.raises(ConfigError, match=r"durations = \['5'\] is not a whole number >= 0"):
        settings_in(tmp_path)


def test_a_bad_option_is_a_usage_error_before_any_test(pytester: pytest.Pytester) -> None:
    with pytest.raises(pytest.UsageError, match=r"--signal-durations: 'x' is not a whole number"):
        pytester.parseconfig("--signal-durations=x")
