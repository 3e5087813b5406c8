"""Settings from the command line, the pytest ini file and ``[tool.signaltrace]``.

Precedence, highest first: command-line options, ``signaltrace_*`` keys of the pytest ini file
(``pytest.ini``, ``[tool.pytest.ini_options]``, ``setup.cfg``, ``tox.ini``), then
``[tool.signaltrace]`` in the rootdir's ``pyproject.toml``. The pytest run and the
``signaltrace`` subcommands resolve them the same way, from a :class:`SettingsSource`: the
pytest Config, or the files pytest would find (``inifile.py``).
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

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

if TYPE_CHECKING:
    from pytest_signaltrace.inifile import IniFile

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
    #: Where each setting came from, by its ``[tool.signaltrace]`` key: ``--signal-source``,
    #: ``$SIGNALTRACE_FILE``, ``signaltrace_source in /p/tox.ini``, ``source in
    #: [tool.signaltrace] of /p/pyproject.toml``, ``default``.
    origins: Mapping[str, str] = field(default_factory=dict, compare=False)


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


class SettingsSource(Protocol):
    """Where :func:`resolve_settings` reads: the pytest Config in the plugin
    (:class:`_PytestSource`), the files pytest would find in the ``signaltrace`` subcommands
    (:class:`FileSource`). One resolution for both, so that they cannot drift apart."""

    @property
    def rootdir(self) -> Path:
        """pytest's rootdir: ``[tool.signaltrace]`` is read from its ``pyproject.toml``."""

    @property
    def invocation_dir(self) -> Path:
        """Where the command was started: command-line paths are relative to it."""

    @property
    def ini_file(self) -> str:
        """How messages name the pytest ini file."""

    def option(self, key: str) -> tuple[str, Any]:
        """The command-line option of the setting ``key`` (``fail_under``): its name
        (``--signal-fail-under``) and its value (``None``: not given)."""

    def ini_keys(self) -> list[str]:
        """The keys the pytest ini file sets."""

    def getini(self, name: str) -> Any:
        """``Config.getini(name)``; a bad value raises :class:`ConfigError` naming ``name``
        and the ini file."""


#: The plugin's command-line option of each setting: its ``dest`` and its name.
_PLUGIN_OPTIONS = {
    "no_report": ("no_signal_report", "--no-signal-report"),
    "report": ("signal_report", "--signal-report"),
    "fail_under": ("signal_fail_under", "--signal-fail-under"),
    "source": ("signal_source", "--signal-source"),
    "data_file": ("signal_data_file", "--signal-data-file"),
    "append": ("signal_append", "--signal-append"),
    "strict": ("signal_strict", "--signal-strict"),
    "diff_compare_branch": ("signal_diff_compare_branch", "--signal-diff-compare-branch"),
    "diff_fail_under": ("signal_diff_fail_under", "--signal-diff-fail-under"),
}


class _PytestSource:
    """The settings of a pytest run: its options (``namespace`` in early hooks) and
    ``Config.getini``."""

    def __init__(self, config: pytest.Config, namespace: Any) -> None:
        self.config = config
        self.options = namespace if namespace is not None else config.option
        self.rootdir = config.rootpath
        self.invocation_dir = config.invocation_params.dir
        self.ini_file = str(config.inipath) if config.inipath else "the pytest configuration"

    def option(self, key: str) -> tuple[str, Any]:
        """See :meth:`SettingsSource.option`."""
        dest, name = _PLUGIN_OPTIONS.get(key, ("", key))
        return name, getattr(self.options, dest, None) if dest else None

    def ini_keys(self) -> list[str]:
        """See :meth:`SettingsSource.ini_keys`."""
        return list(_ini_keys(self.config))

    def getini(self, name: str) -> Any:
        """See :meth:`SettingsSource.getini`."""
        try:
            return self.config.getini(name)
        # "invalid truth value 'maybe'": a ValueError, a UsageError from pytest 9.2 on.
        except (ValueError, TypeError, pytest.UsageError) as exc:
            problem = str(exc).removeprefix(f"{self.config.inipath}: ")
            problem = problem.removeprefix(f"config option '{name}' ")
            raise ConfigError(f"{name} in {self.ini_file}: {problem}") from None


class FileSource:
    """The settings of a ``signaltrace`` subcommand: its own options (setting key -> option
    name and value) and the pytest ini file pytest would find (``inifile.locate_ini_file``)."""

    def __init__(self, ini: IniFile, options: Mapping[str, tuple[str, Any]]) -> None:
        self.ini = ini
        self.options = options
        self.rootdir = ini.rootdir
        self.invocation_dir = ini.invocation_dir
        self.ini_file = str(ini.path) if ini.path else "the pytest configuration"

    def option(self, key: str) -> tuple[str, Any]:
        """See :meth:`SettingsSource.option`."""
        return self.options.get(key, (key, None))

    def ini_keys(self) -> list[str]:
        """See :meth:`SettingsSource.ini_keys`."""
        return list(self.ini.values)

    def getini(self, name: str) -> Any:
        """See :meth:`SettingsSource.getini`."""
        try:
            return self.ini.getini(name, _INI_KEYS[name][0])
        except ValueError as exc:
            raise ConfigError(f"{name} in {self.ini_file}: {exc}") from None


