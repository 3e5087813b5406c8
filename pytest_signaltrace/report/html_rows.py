"""What the HTML page's tables show: each row as the template needs it, in groups by folder,
and the numbers of the header. Plain data: the template (``templates/tables.html``) writes it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pytest_signaltrace.model import ReceiverRow, Report, SenderRow, SignalCategory, SignalRow
from pytest_signaltrace.record import Record
from pytest_signaltrace.report.graph_labels import (
    receiver_status,
    sender_status,
    short_handler,
    short_signal,
    signal_module,
)
from pytest_signaltrace.report.graph_shapes import UNRESOLVED
from pytest_signaltrace.report.signal_frameworks import framework_of
from pytest_signaltrace.report.words import raised_text, signal_word, site_text

#: Sort rank of the statuses: the ones that need attention first.
#: Receiver statuses as shown, in the order of the filters and counts.
RECEIVER_STATUSES = ("exercised", "unexercised", "possibly-dead", "dead", "test-only", "excluded")
_RECEIVER_RANK = {
    "dead": 0,
    "possibly-dead": 1,
    "unexercised": 2,
    "exercised": 3,
    "test-only": 4,
    "excluded": 5,
}
#: Send-site statuses as shown, in the order of the filters and counts.
SENDER_STATUSES = ("ran", "never-ran", "test-only")
#: Signal statuses, in the order of the counts: the ones that need a look first.
SIGNAL_STATUSES = (
    "never_sent", "possibly_never_sent", "ok", "test_receivers_only", "no_receivers",
    "possibly_unused", "unused",
)
#: A table with more rows than this shows its groups collapsed (each one a line with its
#: counts): at 450 receivers an open page was 42,000 px tall. Smaller tables show everything.
OPEN_GROUPS_UP_TO = 40
#: A receiver's tests of one file are folded under the file's name past this many.
FOLD_TESTS_PAST = 3
#: Shown statuses that hide the run status (so a note says it).
_HIDING = ("test-only", "excluded")
_SENDER_RANK = {"never-ran": 0, "ran": 1, "test-only": 2}
_SENDER_WORDS = {"never-ran": "never ran", "ran": "ran", "test-only": "test-only"}
SIGNAL_HINTS = {
    "ok": "sent somewhere and received somewhere",
    "unused": "defined here, but nothing sends it and nothing receives it",
    "never_sent": "has receivers, but nothing sends it: they are dead",
    "no_receivers": "sent, but nothing receives it",
    "test_receivers_only": "sent, but only test code receives it",
    "possibly_never_sent": "has receivers, and no send site the scan resolved sends it, nor did "
    "the tests; an unresolved send site might: its receivers are possibly dead",
    "possibly_unused": "nothing receives it, and only an unresolved send site might send it",
}
RECEIVER_HINTS = {
    "exercised": "ran at least once during the tests",
    "unexercised": "never ran, though its signal is sent somewhere",
    "possibly-dead": "never ran; no send site the scan resolved sends its signal and the tests "
    "did not, but a send site the scan could not resolve might",
    "dead": "never ran, and nothing sends its signal",
    "test-only": "defined in test code: not counted",
    "excluded": "left out of the numbers by a pragma or a configured pattern",
}


class Summary(Record):
    """The numbers in the page header."""

    receivers_total: int
    receivers_ran: int
    receivers_percent: float
    senders_total: int
    senders_ran: int
    senders_percent: float
    #: Receivers per shown status (``exercised``, ``dead``, ``test-only`` ...).
    receiver_statuses: dict[str, int]
    #: Send sites per shown status (``ran``, ``never-ran``, ``test-only``).
    sender_statuses: dict[str, int]
    signals: int


def summarize(report: Report) -> Summary:
    """The header numbers of ``report``."""
    receivers = report.receiver_totals
    senders = report.sender_totals
    return Summary(
        receivers_total=receivers.total,
        receivers_ran=receivers.exercised,
        receivers_percent=receivers.percent,
        senders_total=senders.total,
        senders_ran=senders.exercised,
        senders_percent=senders.percent,
        receiver_statuses=_count(receiver_status(r) for r in report.receivers),
        sender_statuses=_count(sender_status(s) for s in report.senders),
        signals=len(report.signals),
    )


def _count(statuses: Iterable[str]) -> dict[str, int]:
    return dict(Counter(statuses))


def page_data(report: Report, shown: Report) -> dict[str, Any]:
    """What the script needs beyond the DOM: the short name of every signal of ``report``, for
    the filter, and the tests of the receivers ``shown`` (:func:`test_table`)."""
    signals = {s.signal for s in report.signals}
    signals |= {r.signal for r in report.receivers if r.signal}
    signals |= {s.signal for s in report.senders if s.signal}
    return {
        "signals": {s: short_signal(s) for s in sorted(signals)},
        "tests": test_table(shown.receivers),
        "fold_tests_past": FOLD_TESTS_PAST,
    }


def test_table(receivers: Sequence[ReceiverRow]) -> dict[str, Any]:
    """Every test id of ``receivers`` once, and each receiver's tests as indexes into them.

    A suite's tests each ran many receivers, and a page that listed every receiver's tests in
    full held each id once per receiver (745 KB for 15 receivers). The page lists a receiver's
    tests when its cell is opened, from this table:

    * ``prefixes``: ``[prefix, separator]``, where an id is ``prefix + separator + name``: a
      pytest id is cut at its last ``::`` outside brackets (``tests/test_a.py::TestA`` /
      ``test_y[1]``), a unittest id at its last dot (``shop.tests.LoginTests`` / ``test_x``);
      an id that does not cut is its own prefix and name, with separator ``""``. The page shows
      the tests by file: a pytest prefix's part before its first ``::``, or the whole prefix.
    * ``tests``: ``[prefix index, name]``, sorted by file, prefix and name;
    * ``rows``: the indexes of the tests of row ``receiver-N``, sorted: grouped by file.
    """
    split = {test: _split_test(test) for row in receivers for test in row.tests}
    order = sorted(split, key=lambda test: (*split[test], test))
    prefixes = sorted({parts[:3] for parts in split.values()})
    prefix_index = {prefix: index for index, prefix in enumerate(prefixes)}
    test_index = {test: index for index, test in enumerate(order)}
    return {
        "prefixes": [[prefix, separator] for _file, prefix, separator in prefixes],
        "tests": [[prefix_index[split[test][:3]], split[test][3]] for test in order],
        "rows": {
            f"receiver-{index}": sorted(test_index[test] for test in row.tests)
            for index, row in enumerate(receivers)
            if row.tests
        },
    }


def test_file(test: str) -> str:
    """The file a test id is listed under: a pytest id's part before ``::``, a unittest id's
    class (``shop.tests.LoginTests``)."""
    return _split_test(test)[0]


def _split_test(test: str) -> tuple[str, str, str, str]:
    """``(file, prefix, separator, name)`` of a test id (see :func:`test_table`)."""
    head = test.partition("[")[0]
    cut = head.rfind("::")
    if cut > 0 and cut + 2 < len(test):
        return test.partition("::")[0], test[:cut], "::", test[cut + 2 :]
    prefix, dot, _name = head.rpartition(".")
    if prefix and "::" not in test and dot:
        return prefix, prefix, ".", test[len(prefix) + 1 :]
    return test, test, "", test


def folder(path: str | None) -> str:
    """The group of a row: the folder of its file (an app, or a package inside one)."""
    if not path:
        return "(no file)"
    head, sep, _name = path.rpartition("/")
    return head if sep else "(top level)"


def group_rows(
    rows: list[dict[str, Any]], table: str, statuses: Iterable[str]
) -> list[dict[str, Any]]:
    """``rows`` (each with a ``group``) in groups by folder, sorted by name, with the count of
    each status; a group starts open only when the whole table is small."""
    by_group: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_group.setdefault(row["group"], []).append(row)
    open_ = len(rows) <= OPEN_GROUPS_UP_TO
    groups = []
    for index, name in enumerate(sorted(by_group, key=_group_key)):
        members = by_group[name]
        counts = Counter(r.get("status", "") for r in members)
        groups.append(
            {
                "name": name,
                "id": f"{table}-group-{index}",
                "rows": members,
                "counts": [(status, counts[status]) for status in statuses if counts[status]],
                "open": open_,
            }
        )
    return groups


def _group_key(name: str) -> tuple[int, str]:
    # Folders first, then the pseudo groups in parentheses (framework signals, no file).
    return (name.startswith("("), name)


def _signal_module(signal: str | None) -> str:
    """The faint part of a signal id: everything before its short name, with the dot."""
    module = signal_module(signal) if signal else ""
    return f"{module}." if module else ""


def _search_text(*parts: object) -> str:
    return " ".join(str(p) for p in parts if p not in (None, "")).lower()


def receiver_rows(
    rows: tuple[ReceiverRow, ...], frameworks: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """The receiver table's rows; ``frameworks``: the framework of each signal id."""
    out = []
    for index, row in enumerate(rows):
        status = receiver_status(row)
        name = short_handler(row)
        framework = framework_of(row.signal, frameworks or {})
        definition = ""
        if row.def_path and row.def_path != row.path:
            definition = f"{row.def_path}:{row.def_line}" if row.def_line else row.def_path
        out.append(
            {
                "id": f"receiver-{index}",
                "row": row,
                "status": status,
                "word": status.replace("-", " "),
                "rank": _RECEIVER_RANK.get(status, 9),
                # A test-only or excluded receiver shows that status; say it is (possibly) dead.
                "hidden_verdict": (
                    row.status.value.replace("_", " ")
                    if row.status.value in ("dead", "possibly_dead") and status in _HIDING
                    else ""
                ),
                "possible": [site_text(site) for site in row.possible_senders],
                "raised": raised_text(row.raised),
                "module": row.handler[: len(row.handler) - len(name)],
                "name": name,
                "signal": row.signal or UNRESOLVED,
                "signal_module": _signal_module(row.signal),
                "location": f"{row.path}:{row.line}",
                "definition": definition,
                "framework": framework or "",
                "group": folder(row.path),
                "test_files": len({test_file(test) for test in row.tests}),
                "search": _search_text(
                    row.signal,
                    framework,
                    row.handler,
                    row.path,
                    row.def_path,
                    row.sender,
                    row.code,
                    row.evidence,
                ),
            }
        )
    return sorted(out, key=lambda r: (r["rank"], r["row"].path, r["row"].line, r["id"]))


