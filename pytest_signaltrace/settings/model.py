"""The settings a run resolves to, the report types, and the error a bad setting raises."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pytest_signaltrace.record import Record, field
from pytest_signaltrace.report.options import ReportOptions

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


#: The ``DEST`` of ``--signal-report=term:skip-covered`` (pytest-cov's spelling).
SKIP_COVERED = "skip-covered"


class ReportRequest(Record):
    """One ``--signal-report`` value: a type and where to write it (``None``: the terminal)."""

    kind: str
    destination: str | None
    #: ``term:skip-covered``, ``term-missing:skip-covered``.
    skip_covered: bool = False


class Settings(Record):
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
    #: Time the receivers and show the N slowest (``0``: all); ``None``: off (no timing at all).
    durations: int | None = None
    #: Where each setting came from, by its ``[tool.signaltrace]`` key: ``--signal-source``,
    #: ``$SIGNALTRACE_FILE``, ``signaltrace_source in /p/tox.ini``, ``source in
    #: [tool.signaltrace] of /p/pyproject.toml``, ``default``.
    origins: Mapping[str, str] = field(default_factory=dict, compare=False)


class ConfigError(ValueError):
    """A bad setting; ``str()`` is one line naming the setting and where it came from."""