class _Pick(NamedTuple):
    """The value that wins for one setting, where it came from (``option``, ``ini``,
    ``table`` or ``default``; ``$SIGNALTRACE_FILE`` counts as an option) and that place's name
    for messages."""

    where: str
    value: Any
    name: str


def _given(value: object) -> bool:
    """Whether an option or ini value is set: not ``None``, ``False``, empty (0 is set)."""
    return value is not None and value is not False and value not in ("", [], ())


class _Picker:
    """Picks each setting from the command line, the ini file or ``[tool.signaltrace]``, and
    remembers where each came from (``origins``: ``--signal-source``, ``signaltrace_source in
    /p/tox.ini``, ``source in [tool.signaltrace] of /p/pyproject.toml``, ``default``) for
    messages and ``signaltrace debug config``."""

    def __init__(self, source: SettingsSource, table: dict[str, Any], pyproject: Path) -> None:
        self.source = source
        self.table = table
        self.pyproject = pyproject
        self.ini_keys = set(source.ini_keys())
        self.origins: dict[str, str] = {}

    def __call__(
        self, key: str, *, flag: bool = False, option_given: Callable[[Any], bool] = _given
    ) -> _Pick:
        """The setting ``key``: the option when given, else the ini value when set (a ``flag``,
        a bool, when the file has the key at all: its ``false`` beats pyproject's ``true``),
        else ``[tool.signaltrace]``'s, else the default (value ``None``)."""
        option_name, option = self.source.option(key)
        ini_name = f"signaltrace_{key}"
        ini = self.source.getini(ini_name)
        if option_given(option):
            return self.record(key, _Pick("option", option, option_name))
        if (ini_name in self.ini_keys) if flag else _given(ini):
            return self.record(key, _Pick("ini", ini, f"{ini_name} in {self.source.ini_file}"))
        if key in self.table:
            name = f"{key} in [tool.signaltrace] of {self.pyproject}"
            return self.record(key, _Pick("table", self.table[key], name))
        return self.record(key, _Pick("default", None, "default"))

    def record(self, key: str, pick: _Pick) -> _Pick:
        """Remember where ``key`` came from; returns ``pick``."""
        self.origins[key] = pick.name
        return pick


def read_settings(config: pytest.Config, namespace: Any = None) -> Settings:
    """Resolve the settings; ``namespace`` overrides ``config.option`` (early hooks).

    Raises :class:`pytest.UsageError` for a bad value, an unknown ``[tool.signaltrace]`` or
    ``signaltrace_*`` key, or a source folder that does not exist, with a one-line message that
    names the setting and the file it came from: bad configuration stops the run before any test.
    """
    try:
        return _read_settings(_PytestSource(config, namespace))
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None


def resolve_settings(source: SettingsSource, *, scans: bool | None = None) -> Settings:
    """The settings from ``source``; source folders are checked when ``scans`` (``None``: when
    tracing is on). Raises :class:`ConfigError` as :func:`read_settings` refuses."""
    return _read_settings(source, scans=scans)


