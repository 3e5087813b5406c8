"""Receivers and send sites as coverage "lines", for the line-coverage formats (Cobertura, LCOV).

CI services read line coverage, not signals: each counted receiver is its decorator or
``connect(`` line, each counted send site the first line of its call, with the number of times it
ran as the line's hits. The rows are exactly those behind the report's totals: project code, not
test code, not excluded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pytest_signaltrace.model import Report


@dataclass(frozen=True, order=True)
class LineItem:
    """One receiver or send site on a line."""

    #: ``receiver`` or ``send``.
    kind: str
    #: Handler id for a receiver, the send method for a send site.
    name: str
    signal: str
    hits: int


@dataclass
class CoverageLine:
    """Everything counted on one line of one file."""

    number: int
    items: list[LineItem] = field(default_factory=list)

    @property
    def hits(self) -> int:
        """How often anything on the line ran."""
        return sum(item.hits for item in self.items)

    @property
    def covered_items(self) -> int:
        """How many of the line's receivers and send sites ran at least once."""
        return sum(1 for item in self.items if item.hits)


@dataclass
class CoverageFile:
    """The counted lines of one source file (path relative to the rootdir)."""

    path: str
    lines: dict[int, CoverageLine] = field(default_factory=dict)

    def add(self, number: int, item: LineItem) -> None:
        """Count ``item`` on line ``number``."""
        self.lines.setdefault(number, CoverageLine(number)).items.append(item)

    def sorted_lines(self) -> list[CoverageLine]:
        """The lines in order, each with its items sorted."""
        for line in self.lines.values():
            line.items.sort()
        return [self.lines[number] for number in sorted(self.lines)]

    @property
    def covered(self) -> int:
        """Lines that ran at least once."""
        return sum(1 for line in self.lines.values() if line.hits)


def coverage_files(report: Report) -> list[CoverageFile]:
    """The report's counted receivers and send sites, grouped by file and line, sorted by path."""
    files: dict[str, CoverageFile] = {}
    for receiver in report.receivers:
        if receiver.test_only or receiver.excluded:
            continue
        item = LineItem("receiver", receiver.handler, receiver.signal or "", receiver.calls)
        _file(files, receiver.path).add(receiver.line, item)
    for sender in report.senders:
        if sender.test_only:
            continue
        item = LineItem("send", sender.method, sender.signal or "", sender.calls)
        _file(files, sender.path).add(sender.line, item)
    return [files[path] for path in sorted(files)]


def _file(files: dict[str, CoverageFile], path: str) -> CoverageFile:
    found = files.get(path)
    if found is None:
        found = files[path] = CoverageFile(path)
    return found
