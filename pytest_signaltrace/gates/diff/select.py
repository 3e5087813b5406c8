"""The report's receivers and send sites that a change touched, and how many of them ran."""

from __future__ import annotations

from pytest_signaltrace.model import Report, Totals
from pytest_signaltrace.record import Record


class ChangedItem(Record, ordered=True):
    """A receiver or send site on a changed line."""

    path: str
    line: int
    #: ``receiver`` or ``send``.
    kind: str
    #: Handler id of a receiver, send method of a send site.
    name: str
    signal: str | None
    calls: int
    status: str


class DiffResult(Record):
    """What the change touched, with its coverage; ``compare_branch`` names the base."""

    compare_branch: str
    items: tuple[ChangedItem, ...]
    #: Files holding changed items (report paths).
    files: tuple[str, ...]

    @property
    def totals(self) -> Totals:
        """Changed items that ran, over changed items (100% when the change touched none)."""
        return Totals(len(self.items), sum(1 for item in self.items if item.calls))

    @property
    def missing(self) -> tuple[ChangedItem, ...]:
        """Changed items that never ran."""
        return tuple(item for item in self.items if not item.calls)


def select_changed(
    report: Report, changed: dict[str, set[int]], prefix: str, compare_branch: str
) -> DiffResult:
    """The rows of ``report`` (paths relative to the folder at ``prefix`` of the repository)
    that lie on lines of ``changed``.

    A receiver is touched when its decorator or ``connect(`` line, or its ``def`` line,
    changed; a send site when any line of its call did. Test code and excluded receivers are
    left out, as in the totals.
    """

    def touched(path: str | None, lines: range) -> bool:
        return path is not None and not changed.get(prefix + path, set()).isdisjoint(lines)

    items = []
    for row in report.receivers:
        if row.test_only or row.excluded:
            continue
        def_line = range(row.def_line, row.def_line + 1) if row.def_line else range(0)
        if touched(row.path, range(row.line, row.line + 1)) or touched(row.def_path, def_line):
            items.append(
                ChangedItem(
                    row.path, row.line, "receiver", row.handler, row.signal, row.calls, row.status
                )
            )
    for send in report.senders:
        if send.test_only:
            continue
        if touched(send.path, range(send.line, max(send.line, send.end_line) + 1)):
            status = "exercised" if send.calls else "unexercised"
            items.append(
                ChangedItem(
                    send.path, send.line, "send", send.method, send.signal, send.calls, status
                )
            )
    files = {item.path for item in items}
    return DiffResult(compare_branch, tuple(sorted(items)), tuple(sorted(files)))
