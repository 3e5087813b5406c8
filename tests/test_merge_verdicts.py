"""The merge rules of verdicts: runtime evidence names unresolved send sites, "dead" only when
nothing could send the signal, and every status says what it rests on."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from pytest_signaltrace.merge.merge import Exclusions, PathMapper, build_report
from pytest_signaltrace.model import (
    Definition,
    Receiver,
    ReceiverRow,
    ReceiverStatus,
    Report,
    Sender,
    SenderRow,
    SignalRow,
    SignalStatus,
    SiteRef,
    StaticMap,
)
from pytest_signaltrace.scan.derive import dead_receivers, summarize_signals
from pytest_signaltrace.trace.model import (
    CodeRef,
    HandlerRef,
    ReceiverKey,
    SendKey,
    SignalRef,
    Trace,
)

ADDED = "shop.signals.basket_addition"
REFUNDED = "shop.signals.order_refunded"
AUDITED = "shop.signals.inventory_audited"
SIGNALS_PY = "shop/signals.py"
DEFINITIONS = (
    Definition(ADDED, SIGNALS_PY, 3, "django"),
    Definition(REFUNDED, SIGNALS_PY, 4, "django"),
    Definition(AUDITED, SIGNALS_PY, 5, "django"),
)
ON_ADDED = Receiver("shop/receivers.py", 6, ADDED, "shop.receivers.on_added", "decorator")
ON_REFUND = Receiver("shop/receivers.py", 11, REFUNDED, "shop.receivers.on_refund", "decorator")
#: ``self.add_signal.send(...)`` over lines 8-10: the scan could not name its signal.
ADD_VIEW = Sender(
    "shop/views.py", 8, 10, None, "send", "self.__class__", expression="self.add_signal"
)
#: ``sig.send(sender=None)`` on a parameter: any signal at all.
FIRE = Sender("shop/views.py", 14, 14, None, "send", "None", expression="sig")


def static_map(receivers: Sequence[Receiver], senders: Sequence[Sender]) -> StaticMap:
    """A static map as the scan builds it, statuses derived the scan's way."""
    signals = summarize_signals(DEFINITIONS, receivers, senders)
    return StaticMap(
        root=".",
        files_scanned=4,
        files_parsed=4,
        definitions=DEFINITIONS,
        receivers=tuple(receivers),
        senders=tuple(sorted(senders)),
        signals=tuple(signals),
        dead_receivers=dead_receivers(receivers, signals),
    )


def send(root: Path, signal: str, line: int, path: str = "shop/views.py") -> SendKey:
    """A runtime send of ``signal`` whose caller frame is ``path:line``."""
    definition = next(d for d in DEFINITIONS if d.signal == signal)
    ref = SignalRef(signal, str(root / definition.path), definition.line)
    site = CodeRef(str(root / path), line)
    return SendKey(ref, "send", site, site)


def ran(root: Path, receiver: Receiver) -> ReceiverKey:
    """A runtime call of ``receiver``'s handler."""
    definition = next(d for d in DEFINITIONS if d.signal == receiver.signal)
    ref = SignalRef(receiver.signal, str(root / definition.path), definition.line)
    return ReceiverKey(ref, HandlerRef(receiver.handler, str(root / receiver.path), receiver.line))


def merged(
    root: Path,
    receivers: Sequence[Receiver],
    senders: Sequence[Sender],
    sends: dict[SendKey, int] | None = None,
    calls: dict[ReceiverKey, int] | None = None,
    exclude: tuple[str, ...] = (),
) -> Report:
    trace = Trace(sends=sends or {}, receiver_calls=calls or {})
    return build_report(
        static_map(receivers, senders),
        trace,
        PathMapper(root, [root]),
        exclusions=Exclusions(exclude),
    )


def receiver_row(report: Report, handler: str) -> ReceiverRow:
    (row,) = [r for r in report.receivers if r.handler == handler]
    return row


def signal_row(report: Report, signal: str) -> SignalRow:
    (row,) = [s for s in report.signals if s.signal == signal]
    return row


def sender_rows(report: Report, line: int) -> list[SenderRow]:
    return [s for s in report.senders if s.line == line]


def test_an_unresolved_site_the_trace_saw_sending_a_signal_is_that_signal(tmp_path: Path) -> None:
    # The frame of a multi-line call may report any of its lines: 9 is inside 8-10.
    report = merged(
        tmp_path,
        [ON_ADDED],
        [ADD_VIEW],
        sends={send(tmp_path, ADDED, 9): 108},
        calls={ran(tmp_path, ON_ADDED): 108},
    )
    (row,) = sender_rows(report, 8)
    assert (row.signal, row.calls, row.evidence) == (ADDED, 108, "runtime")
    assert (row.declared, row.runtime_signals) == (True, (ADDED,))
    assert row.expression == "self.add_signal"
    assert report.sender_totals.exercised == report.sender_totals.total == 1
    signal = signal_row(report, ADDED)
    assert (signal.status, signal.evidence, signal.sends) == (SignalStatus.OK, "runtime", 108)
    on_added = receiver_row(report, ON_ADDED.handler)
    assert (on_added.status, on_added.evidence) == (ReceiverStatus.EXERCISED, "runtime")


