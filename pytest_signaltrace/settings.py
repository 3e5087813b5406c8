"""Settings from the command line, the pytest ini file and ``[tool.signaltrace]``.

Precedence, highest first: command-line options, ``signaltrace_*`` keys of the pytest ini file
(``pytest.ini``, ``[tool.pytest.ini_options]``, ``setup.cfg``, ``tox.ini``), then
``[tool.signaltrace]`` in the rootdir's ``pyproject.toml``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pytest_signaltrace import DEFAULT_DATA_FILE

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
}


@dataclass(frozen=True)
class ReportRequest:
    """One ``--signal-report`` value: a type and where to write it (``None``: the terminal)."""

    kind: str
    destination: str | None


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
        "--signal-data-file",
        default=None,
        metavar="PATH",
        dest="signal_data_file",
        help=f"data file for 'signaltrace report/combine' (default: {DEFAULT_DATA_FILE} in the "
        "rootdir; empty: none)",
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


def read_settings(config: pytest.Config, namespace: Any = None) -> Settings:
    """Resolve the settings; ``namespace`` overrides ``config.option`` (early hooks).

    Raises :class:`pytest.UsageError` for a bad value, with a message that names it.
    """
    options = namespace if namespace is not None else config.option
    if getattr(options, "no_signal_report", False):
        return Settings(active=False)
    table = pyproject_table(config.rootpath)
    rootdir = config.rootpath

    raw_reports = getattr(options, "signal_report", None) or config.getini("signaltrace_report")
    raw_reports = raw_reports or as_list(table.get("report"))
    reports = tuple(_parse_report(value) for value in raw_reports)

    raw_fail_under = (
        getattr(options, "signal_fail_under", None)
        or config.getini("signaltrace_fail_under")
        or table.get("fail_under")
    )
    fail_under = _parse_fail_under(raw_fail_under) if raw_fail_under not in (None, "") else None

    invocation_dir = config.invocation_params.dir
    sources = _paths(getattr(options, "signal_source", None), invocation_dir)
    sources = sources or tuple(Path(p) for p in config.getini("signaltrace_source"))
    sources = sources or _paths(as_list(table.get("source")), rootdir) or (rootdir,)

    exclude = tuple(config.getini("signaltrace_exclude")) or tuple(as_list(table.get("exclude")))
    package_roots = tuple(Path(p) for p in config.getini("signaltrace_package_roots"))
    package_roots = package_roots or _paths(as_list(table.get("package_roots")), rootdir)

    data_file = _data_file(
        getattr(options, "signal_data_file", None),
        config.getini("signaltrace_data_file"),
        table.get("data_file"),
        invocation_dir=invocation_dir,
        rootdir=rootdir,
    )

    active = bool(reports) or fail_under is not None
    if active and not reports:
        reports = (ReportRequest("term", None),)
    return Settings(
        active=active,
        reports=reports,
        sources=tuple(p.resolve() for p in sources),
        fail_under=fail_under,
        exclude=exclude,
        package_roots=tuple(p.resolve() for p in package_roots),
        data_file=data_file,
    )


def _parse_report(value: str) -> ReportRequest:
    kind, _, destination = str(value).partition(":")
    kind = kind.strip() or "term"
    if kind not in REPORT_TYPES:
        raise pytest.UsageError(
            f"--signal-report: unknown report type {kind!r}; choose from {', '.join(REPORT_TYPES)}"
        )
    if destination and REPORT_TYPES[kind] is None:
        raise pytest.UsageError(
            f"--signal-report: {kind!r} prints to the terminal; it takes no DEST"
        )
    return ReportRequest(kind, destination or REPORT_TYPES[kind])


def _parse_fail_under(value: object) -> float:
    try:
        number = float(str(value).rstrip("%"))
    except ValueError:
        raise pytest.UsageError(
            f"--signal-fail-under: {value!r} is not a number (a percent from 0 to 100)"
        ) from None
    if not 0 <= number <= 100:
        raise pytest.UsageError(f"--signal-fail-under: {value!r} is not between 0 and 100")
    return number


def _data_file(
    option: str | None, ini: str, table: object, *, invocation_dir: Path, rootdir: Path
) -> Path | None:
    """The data file: the option (relative to where pytest was started; empty: none), else the
    ini key or ``data_file`` (relative to the rootdir; ``""``/``false`` in pyproject: none)."""
    if option is not None:
        return invocation_dir / option if option else None
    if ini:
        return rootdir / ini
    if table is False or table == "":
        return None
    if isinstance(table, str):
        return rootdir / table
    return rootdir / DEFAULT_DATA_FILE


def pyproject_table(rootdir: Path) -> dict[str, Any]:
    """``[tool.signaltrace]`` of ``rootdir/pyproject.toml`` (empty when missing or unreadable)."""
    path = rootdir / "pyproject.toml"
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    table = data.get("tool", {}).get("signaltrace", {})
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
