"""The framework of each row's signal, for the reports that show it beside receivers and send
sites (a project with Django, Celery and Flask signals side by side)."""

from __future__ import annotations

from collections.abc import Mapping

from pytest_signaltrace.frameworks import catalogue
from pytest_signaltrace.model import Report


def frameworks_by_signal(report: Report) -> dict[str, str]:
    """Signal id -> framework for every signal ``report`` names: its signal rows' framework,
    else the registry's answer for the id (a receiver's signal the table left out)."""
    known = {row.signal: row.framework for row in report.signals}
    named = {row.signal for row in report.receivers if row.signal}
    named |= {row.signal for row in report.senders if row.signal}
    facts = catalogue()
    for signal in sorted(named - known.keys()):
        known[signal] = facts.framework_of_signal(signal)
    return known


def framework_of(signal: str | None, frameworks: Mapping[str, str]) -> str | None:
    """The framework of ``signal`` (``None`` when the row's signal is unresolved)."""
    return frameworks.get(signal) if signal else None


def several_frameworks(frameworks: Mapping[str, str]) -> bool:
    """Whether the report mixes frameworks: only then do the receiver and send-site tables
    of the HTML page spend a column on it (the signal table always shows it)."""
    return len(set(frameworks.values())) > 1