def sender_rows(
    rows: tuple[SenderRow, ...], frameworks: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """The send-site table's rows; ``frameworks``: the framework of each signal id."""
    out = []
    for index, row in enumerate(rows):
        status = sender_status(row)
        framework = framework_of(row.signal, frameworks or {})
        out.append(
            {
                "id": f"sender-{index}",
                "row": row,
                "status": status,
                "word": _SENDER_WORDS[status],
                "rank": _SENDER_RANK[status],
                "signal": row.signal or UNRESOLVED,
                "signal_module": _signal_module(row.signal),
                "location": f"{row.path}:{row.line}",
                "named_by_trace": row.declared and bool(row.signal) and row.evidence == "runtime",
                "framework": framework or "",
                "group": folder(row.path),
                "search": _search_text(
                    row.signal,
                    framework,
                    row.path,
                    row.method,
                    row.sender,
                    row.code,
                    row.expression,
                    row.evidence,
                ),
            }
        )
    return sorted(out, key=lambda r: (r["rank"], r["row"].path, r["row"].line, r["id"]))


def _signal_group(row: SignalRow) -> str:
    """Project signals by the folder of their definition; the others by where they come from."""
    if row.category is SignalCategory.BUILTIN:
        return f"({row.framework}: built in)"
    if row.category is SignalCategory.EXTERNAL or not row.definition_path:
        return "(outside the project)"
    return folder(row.definition_path)


def signal_rows(rows: tuple[SignalRow, ...]) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        status = row.status.value
        definition = ""
        if row.definition_path:
            definition = f"{row.definition_path}:{row.definition_line or ''}".rstrip(":")
        out.append(
            {
                "row": row,
                "signal_module": _signal_module(row.signal),
                "status": status,
                "word": signal_word(status),
                "possible": [site_text(site) for site in row.possible_senders],
                "definition": definition,
                "group": _signal_group(row),
                "percent": (
                    round(100 * row.exercised_receivers / row.receivers) if row.receivers else None
                ),
                "search": _search_text(
                    row.signal, row.framework, row.category.value, definition, row.evidence
                ),
            }
        )
    return out
