"""The send-site rows of the merged report: the scan's send sites, corrected by the trace.

A runtime send meets a declared send site when its caller frame is in the same file, within the
call's lines (a frame may report any line of a multi-line call), and uses the same method. A
site the scan could not resolve (``signal: None``) takes the signal the trace saw it send, with
``evidence: runtime``; one that sent several signals (``self.signal.send()`` in a base class
whose subclasses set different signals) gets a row per signal, each with its own calls, and every
row lists them all in ``runtime_signals``. Sends from project code the scan did not see become
rows of their own (``declared: false``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from pytest_signaltrace.merge.ordering import record_order
from pytest_signaltrace.merge.verdicts import evidence
from pytest_signaltrace.model import Sender, SenderRow, Totals
from pytest_signaltrace.scan.paths import is_test_path

#: ``(path, line, method)``: a send site.
Site = tuple[str, int, str]
#: Calls per signal id (``None``: a signal the trace could not name) at one site.
Counts = Mapping[str | None, int]


def sender_rows(senders: Sequence[Sender], project_sends: Mapping[Site, Counts]) -> list[SenderRow]:
    """The rows of every declared send site and of every project send the scan did not see.

    ``project_sends`` holds, per project call site (rootdir-relative path, caller line, method),
    the calls per signal id the trace saw.
    """
    # Every line of every declared call, to the first declared site covering it: a run has
    # thousands of runtime send sites, a file dozens of declared ones, and looking each runtime
    # site up among its file's declared sites was most of building these rows.
    covering: dict[Site, Sender] = {}
    for sender in senders:
        for covered in range(sender.line, max(sender.end_line, sender.line) + 1):
            covering.setdefault((sender.path, covered, sender.method), sender)
    matched: dict[Site, dict[str | None, int]] = defaultdict(lambda: defaultdict(int))
    unmatched: list[tuple[Site, Counts]] = []
    for (path, line, method), counts in project_sends.items():
        declared = covering.get((path, line, method))
        if declared is None:
            unmatched.append(((path, line, method), counts))
            continue
        for signal, count in counts.items():
            matched[(path, declared.line, method)][signal] += count
    rows = [
        row
        for s in senders
        for row in _declared_rows(s, matched.get((s.path, s.line, s.method), {}))
    ]
    rows += [row for site, counts in unmatched for row in _runtime_rows(site, counts)]
    return sorted(rows, key=record_order)


def sender_totals(rows: Sequence[SenderRow]) -> Totals:
    """Send sites that ran over all send sites, outside test code.

    A site is counted once, even with a row for each of several signals it sent.
    """
    sites: dict[Site, bool] = {}
    for row in rows:
        if not row.test_only:
            site = (row.path, row.line, row.method)
            sites[site] = sites.get(site, False) or bool(row.calls)
    return Totals(len(sites), sum(sites.values()))


def _seen(counts: Counts) -> tuple[str, ...]:
    return tuple(sorted(s for s, n in counts.items() if s is not None and n))


def _declared_rows(sender: Sender, counts: Counts) -> list[SenderRow]:
    """One row for a resolved site; one per signal seen for an unresolved one."""
    seen = _seen(counts)

    def row(signal: str | None, calls: int, proof: bool) -> SenderRow:
        return SenderRow(
            path=sender.path,
            line=sender.line,
            signal=signal,
            method=sender.method,
            declared=True,
            test_only=sender.test_only,
            calls=calls,
            end_line=sender.end_line,
            sender=sender.sender,
            code=sender.code,
            evidence=evidence(static=sender.signal is not None, runtime=proof),
            signal_candidates=sender.signal_candidates,
            runtime_signals=seen,
            expression=sender.expression,
        )

    if sender.signal is not None:
        # The scan named the signal; the trace backs it when it saw this very signal sent here.
        return [row(sender.signal, sum(counts.values()), sender.signal in seen)]
    unnamed = counts.get(None, 0)
    rows = [row(signal, counts[signal], True) for signal in seen]
    if unnamed or not rows:
        rows.append(row(None, unnamed, False))
    return rows


def _runtime_rows(site: Site, counts: Counts) -> list[SenderRow]:
    """Rows for a project send site the scan did not see: one per signal the trace saw."""
    path, line, method = site
    seen = _seen(counts)
    signals: list[str | None] = [*seen]
    if counts.get(None) or not signals:
        signals.append(None)
    return [
        SenderRow(
            path=path,
            line=line,
            signal=signal,
            method=method,
            declared=False,
            test_only=is_test_path(path),
            calls=counts.get(signal, 0),
            end_line=line,
            evidence="runtime",
            runtime_signals=seen,
        )
        for signal in signals
    ]
