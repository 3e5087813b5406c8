"""The names of the settings: the plugin's command-line options and ``signaltrace_*`` ini keys,
the ``[tool.signaltrace]`` keys and their types, and the checks that refuse unknown ones."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_signaltrace import DEFAULT_DATA_FILE
from pytest_signaltrace.gates.diff import DEFAULT_COMPARE_BRANCH
from pytest_signaltrace.settings.model import (
    REPORT_TYPES,
    ConfigError,
)

if TYPE_CHECKING:  # the signaltrace command never imports pytest: 0.2 s of its start-up
    import pytest

INI_KEYS = {
    "signaltrace_report": ("linelist", "report types, as --signal-report (TYPE[:DEST])"),
    "signaltrace_source": ("paths", "folders to scan for signals (default: the rootdir)"),
    "signaltrace_fail_under": ("string", "fail when receiver coverage is below this percent"),
    "signaltrace_exclude": ("linelist", "globs of receivers (handler id or path) to leave out"),
    "signaltrace_package_roots": ("paths", "folders whose files are named relative to them"),
    "signaltrace_data_file": ("string", "data file to write, relative to the rootdir"),
    "signaltrace_skip_covered": ("bool", "leave signals whose receivers all ran out of tables"),
    "signaltrace_precision": ("string", "decimal places of percentages (default 2)"),
    "signaltrace_sort": ("string", "order of the signal table: name, cover, miss, ..."),
    "signaltrace_html_link_template": ("string", "HTML report link: URL with {path} {line}"),
    "signaltrace_append": ("bool", "add this run's data to the data file, as --signal-append"),
    "signaltrace_parallel": ("bool", "write the data file as <data file>.<host>.<pid>.<random>"),
    "signaltrace_strict": ("bool", "fail a test in which a robust send swallowed an exception"),
    "signaltrace_diff_compare_branch": ("string", "report what changed since this branch"),
    "signaltrace_diff_fail_under": ("string", "fail when diff signal coverage is below this"),
    "signaltrace_durations": ("string", "time the receivers, show the N slowest (0: all)"),
}


def add_options(parser: pytest.Parser) -> None:
    """Register the command-line options and ini keys."""
    group = parser.getgroup("signaltrace", "signal receiver coverage (pytest-signaltrace)")
    group.addoption(
        "--signal-report",
        action="append",
        nargs="?",
        const="term",
        default=None,
        metavar="TYPE[:DEST]",
        dest="signal_report",
        help="trace Django/Celery signals and report receiver coverage: "
        f"{', '.join(REPORT_TYPES)} (default term); repeatable",
    )
    group.addoption(
        "--signal-source",
        action="append",
        default=None,
        metavar="PATH",
        dest="signal_source",
        help="folder to scan for signals; repeatable (default: the rootdir)",
    )
    group.addoption(
        "--signal-fail-under",
        default=None,
        metavar="MIN",
        dest="signal_fail_under",
        help="fail if the share of receivers that ran is below MIN percent",
    )
    group.addoption(
        "--signal-diff-compare-branch",
        default=None,
        metavar="BRANCH",
        dest="signal_diff_compare_branch",
        help="also report the receivers and send sites changed since BRANCH that never ran "
        "(like diff-cover's --compare-branch)",
    )
    group.addoption(
        "--signal-diff-fail-under",
        default=None,
        metavar="MIN",
        dest="signal_diff_fail_under",
        help="fail if the share of changed receivers and send sites that ran is below MIN "
        f"percent (compared with {DEFAULT_COMPARE_BRANCH} unless a branch is named)",
    )
    group.addoption(
        "--signal-data-file",
        default=None,
        metavar="PATH",
        dest="signal_data_file",
        help=f"data file for 'signaltrace report/combine' (default: {DEFAULT_DATA_FILE} in the "
        "rootdir; empty: none)",
    )
    group.addoption(
        "--signal-append",
        action="store_true",
        default=False,
        dest="signal_append",
        help="add this run's data to the data file instead of replacing it (like --cov-append)",
    )
    group.addoption(
        "--signal-strict",
        action="store_true",
        default=None,
        dest="signal_strict",
        help="fail a test in which send_robust (or asend_robust, Celery's send) caught an "
        "exception a receiver raised",
    )
    group.addoption(
        "--signal-durations",
        default=None,
        metavar="N",
        dest="signal_durations",
        help="time each signal receiver (total, calls, max, own time apart from the sends it "
        "makes, its database queries) and show the N slowest after the report (N=0: all), "
        "like --durations",
    )
    group.addoption(
        "--no-signal-report",
        action="store_true",
        default=False,
        dest="no_signal_report",
        help="disable signal tracing and reporting, whatever the configuration says",
    )
    for key, (kind, help_text) in INI_KEYS.items():
        parser.addini(key, help_text, type=kind)  # type: ignore[arg-type]


#: The plugin's command-line option of each setting: its ``dest`` and its name.
PLUGIN_OPTIONS = {
    "no_report": ("no_signal_report", "--no-signal-report"),
    "report": ("signal_report", "--signal-report"),
    "fail_under": ("signal_fail_under", "--signal-fail-under"),
    "source": ("signal_source", "--signal-source"),
    "data_file": ("signal_data_file", "--signal-data-file"),
    "append": ("signal_append", "--signal-append"),
    "strict": ("signal_strict", "--signal-strict"),
    "diff_compare_branch": ("signal_diff_compare_branch", "--signal-diff-compare-branch"),
    "diff_fail_under": ("signal_diff_fail_under", "--signal-diff-fail-under"),
    "durations": ("signal_durations", "--signal-durations"),
}


#: ``[tool.signaltrace]`` keys, and the types each one takes.
TABLE_KEYS: dict[str, tuple[type, ...]] = {
    "report": (str, list),
    "fail_under": (int, float, str),
    "source": (str, list),
    "exclude": (str, list),
    "package_roots": (str, list),
    "data_file": (str, bool),
    "skip_covered": (bool,),
    "precision": (int,),
    "sort": (str,),
    "html_link_template": (str,),
    "append": (bool,),
    "parallel": (bool,),
    "strict": (bool,),
    "diff_compare_branch": (str,),
    "diff_fail_under": (int, float, str),
    "durations": (int, str),
}


def check_table(table: dict[str, Any], path: Path) -> None:
    """Refuse unknown keys (with a suggestion: ``fail-under`` -> ``fail_under``) and values of
    the wrong type in ``[tool.signaltrace]``; raises :class:`ConfigError`."""
    for key, value in table.items():
        if key not in TABLE_KEYS:
            raise ConfigError(
                f"{path}: unknown key {key!r} in [tool.signaltrace]"
                + _suggestion(key, TABLE_KEYS, "_")
            )
        kinds = TABLE_KEYS[key]
        wrong_type = not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds)
        if isinstance(value, list) and not all(isinstance(item, str) for item in value):
            wrong_type = True
        if key == "data_file" and value is True:
            wrong_type = True
        if wrong_type:
            raise ConfigError(
                f"{path}: [tool.signaltrace] {key} = {value!r} is not {_expected(key)}"
            )


def _expected(key: str) -> str:
    return {
        "fail_under": "a number (a percent from 0 to 100)",
        "diff_fail_under": "a number (a percent from 0 to 100)",
        "diff_compare_branch": "a string (a branch name)",
        "data_file": 'a path, or "" / false for none',
        "skip_covered": "true or false",
        "precision": "an integer (decimal places of percentages)",
        "sort": "a string",
        "html_link_template": "a string",
        "append": "true or false",
        "parallel": "true or false",
        "strict": "true or false",
        "durations": "a whole number >= 0 (0: every receiver)",
    }.get(key, "a string or a list of strings")


def check_ini_keys(keys: Iterable[str], ini_file: str) -> None:
    """Refuse a ``signaltrace_*`` (or ``signaltrace-*``) ini key that is not ours."""
    for key in sorted(keys):
        normal = key.lower().replace("-", "_")
        if normal.startswith("signaltrace_") and key not in INI_KEYS:
            raise ConfigError(
                f"{ini_file}: unknown option {key!r}" + _suggestion(key, INI_KEYS, "_")
            )


def _suggestion(key: str, known: Iterable[str], separator: str) -> str:
    names = list(known)
    normal = key.lower().replace("-", separator)
    if normal in names:
        return f"; did you mean {normal!r}?"
    import difflib  # only for a misspelt key: `signaltrace run` should not pay for it

    close = difflib.get_close_matches(normal, names, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; known keys: {', '.join(names)}"
