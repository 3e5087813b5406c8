"""The merged report as JSON (``--signal-report=json[:FILE]``).

Format history (``"format"``):

* 1: first version: ``summary``, ``signals``, ``receivers``, ``senders``, plus
  ``files_skipped`` and ``missing_workers``.
* 2: every signal, receiver and send-site row carries ``evidence`` (``static``, ``runtime`` or
  ``static+runtime``: what its status, or a send site's signal, rests on); receivers may be
  ``possibly_dead`` and signals ``possibly_never_sent`` or ``possibly_unused``, both with
  ``possible_senders`` (the unresolved send sites that might send the signal:
  ``{"path", "line", "method", "expression"}``); send sites carry ``signal_candidates``,
  ``runtime_signals`` and ``expression``, and a site the scan could not resolve takes the
  signal the trace saw it send (one row per signal). ``dead`` counts leave excluded receivers
  out. Also ``unresolved_connects`` (from the static map: ``connect`` calls on objects that
  may not be signals).
* 3: receiver rows carry ``raised``: what the receiver raised under robust sends
  (``send_robust``, ``asend_robust``, Celery's ``send``), one ``{"exception", "count",
  "message", "tests"}`` per exception type, the most frequent first.
* 4: a signal may be ``test_receivers_only`` (sent, and every receiver is test code: declared
  in tests or connected from them, a ``Mock`` connected by a test helper included); before,
  such a signal was ``ok``, or ``no_receivers`` when its only receiver was a ``Mock``. Possible
  senders may name a skipped file (line 0, no expression): it may send any signal.
* 5: receiver rows carry ``senders_seen``: for an unexercised receiver connected for one sender
  only whose signal was sent at run time for other senders only ("never sent for its sender"),
  those senders (described by type), sorted; empty otherwise.
  Also in 5: ``durations``, only when the run timed its receivers (``--signal-durations``):
  every receiver that ran, slowest first, as ``{"receiver", "signal", "path", "line", "calls",
  "total_ns", "own_ns", "max_ns", "max_test", "queries"}`` (nanoseconds; ``own_ns`` leaves out
  the sends the receiver made; ``queries``: the database queries it issued itself, Django).
  Also in 5: receiver and send-site rows carry ``framework``, the framework of their signal (as the
  signal rows already did: ``django``, ``celery``, ``blinker``...; ``null`` when the signal is
  unresolved), right after ``signal``, so a project with several frameworks can tell their
  rows apart (added in the same, unreleased, version).
  Also in 5: ``cascades``: receivers that send signals, one ``{"handler", "signal", "evidence",
  "calls", "path", "line", "via", "tests"}`` per pair (``evidence`` ``static``: a send site in
  the receiver's body, or in ``via``, a function of its module it calls; ``runtime``: sent
  ``calls`` times while it ran); ``loops``: cycles signal -> receiver -> ... -> the same
  signal, each ``{"chain", "evidence", "tests"}`` (``chain``: signal, receiver, signal, ...,
  the first signal again); ``chains``: ``{"longest": [...], "deepest": [...]}``, the longest
  chains of the graph and the deepest chains of nested sends seen at run time (with the tests
  they were seen in), in the same form.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pytest_signaltrace import __version__
from pytest_signaltrace.model import ReceiverRow, Report, SenderRow, Totals, to_jsonable
from pytest_signaltrace.report.signal_frameworks import framework_of, frameworks_by_signal

if TYPE_CHECKING:
    from pytest_signaltrace.report.durations import ReceiverCost

FORMAT_VERSION = 5


def _totals(totals: Totals) -> dict[str, Any]:
    return {"total": totals.total, "exercised": totals.exercised, "percent": totals.percent}


def report_to_dict(
    report: Report, durations: Sequence[ReceiverCost] | None = None
) -> dict[str, Any]:
    """The JSON-ready document of a merged report (with the receivers' ``durations`` when the
    run timed them)."""
    frameworks = frameworks_by_signal(report)
    document = {
        "format": FORMAT_VERSION,
        "tool": f"pytest-signaltrace {__version__}",
        "summary": {
            "receivers": _totals(report.receiver_totals),
            "senders": _totals(report.sender_totals),
        },
        "signals": to_jsonable(report.signals),
        "receivers": [_with_framework(row, frameworks) for row in report.receivers],
        "senders": [_with_framework(row, frameworks) for row in report.senders],
        "files_skipped": to_jsonable(report.files_skipped),
        "missing_workers": list(report.missing_workers),
        "unresolved_connects": to_jsonable(report.unresolved_connects),
        "cascades": to_jsonable(report.cascades.edges),
        "loops": to_jsonable(report.cascades.loops),
        "chains": {
            "longest": to_jsonable(report.cascades.longest),
            "deepest": to_jsonable(report.cascades.deepest),
        },
    }
    if durations is not None:
        document["durations"] = [row.to_json() for row in durations]
    return document


def _with_framework(row: ReceiverRow | SenderRow, frameworks: dict[str, str]) -> dict[str, Any]:
    """``row`` as JSON with ``framework`` after ``signal``."""
    out: dict[str, Any] = {}
    for key, value in to_jsonable(row).items():
        out[key] = value
        if key == "signal":
            out["framework"] = framework_of(row.signal, frameworks)
    return out


def render_json(report: Report, durations: Sequence[ReceiverCost] | None = None) -> str:
    """The merged report as an indented JSON document with a trailing newline."""
    return json.dumps(report_to_dict(report, durations), indent=2) + "\n"
