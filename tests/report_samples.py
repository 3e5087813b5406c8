"""Reports built by hand for the HTML report's tests and screenshots.

* :func:`xss_report`: a small report whose handler and sender expressions are an XSS payload;
* :func:`synthetic_report`: a big, varied report (30 signals, 100 receivers by default);
* :func:`report_from_json`: a :class:`Report` read back from ``--signal-report=json`` output.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from pytest_signaltrace.model import (
    RaisedRow,
    ReceiverRow,
    ReceiverStatus,
    Report,
    SenderRow,
    SignalCategory,
    SignalRow,
    SignalStatus,
    SiteRef,
    SkippedFile,
    Totals,
)

PAYLOAD = "</script><img src=x onerror=alert(1)>"
XSS_HANDLER = f"shop.receivers.{PAYLOAD}"

_BUILTINS = (
    "django.db.models.signals.post_save",
    "django.db.models.signals.pre_save",
    "django.db.models.signals.post_delete",
    "django.db.models.signals.m2m_changed",
    "django.core.signals.request_finished",
    "django.contrib.auth.signals.user_logged_in",
    "celery.signals.task_prerun",
    "celery.signals.task_postrun",
    "celery.signals.task_failure",
)
_VERBS = ("placed", "shipped", "refunded", "cancelled", "archived", "imported", "approved")
_NOUNS = ("order", "invoice", "customer", "shipment", "subscription", "payment", "ledger_entry")


def totals(receivers: tuple[ReceiverRow, ...], senders: tuple[SenderRow, ...]) -> Report:
    """Signal rows aside, a report with the totals computed like the merge does."""
    counted = [r for r in receivers if not r.test_only and not r.excluded]
    counted_senders = [s for s in senders if not s.test_only]
    return Report(
        signals=(),
        receivers=receivers,
        senders=senders,
        receiver_totals=Totals(len(counted), sum(1 for r in counted if r.calls)),
        sender_totals=Totals(len(counted_senders), sum(1 for s in counted_senders if s.calls)),
    )


def with_signals(report: Report, extra: Sequence[str] = (), **changes: Any) -> Report:
    """``report`` with a signal row for each signal of its rows and of ``extra``."""
    ids = sorted(
        {r.signal for r in report.receivers if r.signal}
        | {s.signal for s in report.senders if s.signal}
        | set(extra)
    )
    signals = []
    for signal in ids:
        receivers = [r for r in report.receivers if r.signal == signal]
        senders = [s for s in report.senders if s.signal == signal]
        builtin = signal.startswith(("django.", "celery."))
        sent = bool(senders) or builtin
        if receivers:
            status = SignalStatus.OK if sent else SignalStatus.NEVER_SENT
        else:
            status = SignalStatus.NO_RECEIVERS if sent else SignalStatus.UNUSED
        signals.append(
            SignalRow(
                signal=signal,
                framework="celery" if signal.startswith("celery.") else "django",
                category=SignalCategory.BUILTIN if builtin else SignalCategory.CUSTOM,
                status=status,
                sends=sum(s.calls for s in senders) + (7 if builtin else 0),
                receivers=len(receivers),
                exercised_receivers=sum(1 for r in receivers if r.calls),
                definition_path=None if builtin else _module_path(signal),
                definition_line=None if builtin else 3,
            )
        )
    return Report(
        signals=tuple(signals),
        receivers=report.receivers,
        senders=report.senders,
        receiver_totals=report.receiver_totals,
        sender_totals=report.sender_totals,
        **changes,
    )


def _module_path(signal: str) -> str:
    return signal.rsplit(".", 1)[0].replace(".", "/") + ".py"


def receiver(signal: str | None, handler: str, status: str = "exercised", **kw: Any) -> ReceiverRow:
    """A receiver row with sensible defaults; ``status`` is a :class:`ReceiverStatus` value."""
    calls = kw.pop("calls", 2 if status == "exercised" else 0)
    module = handler.rpartition(".")[0]
    values: dict[str, Any] = {
        "path": module.replace(".", "/") + ".py",
        "line": 10,
        "sender": None,
        "declared": True,
        "test_only": False,
        "tests": ("tests/test_app.py::test_it",) if calls else (),
        "kind": "decorator",
        "code": f"@receiver({(signal or 'unknown').rpartition('.')[2]})",
    }
    values.update(kw)
    return ReceiverRow(
        signal=signal, handler=handler, calls=calls, status=ReceiverStatus(status), **values
    )


def sender(signal: str | None, path: str, line: int, calls: int = 1, **kw: Any) -> SenderRow:
    """A send-site row with sensible defaults."""
    values: dict[str, Any] = {
        "method": "send",
        "declared": True,
        "test_only": False,
        "end_line": line,
        "sender": "Order",
        "code": f"{(signal or 'unknown').rpartition('.')[2]}.send(sender=Order)",
    }
    values.update(kw)
    return SenderRow(path=path, line=line, signal=signal, calls=calls, **values)


def xss_report() -> Report:
    """Six receivers and three send sites, one handler and two senders being :data:`PAYLOAD`."""
    placed = "shop.signals.order_placed"
    shipped = "shop.signals.order_shipped"
    refunded = "shop.signals.order_refunded"
    receivers = (
        receiver(placed, "shop.receivers.notify_customer", line=12, calls=3),
        receiver(
            placed, XSS_HANDLER, line=20, sender=PAYLOAD, code=f"@receiver(x, sender={PAYLOAD})"
        ),
        receiver(shipped, "shop.receivers.log_shipping", "unexercised", line=30),
        receiver(refunded, "shop.receivers.notify_refund", "dead", line=40),
        receiver(placed, "shop.tests.spy", path="shop/tests.py", test_only=True, line=9),
        receiver(shipped, "shop.receivers.legacy", "unexercised", line=50, excluded=True),
    )
    senders = (
        sender(placed, "shop/services.py", 19, calls=3),
        sender(shipped, "shop/services.py", 27, calls=0, sender=PAYLOAD),
        sender(None, "shop/views.py", 8, calls=0, code=f"signal.send(sender={PAYLOAD})"),
    )
    return with_signals(
        totals(receivers, senders),
        files_skipped=(SkippedFile("shop/broken.py", "SyntaxError: invalid syntax (line 3)"),),
        missing_workers=("gw1",),
    )


def synthetic_report(n_signals: int = 30, n_receivers: int = 100, seed: int = 7) -> Report:
    """A big report: ``n_signals`` signals, ``n_receivers`` receivers, every status, long names."""
    rng = random.Random(seed)
    custom = [
        f"app{i % 6}.signals.{_NOUNS[i % len(_NOUNS)]}_{_VERBS[(i * 3) % len(_VERBS)]}"
        for i in range(max(n_signals - len(_BUILTINS), 0))
    ]
    custom[:1] = ["billing.integrations.payment_provider.signals.SubscriptionEvents.renewal_failed"]
    signals = sorted(set(custom[: n_signals - min(n_signals, len(_BUILTINS))]))
    signals += list(_BUILTINS[: n_signals - len(signals)])
    weights = [rng.choice((1, 1, 1, 2, 3, 5, 12)) for _ in signals]
    receivers = tuple(
        _synthetic_receiver(rng, rng.choices(signals, weights)[0], i) for i in range(n_receivers)
    )
    senders: list[SenderRow] = []
    for i, signal in enumerate(s for s in signals if not s.startswith(("django.", "celery."))):
        for j in range(rng.choice((0, 1, 1, 1, 2, 3))):
            calls = rng.choice((0, 1, 4, 12))
            path = f"{signal.split('.')[0]}/services/{_NOUNS[i % len(_NOUNS)]}_workflow.py"
            senders.append(sender(signal, path, 10 + 7 * j + i, calls=calls))
    report = totals(receivers, tuple(sorted(senders)))
    return with_signals(report, signals)


def _synthetic_receiver(rng: random.Random, signal: str, index: int) -> ReceiverRow:
    app = f"app{index % 6}"
    name = rng.choice(
        (
            f"handle_{signal.rpartition('.')[2]}",
            f"NotificationDispatcher.on_{signal.rpartition('.')[2]}_send_email_and_sms_to_admins",
            f"sync_{index}",
            "ready.<locals>.<lambda>",
        )
    )
    status = rng.choices(("exercised", "unexercised", "dead"), (7, 2, 1))[0]
    if signal.startswith(("django.", "celery.")) and status == "dead":
        status = "unexercised"
    calls = rng.choice((1, 2, 9, 40)) if status == "exercised" else 0
    test_only = rng.random() < 0.08
    return receiver(
        signal,
        f"{app}.receivers.{name}",
        status,
        calls=calls,
        line=5 + index,
        path=f"{app}/tests.py" if test_only else f"{app}/receivers.py",
        test_only=test_only,
        excluded=rng.random() < 0.04,
        tests=tuple(f"{app}/tests/test_flow.py::test_case_{k}" for k in range(calls % 7)),
    )


def _sites(rows: list[dict[str, Any]]) -> tuple[SiteRef, ...]:
    return tuple(SiteRef(**row) for row in rows)


def _without_framework(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if key != "framework"}


def report_from_json(data: dict[str, Any]) -> Report:
    """A :class:`Report` from the document ``--signal-report=json`` writes (format 5: the
    receiver and send-site rows' ``framework``, derived from their signal, is dropped)."""
    summary = data["summary"]
    return Report(
        signals=tuple(
            SignalRow(
                **{
                    **s,
                    "category": SignalCategory(s["category"]),
                    "status": SignalStatus(s["status"]),
                    "possible_senders": _sites(s["possible_senders"]),
                }
            )
            for s in data["signals"]
        ),
        receivers=tuple(
            ReceiverRow(
                **{
                    **_without_framework(r),
                    "status": ReceiverStatus(r["status"]),
                    "tests": tuple(r["tests"]),
                    "possible_senders": _sites(r["possible_senders"]),
                    "raised": tuple(
                        RaisedRow(**{**x, "tests": tuple(x["tests"])}) for x in r["raised"]
                    ),
                    "senders_seen": tuple(r["senders_seen"]),
                }
            )
            for r in data["receivers"]
        ),
        senders=tuple(
            SenderRow(
                **{
                    **_without_framework(s),
                    "signal_candidates": tuple(s["signal_candidates"]),
                    "runtime_signals": tuple(s["runtime_signals"]),
                }
            )
            for s in data["senders"]
        ),
        receiver_totals=Totals(summary["receivers"]["total"], summary["receivers"]["exercised"]),
        sender_totals=Totals(summary["senders"]["total"], summary["senders"]["exercised"]),
        files_skipped=tuple(SkippedFile(**f) for f in data["files_skipped"]),
        missing_workers=tuple(data["missing_workers"]),
    )


#: The parameter send site of :func:`uncertain_report`: it might send any signal.
MAYBE_SITE = SiteRef("shop/views.py", 14, "send", "sig")


def uncertain_report() -> Report:
    """A report where the trace named an unresolved send site and the scan is unsure of others.

    ``shop/views.py:8`` (``self.add_signal.send``) was unresolved; the trace saw it send
    ``basket_addition`` 108 times. ``shop/views.py:14`` (``sig.send``) never ran: it might send
    any signal, so ``on_refund`` is possibly dead, ``order_lost``'s receiver is dead (the scan's
    candidates rule it out), and an excluded dead receiver is not counted.
    """
    added, refunded = "shop.signals.basket_addition", "shop.signals.order_refunded"
    lost, audited = "shop.signals.order_lost", "shop.signals.inventory_audited"
    receivers = (
        receiver(added, "shop.receivers.on_added", calls=108, line=6, evidence="runtime"),
        receiver(
            refunded,
            "shop.receivers.on_refund",
            "possibly_dead",
            line=11,
            evidence="static+runtime",
            possible_senders=(MAYBE_SITE,),
        ),
        receiver(lost, "shop.receivers.on_lost", "dead", line=16, evidence="static+runtime"),
        receiver(
            lost, "shop.receivers.legacy", "dead", line=21, excluded=True, evidence="static+runtime"
        ),
    )
    senders = (
        sender(
            added,
            "shop/views.py",
            8,
            calls=108,
            end_line=10,
            evidence="runtime",
            expression="self.add_signal",
            runtime_signals=(added,),
            code="self.add_signal.send(",
        ),
        sender(None, "shop/views.py", 14, calls=0, expression="sig", code="sig.send(sender=None)"),
    )
    report = totals(receivers, senders)
    maybe = (MAYBE_SITE,)

    def row(signal: str, status: SignalStatus, evidence: str, **kw: Any) -> SignalRow:
        rows = [r for r in receivers if r.signal == signal]
        return SignalRow(
            signal=signal,
            framework="django",
            category=SignalCategory.CUSTOM,
            status=status,
            sends=108 if signal == added else 0,
            receivers=len(rows),
            exercised_receivers=sum(1 for r in rows if r.calls),
            definition_path="shop/signals.py",
            definition_line=3,
            evidence=evidence,  # type: ignore[arg-type]
            **kw,
        )

    signals = (
        row(added, SignalStatus.OK, "runtime"),
        row(audited, SignalStatus.POSSIBLY_UNUSED, "static+runtime", possible_senders=maybe),
        row(lost, SignalStatus.NEVER_SENT, "static+runtime"),
        row(
            refunded,
            SignalStatus.POSSIBLY_NEVER_SENT,
            "static+runtime",
            possible_senders=maybe,
        ),
    )
    return Report(
        signals=signals,
        receivers=report.receivers,
        senders=report.senders,
        receiver_totals=report.receiver_totals,
        sender_totals=report.sender_totals,
    )