def test_a_receiver_that_did_not_run_though_the_trace_saw_its_signal_sent_is_not_dead(
    tmp_path: Path,
) -> None:
    # A receiver limited to another sender does not run, but its signal is sent.
    report = merged(tmp_path, [ON_ADDED], [ADD_VIEW], sends={send(tmp_path, ADDED, 8): 2})
    row = receiver_row(report, ON_ADDED.handler)
    assert (row.status, row.evidence, row.possible_senders) == (
        ReceiverStatus.UNEXERCISED,
        "runtime",
        (),
    )


def test_a_site_the_trace_saw_sending_several_signals_has_a_row_for_each(tmp_path: Path) -> None:
    report = merged(
        tmp_path,
        [ON_ADDED, ON_REFUND],
        [ADD_VIEW],
        sends={send(tmp_path, ADDED, 8): 3, send(tmp_path, REFUNDED, 10): 1},
    )
    rows = sender_rows(report, 8)
    assert [(r.signal, r.calls, r.evidence) for r in rows] == [
        (ADDED, 3, "runtime"),
        (REFUNDED, 1, "runtime"),
    ]
    assert all(r.runtime_signals == (ADDED, REFUNDED) for r in rows)
    # One site, however many signals it sent.
    assert (report.sender_totals.total, report.sender_totals.exercised) == (1, 1)
    assert signal_row(report, REFUNDED).status is SignalStatus.OK


def test_a_signal_only_an_unresolved_site_might_send_makes_its_receivers_possibly_dead(
    tmp_path: Path,
) -> None:
    report = merged(tmp_path, [ON_REFUND], [FIRE])
    row = receiver_row(report, ON_REFUND.handler)
    site = SiteRef("shop/views.py", 14, "send", "sig")
    assert (row.status, row.evidence, row.possible_senders) == (
        ReceiverStatus.POSSIBLY_DEAD,
        "static+runtime",
        (site,),
    )
    refunded = signal_row(report, REFUNDED)
    assert (refunded.status, refunded.possible_senders) == (
        SignalStatus.POSSIBLY_NEVER_SENT,
        (site,),
    )
    audited = signal_row(report, AUDITED)
    assert (audited.status, audited.possible_senders) == (SignalStatus.POSSIBLY_UNUSED, (site,))


def test_an_unresolved_site_the_trace_named_still_might_send_other_signals(
    tmp_path: Path,
) -> None:
    # The trace saw it send basket_addition; that does not prove it never sends the others.
    report = merged(
        tmp_path, [ON_ADDED, ON_REFUND], [ADD_VIEW], sends={send(tmp_path, ADDED, 8): 1}
    )
    assert receiver_row(report, ON_REFUND.handler).status is ReceiverStatus.POSSIBLY_DEAD
    assert signal_row(report, ADDED).possible_senders == ()


@pytest.mark.parametrize(
    ("candidates", "status"),
    [
        ((REFUNDED, ADDED), ReceiverStatus.POSSIBLY_DEAD),
        ((ADDED,), ReceiverStatus.DEAD),
    ],
)
def test_candidates_decide_which_signals_an_unresolved_site_might_send(
    tmp_path: Path, candidates: tuple[str, ...], status: ReceiverStatus
) -> None:
    site = Sender(
        "shop/views.py", 8, 10, None, "send", expression="self.add_signal",
        signal_candidates=candidates,
    )
    report = merged(tmp_path, [ON_REFUND], [site])
    assert receiver_row(report, ON_REFUND.handler).status is status


def test_without_unresolved_sites_a_receiver_of_a_signal_sent_nowhere_is_dead(
    tmp_path: Path,
) -> None:
    report = merged(tmp_path, [ON_REFUND], [])
    row = receiver_row(report, ON_REFUND.handler)
    assert (row.status, row.evidence, row.possible_senders) == (
        ReceiverStatus.DEAD,
        "static+runtime",
        (),
    )
    assert signal_row(report, REFUNDED).status is SignalStatus.NEVER_SENT


def test_a_signal_the_trace_saw_sent_is_sent_whatever_the_scan_said(tmp_path: Path) -> None:
    # Sent from a library's file: no project send site, the scan called it never sent.
    library = send(tmp_path, REFUNDED, 3, path="../lib/dispatch.py")
    report = merged(tmp_path, [ON_REFUND], [], sends={library: 1})
    assert signal_row(report, REFUNDED).status is SignalStatus.OK
    assert signal_row(report, REFUNDED).evidence == "runtime"
    row = receiver_row(report, ON_REFUND.handler)
    assert (row.status, row.evidence) == (ReceiverStatus.UNEXERCISED, "runtime")
    assert report.senders == ()


