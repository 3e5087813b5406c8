"""One resolution of every setting from a source: the command line, then the ini file, then
``[tool.signaltrace]``, then the default, remembering where each came from."""

# No ``from __future__ import annotations``: NamedTuple and TypedDict compile each string
# annotation (a ForwardRef) when the class is made, at every import.

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from pytest_signaltrace import DATA_FILE_ENV, DEFAULT_DATA_FILE
from pytest_signaltrace.gates.diff import DEFAULT_COMPARE_BRANCH
from pytest_signaltrace.report.options import (
    DEFAULT_PRECISION,
    ReportOptions,
    link_template_error,
    precision_error,
    sort_error,
)
from pytest_signaltrace.settings.keys import (
    check_ini_keys,
    check_table,
)
from pytest_signaltrace.settings.model import (
    GITHUB_STEP_SUMMARY,
    SKIP_COVERED,
    ConfigError,
    ReportRequest,
    Settings,
)
from pytest_signaltrace.settings.sources import (
    SettingsSource,
    pyproject_table,
)
from pytest_signaltrace.settings.values import (
    as_list,
    branch_error,
    check_folders,
    destination_error,
    parse_durations,
    parse_percent,
    parse_report,
    resolved_paths,
)


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


def resolve_settings(source: SettingsSource, *, scans: bool | None = None) -> Settings:
    """The settings from ``source``; source folders are checked when ``scans`` (``None``: when
    tracing is on). Raises :class:`ConfigError` as :func:`~.pytest_config.read_settings` refuses."""
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
        parse_report(value, picked.name) for value in raw_reports if str(value).strip()
    )
    reports_origin = picked.name

    picked = pick("fail_under")
    fail_under = None
    if picked.value not in (None, ""):
        fail_under = parse_percent(picked.value, picked.name)

    invocation_dir = source.invocation_dir
    picked = pick("source")
    sources: tuple[Path, ...] = ()
    if picked.where == "option":
        sources = resolved_paths(picked.value, invocation_dir)
    elif picked.where == "ini":  # pytest made them absolute, relative to the ini file
        sources = tuple(Path(p) for p in picked.value)
    elif picked.where == "table":
        sources = resolved_paths(as_list(picked.value), rootdir)
    folders = [(sources, picked.name)]
    sources = sources or (rootdir,)

    exclude = tuple(as_list(pick("exclude").value))
    picked = pick("package_roots")
    package_roots: tuple[Path, ...] = ()
    if picked.where == "ini":
        package_roots = tuple(Path(p) for p in picked.value)
    elif picked.where == "table":
        package_roots = resolved_paths(as_list(picked.value), rootdir)
    folders.append((package_roots, picked.name))

    picked = pick("data_file", option_given=lambda value: value is not None)
    from_environment = os.environ.get(DATA_FILE_ENV)
    if picked.where != "option" and from_environment:
        picked = pick.record("data_file", _Pick("option", from_environment, f"${DATA_FILE_ENV}"))
    data_file = _data_file(picked, invocation_dir=invocation_dir, rootdir=rootdir)
    _check_destinations(reports, reports_origin, invocation_dir, data_file)

    report_options = _report_options(pick)
    append = bool(pick("append", flag=True).value)
    parallel = bool(pick("parallel", flag=True).value)
    strict = bool(pick("strict", flag=True).value)

    diff_compare_branch, diff_fail_under = _diff_gate(pick)
    picked = pick("durations")
    durations = None if picked.value in (None, "") else parse_durations(picked.value, picked.name)

    active = report_requested or fail_under is not None or strict or bool(diff_compare_branch)
    active = active or durations is not None
    if active and not report_requested:
        reports = (ReportRequest("term", None),)
    if active if scans is None else scans:  # a missing folder matters only to a run that scans
        for paths, name in folders:
            check_folders(paths, name)
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
        durations=durations,
        origins=pick.origins,
    )


def _check_destinations(
    reports: tuple[ReportRequest, ...], origin: str, invocation_dir: Path, data_file: Path | None
) -> None:
    """Refuse, before the run, a report that would be written over the data file or a source
    file (a usage error, as a bad ``--cov-report`` is: nothing has run yet)."""
    for request in reports:
        destination = request.destination
        if not destination or destination in ("-", GITHUB_STEP_SUMMARY):
            continue
        problem = destination_error(invocation_dir / destination, data_file)
        if problem:
            raise ConfigError(f"{origin}: {request.kind}:{destination} is {problem}")


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
        "durations": settings.durations,
    }


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
