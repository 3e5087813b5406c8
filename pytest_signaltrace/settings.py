"""Settings from the command line, the pytest ini file and ``[tool.signaltrace]``.

Precedence, highest first: command-line options, ``signaltrace_*`` keys of the pytest ini file
(``pytest.ini``, ``[tool.pytest.ini_options]``, ``setup.cfg``, ``tox.ini``), then
``[tool.signaltrace]`` in the rootdir's ``pyproject.toml``.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pytest_signaltrace import DATA_FILE_ENV, DEFAULT_DATA_FILE
from pytest_signaltrace.diffcover import DEFAULT_COMPARE_BRANCH
from pytest_signaltrace.report.options import (
    DEFAULT_PRECISION,
    ReportOptions,
    link_template_error,
    precision_error,
    sort_error,
)

#: Report types and their default destination (``None``: the terminal).
#: ``$GITHUB_STEP_SUMMARY`` is read when the report is written, not when options are parsed.
GITHUB_STEP_SUMMARY = "$GITHUB_STEP_SUMMARY"
REPORT_TYPES: dict[str, str | None] = {
    "term": None,
    "term-missing": None,
    "github": None,
    "json": "signaltrace.json",
    "markdown": "signaltrace.md",
    "xml": "signaltrace.xml",
    "lcov": "signaltrace.lcov",
    "markdown-append": GITHUB_STEP_SUMMARY,
    "html": "signaltrace_html",
}

_INI_KEYS = {
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
}

#: The ``DEST`` of ``--signal-report=term:skip-covered`` (pytest-cov's spelling).
SKIP_COVERED = "skip-covered"


@dataclass(frozen=True)
class ReportRequest:
    """One ``--signal-report`` value: a type and where to write it (``None``: the terminal)."""

    kind: str
    destination: str | None
    #: ``term:skip-covered``, ``term-missing:skip-covered``.
    skip_covered: bool = False


@dataclass(frozen=True)
class Settings:
    """Everything the plugin needs to know, resolved once."""

    active: bool
    reports: tuple[ReportRequest, ...] = ()
    sources: tuple[Path, ...] = ()
    fail_under: float | None = None
    exclude: tuple[str, ...] = ()
    package_roots: tuple[Path, ...] = field(default_factory=tuple)
    #: Where to write the data file (``None``: not at all).
    data_file: Path | None = None
    #: ``precision``, ``skip_covered``, ``sort``, ``html_link_template``.
    report_options: ReportOptions = field(default_factory=ReportOptions)
    #: Add the run's data to the data file's instead of replacing it (``--cov-append``).
    append: bool = False
    #: Write ``<data file>.<host>.<pid>.<random>`` for a later bare ``signaltrace combine``.
    parallel: bool = False
    #: Fail a test in which a robust send swallowed a receiver's exception.
    strict: bool = False
    #: Report the receivers and send sites changed since this branch (diff-cover's
    #: ``--compare-branch``); ``None``: no diff report.
    diff_compare_branch: str | None = None
    #: Fail the run when fewer of those ran, in percent (diff-cover's ``--fail-under``).
    diff_fail_under: float | None = None


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
        "--no-signal-report",
        action="store_true",
        default=False,
        dest="no_signal_report",
        help="disable signal tracing and reporting, whatever the configuration says",
    )
    for key, (kind, help_text) in _INI_KEYS.items():
        parser.addini(key, help_text, type=kind)  # type: ignore[arg-type]


class ConfigError(ValueError):
    """A bad setting; ``str()`` is one line naming the setting and where it came from."""


@dataclass(frozen=True)
class _Origin:
    """Where a setting came from, for error messages: ``--signal-source``, ``signaltrace_source
    in /p/pytest.ini``, ``source in [tool.signaltrace] of /p/pyproject.toml``."""

    option: str
    ini: str
    table: str

    def of(self, where: str) -> str:
        """The name for a value that came from ``where`` (``option``, ``ini`` or ``table``)."""
        return {"option": self.option, "ini": self.ini, "table": self.table}[where]


def read_settings(config: pytest.Config, namespace: Any = None) -> Settings:
    """Resolve the settings; ``namespace`` overrides ``config.option`` (early hooks).

    Raises :class:`pytest.UsageError` for a bad value, an unknown ``[tool.signaltrace]`` or
    ``signaltrace_*`` key, or a source folder that does not exist, with a one-line message that
    names the setting and the file it came from: bad configuration stops the run before any test.
    """
    try:
        return _read_settings(config, namespace)
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None


def _read_settings(config: pytest.Config, namespace: Any) -> Settings:
    options = namespace if namespace is not None else config.option
    if getattr(options, "no_signal_report", False):
        return Settings(active=False)
    rootdir = config.rootpath
    pyproject = rootdir / "pyproject.toml"
    table = pyproject_table(rootdir, strict=True)
    check_table(table, pyproject)
    ini_file = str(config.inipath) if config.inipath else "the pytest configuration"
    check_ini_keys(_ini_keys(config), ini_file)

    def origin(option: str | None, key: str) -> _Origin:
        return _Origin(
            option=option or key,
            ini=f"signaltrace_{key} in {ini_file}",
            table=f"{key} in [tool.signaltrace] of {pyproject}",
        )

    reports: tuple[ReportRequest, ...] = ()
    where, raw_reports = _first_of(
        getattr(options, "signal_report", None),
        config.getini("signaltrace_report"),
        as_list(table.get("report")),
    )
    # ``--signal-report=`` (an empty value) traces without a report, as ``--cov-report=`` does.
    report_requested = bool(raw_reports)
    reports = tuple(
        _parse_report(value, origin("--signal-report", "report").of(where))
        for value in raw_reports
        if str(value).strip()
    )

    where, raw_fail_under = _first_of(
        getattr(options, "signal_fail_under", None),
        config.getini("signaltrace_fail_under"),
        table.get("fail_under"),
    )
    fail_under = None
    if raw_fail_under not in (None, ""):
        fail_under = parse_percent(
            raw_fail_under, origin("--signal-fail-under", "fail_under").of(where)
        )

    invocation_dir = config.invocation_params.dir
    source_origin = origin("--signal-source", "source")
    sources = _paths(getattr(options, "signal_source", None), invocation_dir)
    where = "option"
    if not sources:
        where, sources = "ini", tuple(Path(p) for p in config.getini("signaltrace_source"))
    if not sources:
        where, sources = "table", _paths(as_list(table.get("source")), rootdir)
    folders = [(sources, source_origin.of(where))]
    sources = sources or (rootdir,)

    exclude = tuple(config.getini("signaltrace_exclude")) or tuple(as_list(table.get("exclude")))
    package_roots = tuple(Path(p) for p in config.getini("signaltrace_package_roots"))
    where = "ini"
    if not package_roots:
        where = "table"
        package_roots = _paths(as_list(table.get("package_roots")), rootdir)
    folders.append((package_roots, origin("package_roots", "package_roots").of(where)))

    data_file = _data_file(
        getattr(options, "signal_data_file", None),
        config.getini("signaltrace_data_file"),
        table.get("data_file"),
        invocation_dir=invocation_dir,
        rootdir=rootdir,
    )

    report_options = report_options_of(
        table, lambda key: config.getini(f"signaltrace_{key}"), origin
    )
    append = bool(getattr(options, "signal_append", False)) or _flag(
        config.getini("signaltrace_append"), table.get("append")
    )
    parallel = _flag(config.getini("signaltrace_parallel"), table.get("parallel"))

    strict = _strict(getattr(options, "signal_strict", None), config, table)

    diff_compare_branch, diff_fail_under = _diff_gate(
        options, lambda key: config.getini(f"signaltrace_{key}"), table, origin
    )

    active = report_requested or fail_under is not None or strict or bool(diff_compare_branch)
    if active and not report_requested:
        reports = (ReportRequest("term", None),)
    if active:  # a folder that does not exist matters only to a run that scans
        for paths, name in folders:
            _check_folders(paths, name)
    return Settings(
        active=active,
        reports=reports,
        sources=tuple(p.resolve() for p in sources),
        fail_under=fail_under,
        exclude=exclude,
        package_roots=tuple(p.resolve() for p in package_roots),
        data_file=data_file,
        report_options=report_options,
        append=append,
        parallel=parallel,
        strict=strict,
        diff_compare_branch=diff_compare_branch,
        diff_fail_under=diff_fail_under,
    )


def _diff_gate(
    options: Any,
    getini: Callable[[str], Any],
    table: dict[str, Any],
    origin: Callable[[str | None, str], _Origin],
) -> tuple[str | None, float | None]:
    """``--signal-diff-compare-branch`` and ``--signal-diff-fail-under`` (or their ini and
    ``[tool.signaltrace]`` keys); a fail-under alone compares with diff-cover's default branch.
    Raises :class:`ConfigError` naming the setting and the file."""
    where, raw_fail_under = _first_of(
        getattr(options, "signal_diff_fail_under", None),
        getini("diff_fail_under"),
        table.get("diff_fail_under"),
    )
    fail_under = None
    if raw_fail_under not in (None, ""):
        name = origin("--signal-diff-fail-under", "diff_fail_under").of(where)
        fail_under = parse_percent(raw_fail_under, name)
    where, branch = _first_of(
        getattr(options, "signal_diff_compare_branch", None),
        getini("diff_compare_branch").strip(),
        table.get("diff_compare_branch"),
    )
    branch = branch.strip() if isinstance(branch, str) else None
    if branch:
        problem = branch_error(branch)
        if problem:
            name = origin("--signal-diff-compare-branch", "diff_compare_branch").of(where)
            raise ConfigError(f"{name}: {problem}")
    elif fail_under is not None:
        branch = DEFAULT_COMPARE_BRANCH
    return branch or None, fail_under


def branch_error(branch: str) -> str | None:
    """Why ``branch`` cannot name a branch or commit for git (``None`` when it can)."""
    if branch.startswith("-"):
        return f"{branch!r} is not a branch name (it starts with -)"
    if any(char.isspace() or not char.isprintable() for char in branch):
        return f"{branch!r} is not a branch name (git names hold no spaces or control characters)"
    return None


def _strict(option: bool | None, config: pytest.Config, table: dict[str, Any]) -> bool:
    """``--signal-strict``, else ``signaltrace_strict`` when the ini file sets it, else
    ``strict`` of ``[tool.signaltrace]`` (a bool, checked by :func:`check_table`)."""
    if option:
        return True
    if "signaltrace_strict" in _ini_keys(config):
        return bool(config.getini("signaltrace_strict"))
    return table.get("strict") is True


def report_options_of(
    table: dict[str, Any],
    getini: Callable[[str], Any],
    origin: Callable[[str | None, str], _Origin],
) -> ReportOptions:
    """``precision``, ``skip_covered``, ``sort`` and ``html_link_template``: the ini key
    (``getini("precision")``) wins over ``[tool.signaltrace]``; a bad value is a
    :class:`ConfigError` naming the key and the file (``origin(key, key)``)."""

    def value(key: str, default: Any) -> tuple[Any, str]:
        ini = getini(key)
        ini = ini.strip() if isinstance(ini, str) else ini
        where, found = _first_of(None, ini, table.get(key, default))
        return found, origin(key, key).of(where)

    def check(problem: str | None, name: str) -> None:
        if problem:
            raise ConfigError(f"{name}: {problem}")

    skip_covered, _ = value("skip_covered", False)
    precision, name = value("precision", DEFAULT_PRECISION)
    if isinstance(precision, str) and precision.lstrip("-").isdigit():  # from the ini file
        precision = int(precision)
    check(precision_error(precision), name)
    sort, name = value("sort", "name")
    check(sort_error(sort), name)
    link, name = value("html_link_template", "")
    check(link_template_error(link) if link else None, name)
    return ReportOptions(
        precision=precision,
        skip_covered=bool(skip_covered),
        sort=sort.strip().lower(),
        link_template=link or None,
    )


def pyproject_report_options(table: dict[str, Any], pyproject: Path | str) -> ReportOptions:
    """The report options of ``[tool.signaltrace]`` alone (``signaltrace report``); raises
    :class:`ConfigError` naming the key and ``pyproject``."""

    def origin(_option: str | None, key: str) -> _Origin:
        where = f"{key} in [tool.signaltrace] of {pyproject}"
        return _Origin(option=where, ini=where, table=where)

    return report_options_of(table, lambda _key: None, origin)


def _flag(ini: object, table: object) -> bool:
    """A true/false setting: true when the ini key or ``[tool.signaltrace]`` says so (pytest
    reads an ini bool that is not set as false, so a false there cannot tell "unset" apart)."""
    if isinstance(ini, bool) and ini:
        return True
    return table is True


def _first_of(option: Any, ini: Any, table: Any) -> tuple[str, Any]:
    """The setting that wins (the command line, then the ini file, then pyproject), and which."""
    if option:
        return "option", option
    if ini:
        return "ini", ini
    return "table", table


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
        wrong_type = not isinstance(value, kinds) or (
            isinstance(value, bool) and bool not in kinds
        )
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
    }.get(key, "a string or a list of strings")


def check_ini_keys(keys: Iterable[str], ini_file: str) -> None:
    """Refuse a ``signaltrace_*`` (or ``signaltrace-*``) ini key that is not ours."""
    for key in sorted(keys):
        normal = key.lower().replace("-", "_")
        if normal.startswith("signaltrace_") and key not in _INI_KEYS:
            raise ConfigError(
                f"{ini_file}: unknown option {key!r}" + _suggestion(key, _INI_KEYS, "_")
            )


def _ini_keys(config: pytest.Config) -> Iterable[str]:
    """The keys of the pytest ini file (``Config.inicfg`` is deprecated from pytest 9 on)."""
    keys = getattr(config, "_inicfg", None)
    if keys is None:
        keys = getattr(config, "inicfg", {})
    return list(keys)


def _suggestion(key: str, known: Iterable[str], separator: str) -> str:
    names = list(known)
    normal = key.lower().replace("-", separator)
    if normal in names:
        return f"; did you mean {normal!r}?"
    close = difflib.get_close_matches(normal, names, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; known keys: {', '.join(names)}"


def _check_folders(paths: Sequence[Path], origin: str) -> None:
    for path in paths:
        if not path.exists():
            raise ConfigError(f"{origin}: no such folder: {path}")
        if not path.is_dir():
            raise ConfigError(f"{origin}: not a folder: {path}")


def _parse_report(value: str, origin: str = "--signal-report") -> ReportRequest:
    kind, _, destination = str(value).partition(":")
    kind = kind.strip() or "term"
    if kind not in REPORT_TYPES:
        raise ConfigError(
            f"{origin}: unknown report type {kind!r}; choose from {', '.join(REPORT_TYPES)}"
        )
    if destination == SKIP_COVERED and kind in ("term", "term-missing"):
        return ReportRequest(kind, None, skip_covered=True)
    if destination and REPORT_TYPES[kind] is None:
        raise ConfigError(
            f"{origin}: {kind!r} prints to the terminal; it takes no DEST "
            f"(only :{SKIP_COVERED}, as pytest-cov's)"
        )
    return ReportRequest(kind, destination or REPORT_TYPES[kind])


def parse_percent(value: object, origin: str = "--signal-fail-under") -> float:
    """A percent from 0 to 100, written as a number (``80``, ``80.5``; not ``80%``, as
    pytest-cov and coverage take it); raises :class:`ConfigError` naming ``origin``."""
    name = f"{origin}: " if origin else ""
    text = str(value).strip()
    if isinstance(value, bool):
        raise ConfigError(f"{name}{value!r} is not a number (a percent from 0 to 100)")
    if text.endswith("%"):
        raise ConfigError(
            f"{name}{value!r} is not a number; write {text.rstrip('%').strip()}, without %"
        )
    try:
        number = float(text)
    except ValueError:
        raise ConfigError(f"{name}{value!r} is not a number (a percent from 0 to 100)") from None
    if not 0 <= number <= 100:  # also refuses nan
        raise ConfigError(f"{name}{value!r} is not between 0 and 100")
    return number


def _data_file(
    option: str | None, ini: str, table: object, *, invocation_dir: Path, rootdir: Path
) -> Path | None:
    """The data file: the option (relative to where pytest was started; empty: none), else
    ``$SIGNALTRACE_FILE`` (relative to the same), else the ini key or ``data_file`` (relative to
    the rootdir; ``""``/``false`` in pyproject: none)."""
    if option is not None:
        return invocation_dir / option if option else None
    from_environment = os.environ.get(DATA_FILE_ENV)
    if from_environment:
        return invocation_dir / from_environment
    if ini:
        return rootdir / ini
    if table is False or table == "":
        return None
    if isinstance(table, str):
        return rootdir / table
    return rootdir / DEFAULT_DATA_FILE


def pyproject_table(rootdir: Path, *, strict: bool = False) -> dict[str, Any]:
    """``[tool.signaltrace]`` of ``rootdir/pyproject.toml`` (empty when missing or unreadable).

    With ``strict``, a file that is not valid TOML but mentions ``[tool.signaltrace]`` raises
    :class:`ConfigError` (any other broken pyproject is not this plugin's business).
    """
    path = rootdir / "pyproject.toml"
    raw = b""
    try:
        with path.open("rb") as handle:
            raw = handle.read()
        data = tomllib.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        if strict and not isinstance(exc, OSError) and b"tool.signaltrace" in raw:
            raise ConfigError(f"{path}: cannot read [tool.signaltrace]: {exc}") from None
        return {}
    tool = data.get("tool", {})
    table = tool.get("signaltrace", {}) if isinstance(tool, dict) else {}
    if strict and not isinstance(table, dict):
        raise ConfigError(f"{path}: tool.signaltrace is not a table")
    return table if isinstance(table, dict) else {}


def as_list(value: object) -> list[str]:
    """A configuration value as a list of strings (a single string is a list of one)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence):
        return [str(v) for v in value]
    return [str(value)]


def _paths(values: Sequence[str] | None, rootdir: Path) -> tuple[Path, ...]:
    return tuple((rootdir / v) if not Path(v).is_absolute() else Path(v) for v in values or ())