def _read_settings(source: SettingsSource, *, scans: bool | None = None) -> Settings:
    if source.option("no_report")[1]:
        return Settings(active=False)
    rootdir = source.rootdir
    pyproject = rootdir / "pyproject.toml"
    table = pyproject_table(rootdir, strict=True)
    check_table(table, pyproject)
    check_ini_keys(source.ini_keys(), source.ini_file)
    pick = _Picker(source, table, pyproject)

    reports: tuple[ReportRequest, ...] = ()
    picked = pick("report")
    raw_reports = as_list(picked.value)
    # ``--signal-report=`` (an empty value) traces without a report, as ``--cov-report=`` does.
    report_requested = bool(raw_reports)
    reports = tuple(
        _parse_report(value, picked.name) for value in raw_reports if str(value).strip()
    )

    picked = pick("fail_under")
    fail_under = None
    if picked.value not in (None, ""):
        fail_under = parse_percent(picked.value, picked.name)

    invocation_dir = source.invocation_dir
    picked = pick("source")
    sources: tuple[Path, ...] = ()
    if picked.where == "option":
        sources = _paths(picked.value, invocation_dir)
    elif picked.where == "ini":  # pytest made them absolute, relative to the ini file
        sources = tuple(Path(p) for p in picked.value)
    elif picked.where == "table":
        sources = _paths(as_list(picked.value), rootdir)
    folders = [(sources, picked.name)]
    sources = sources or (rootdir,)

    exclude = tuple(as_list(pick("exclude").value))
    picked = pick("package_roots")
    package_roots: tuple[Path, ...] = ()
    if picked.where == "ini":
        package_roots = tuple(Path(p) for p in picked.value)
    elif picked.where == "table":
        package_roots = _paths(as_list(picked.value), rootdir)
    folders.append((package_roots, picked.name))

    picked = pick("data_file", option_given=lambda value: value is not None)
    from_environment = os.environ.get(DATA_FILE_ENV)
    if picked.where != "option" and from_environment:
        picked = pick.record("data_file", _Pick("option", from_environment, f"${DATA_FILE_ENV}"))
    data_file = _data_file(picked, invocation_dir=invocation_dir, rootdir=rootdir)

    report_options = _report_options(pick)
    append = bool(pick("append", flag=True).value)
    parallel = bool(pick("parallel", flag=True).value)
    strict = bool(pick("strict", flag=True).value)

    diff_compare_branch, diff_fail_under = _diff_gate(pick)

    active = report_requested or fail_under is not None or strict or bool(diff_compare_branch)
    if active and not report_requested:
        reports = (ReportRequest("term", None),)
    if active if scans is None else scans:  # a missing folder matters only to a run that scans
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
        origins=pick.origins,
    )


def _diff_gate(pick: _Picker) -> tuple[str | None, float | None]:
    """``--signal-diff-compare-branch`` and ``--signal-diff-fail-under`` (or their ini and
    ``[tool.signaltrace]`` keys); a fail-under alone compares with diff-cover's default branch.
    Raises :class:`ConfigError` naming the setting and the file."""
    picked = pick("diff_fail_under")
    fail_under = None
    if picked.value not in (None, ""):
        fail_under = parse_percent(picked.value, picked.name)
    picked = pick("diff_compare_branch")
    branch = picked.value.strip() if isinstance(picked.value, str) else None
    if branch:
        problem = branch_error(branch)
        if problem:
            raise ConfigError(f"{picked.name}: {problem}")
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


def _report_options(pick: _Picker) -> ReportOptions:
    """``precision``, ``skip_covered``, ``sort`` and ``html_link_template`` (options of
    ``signaltrace report`` only); a bad value is a :class:`ConfigError` naming the key and the
    file."""

    def value(key: str, default: Any) -> tuple[Any, str]:
        picked = pick(key, flag=key == "skip_covered")
        found = picked.value
        if picked.where == "ini" and isinstance(found, str):
            found = found.strip()
        return (default if picked.where == "default" else found), picked.name

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


def effective_settings(settings: Settings, rootdir: Path) -> dict[str, object]:
    """Every setting by its ``[tool.signaltrace]`` key, as the value that is in effect would be
    written there (paths relative to ``rootdir`` where inside it), for ``debug config``."""

    def shown(path: Path) -> str:
        try:
            return path.relative_to(rootdir.resolve()).as_posix() or "."
        except ValueError:
            try:
                return path.relative_to(rootdir).as_posix() or "."
            except ValueError:
                return str(path)

    def report(request: ReportRequest) -> str:
        if request.skip_covered:
            return f"{request.kind}:{SKIP_COVERED}"
        return request.kind + (f":{request.destination}" if request.destination else "")

    options = settings.report_options
    return {
        "report": [report(request) for request in settings.reports],
        "source": [shown(path) for path in settings.sources],
        "fail_under": settings.fail_under,
        "exclude": list(settings.exclude),
        "package_roots": [shown(path) for path in settings.package_roots],
        "data_file": shown(settings.data_file) if settings.data_file else False,
        "skip_covered": options.skip_covered,
        "precision": options.precision,
        "sort": options.sort,
        "html_link_template": options.link_template or "",
        "append": settings.append,
        "parallel": settings.parallel,
        "strict": settings.strict,
        "diff_compare_branch": settings.diff_compare_branch,
        "diff_fail_under": settings.diff_fail_under,
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


def _data_file(picked: _Pick, *, invocation_dir: Path, rootdir: Path) -> Path | None:
    """The data file: the option or ``$SIGNALTRACE_FILE`` (relative to where the command was
    started; an empty option: none), else the ini key or ``data_file`` (relative to the rootdir;
    ``""``/``false`` in pyproject: none), else ``.signaltrace`` in the rootdir."""
    value: Any = picked.value
    if picked.where == "option":
        return invocation_dir / str(value) if value else None
    if picked.where == "ini":
        return rootdir / str(value)
    if value is False or value == "":
        return None
    if isinstance(value, str):
        return rootdir / value
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