def test_a_resolved_site_says_whether_the_trace_backs_its_signal(tmp_path: Path) -> None:
    placed = Sender("shop/services.py", 4, 4, ADDED, "send")
    silent = Sender("shop/services.py", 9, 9, REFUNDED, "send")
    report = merged(
        tmp_path,
        [ON_ADDED, ON_REFUND],
        [placed, silent],
        sends={send(tmp_path, ADDED, 4, path="shop/services.py"): 2},
    )
    assert [(s.line, s.evidence) for s in report.senders] == [(4, "static+runtime"), (9, "static")]
    assert signal_row(report, ADDED).evidence == "static+runtime"
    assert signal_row(report, REFUNDED).evidence == "static"
    assert receiver_row(report, ON_REFUND.handler).evidence == "static"


def test_a_project_send_the_scan_missed_gets_a_runtime_row_per_signal(tmp_path: Path) -> None:
    sends = {
        send(tmp_path, ADDED, 30, path="shop/hidden.py"): 1,
        send(tmp_path, REFUNDED, 30, path="shop/hidden.py"): 4,
    }
    report = merged(tmp_path, [ON_ADDED, ON_REFUND], [], sends=sends)
    assert [(s.signal, s.calls, s.declared, s.evidence) for s in report.senders] == [
        (ADDED, 1, False, "runtime"),
        (REFUNDED, 4, False, "runtime"),
    ]
    assert (report.sender_totals.total, report.sender_totals.exercised) == (1, 1)


def test_an_excluded_dead_receiver_keeps_its_status_but_is_left_out_of_the_totals(
    tmp_path: Path,
) -> None:
    report = merged(tmp_path, [ON_ADDED, ON_REFUND], [], exclude=("shop.receivers.on_refund",))
    row = receiver_row(report, ON_REFUND.handler)
    assert (row.status, row.excluded) == (ReceiverStatus.DEAD, True)
    assert report.receiver_totals.total == 1


def test_each_runtime_signal_is_named_once_however_many_rows_name_it(tmp_path: Path) -> None:
    # A real trace names a few dozen signals in thousands of rows: naming one looks its
    # definition site up in the project's paths, which the merge must do once per signal.
    looked_up: list[str] = []

    class CountingMapper(PathMapper):
        def site(self, ref: CodeRef | None) -> tuple[str, int] | None:
            if ref is not None and ref.path.endswith(SIGNALS_PY):
                looked_up.append(ref.path)
            return super().site(ref)

    sends = {send(tmp_path, REFUNDED, line): 1 for line in range(100, 150)}
    unnamed = SignalRef(None, None, None)
    sends |= {SendKey(unnamed, "send", CodeRef(str(tmp_path / "x.py"), n), None): 1 for n in (1, 2)}
    report = build_report(
        static_map([ON_REFUND], []), Trace(sends=sends), CountingMapper(tmp_path, [tmp_path])
    )

    assert signal_row(report, REFUNDED).sends == 50
    assert looked_up == [str(tmp_path / SIGNALS_PY)]


def test_a_runtime_send_meets_the_declared_call_spanning_its_line(tmp_path: Path) -> None:
    # Any line of a multi-line call, same method; the first declared call covering the line
    # wins; a line no call covers is a send site of its own.
    first = Sender("shop/views.py", 20, 23, REFUNDED, "send", "None", expression="a")
    inner = Sender("shop/views.py", 22, 22, REFUNDED, "send", "None", expression="b")
    robust = Sender("shop/views.py", 22, 22, REFUNDED, "send_robust", "None", expression="c")
    sends = {send(tmp_path, REFUNDED, 23): 1, send(tmp_path, REFUNDED, 22): 2}
    sends[send(tmp_path, REFUNDED, 30)] = 4
    robust_send = send(tmp_path, REFUNDED, 22)._replace(method="send_robust")
    sends[robust_send] = 8

    report = merged(tmp_path, [ON_REFUND], [first, inner, robust], sends)

    calls = {(r.line, r.method, r.declared): r.calls for r in report.senders}
    assert calls == {
        (20, "send", True): 3,
        (22, "send", True): 0,
        (22, "send_robust", True): 8,
        (30, "send", False): 4,
    }


def test_possible_senders_are_in_site_order_and_sorted_once_for_signals_of_no_candidate() -> None:
    from pytest_signaltrace.merge.verdicts import PossibleSenders

    senders = [
        Sender("b.py", 9, 9, None, "send", expression="sig"),
        Sender("a.py", 30, 30, None, "send_robust", expression="sig"),
        Sender("a.py", 30, 30, None, "send", expression="other"),
        Sender("a.py", 4, 4, None, "send", expression="z"),
        Sender("a.py", 30, 30, None, "send", expression="another"),
        Sender("c.py", 2, 2, None, "send", expression="self.sig", signal_candidates=(ADDED,)),
    ]
    possible = PossibleSenders(senders)
    anything = possible.of(REFUNDED)
    assert list(anything) == sorted(SiteRef(s.path, s.line, s.method, s.expression)
                                    for s in senders[:5])
    assert possible.of(AUDITED) is anything  # one sorted tuple, shared
    with_candidate = possible.of(ADDED)
    assert list(with_candidate) == sorted(
        [*anything, SiteRef("c.py", 2, "send", "self.sig")]
    )
