"""The static scan's own verdicts: "dead" only when no send site, resolved or not, might send the
signal; otherwise "possibly dead", with the unresolved sites that might, in Markdown and JSON."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from pytest_signaltrace.merge.verdicts import PossibleSenders, SendFacts, evidence, signal_status
from pytest_signaltrace.model import ReceiverStatus, Sender, SignalStatus, SiteRef
from pytest_signaltrace.report.scan_json import render_scan_json
from pytest_signaltrace.report.scan_markdown import render_scan_markdown
from pytest_signaltrace.scan.derive import possibly_dead_receivers

if TYPE_CHECKING:
    from conftest import ScanTree

PROJECT = {
    "shop/__init__.py": "",
    "shop/signals.py": """
        from django.dispatch import Signal

        order_paid = Signal()
        order_lost = Signal()
    """,
    "shop/receivers.py": """
        from django.dispatch import receiver

        from shop.signals import order_paid

        @receiver(order_paid)
        def on_paid(sender, **kwargs):
            pass
    """,
    "shop/notify.py": """
        def fire(sig):
            sig.send(sender=None)
    """,
}
SITE = SiteRef("shop/notify.py", 2, "send", "sig")


def unresolved(*candidates: str, line: int = 1) -> Sender:
    return Sender("a.py", line, line, None, "send", signal_candidates=candidates)


@pytest.mark.parametrize(
    ("receivers", "sent", "possibly", "status"),
    [
        (1, True, False, SignalStatus.OK),
        (0, True, True, SignalStatus.NO_RECEIVERS),
        (1, False, True, SignalStatus.POSSIBLY_NEVER_SENT),
        (0, False, True, SignalStatus.POSSIBLY_UNUSED),
        (1, False, False, SignalStatus.NEVER_SENT),
        (0, False, False, SignalStatus.UNUSED),
    ],
)
def test_a_signal_status_follows_from_receivers_and_what_might_send_it(
    receivers: int, sent: bool, possibly: bool, status: SignalStatus
) -> None:
    assert signal_status(receivers, sent, possibly_sent=possibly) is status


def test_evidence_names_the_halves_a_verdict_rests_on() -> None:
    assert evidence(static=True, runtime=False) == "static"
    assert evidence(static=False, runtime=True) == "runtime"
    assert evidence(static=True, runtime=True) == "static+runtime"


def test_a_site_without_candidates_might_send_anything_one_with_candidates_only_those() -> None:
    possible = PossibleSenders([unresolved(line=1), unresolved("x", "y", line=2)])
    assert [s.line for s in possible.of("x")] == [1, 2]
    assert [s.line for s in possible.of("z")] == [1]
    resolved = Sender("a.py", 3, 3, "z", "send")
    assert PossibleSenders([resolved]).of("z") == ()


def test_a_receiver_of_a_signal_sent_at_run_time_is_not_dead_whatever_the_scan_said() -> None:
    facts = SendFacts([], ["x"], {"x": 3})
    assert facts.receiver("x", ran=False) == (ReceiverStatus.UNEXERCISED, "runtime", ())
    assert SendFacts([], ["x"]).receiver("x", ran=False)[0] is ReceiverStatus.DEAD


def test_the_scan_calls_a_receiver_possibly_dead_when_an_unresolved_site_might_send(
    scan_tree: ScanTree,
) -> None:
    smap = scan_tree(PROJECT)
    statuses = {s.signal: s.status for s in smap.signals}
    assert statuses == {
        "shop.signals.order_paid": SignalStatus.POSSIBLY_NEVER_SENT,
        "shop.signals.order_lost": SignalStatus.POSSIBLY_UNUSED,
    }
    (on_paid,) = smap.receivers
    assert not smap.is_dead(on_paid)
    assert possibly_dead_receivers(smap.receivers, smap.signals) == {
        ("shop/receivers.py", 5, "shop.signals.order_paid")
    }


def test_without_the_unresolved_site_the_same_receiver_is_dead(scan_tree: ScanTree) -> None:
    smap = scan_tree({k: v for k, v in PROJECT.items() if k != "shop/notify.py"})
    (on_paid,) = smap.receivers
    assert smap.is_dead(on_paid)
    assert not possibly_dead_receivers(smap.receivers, smap.signals)


def test_the_scan_markdown_lists_possibly_dead_receivers_with_the_sites(
    scan_tree: ScanTree,
) -> None:
    text = render_scan_markdown(scan_tree(PROJECT))
    assert "| Dead receivers | 0 |" in text
    assert "| Possibly dead receivers | 1 |" in text
    assert "## Dead receivers" not in text
    assert (
        "| `shop.receivers.on_paid` | `shop.signals.order_paid` | `shop/receivers.py:5` | "
        "`shop/notify.py:2 sig.send` |"
    ) in text
    assert "## Signals possibly never sent" in text
    assert "- `shop.signals.order_lost` (`shop/signals.py:4`): might be sent by" in text
    assert "`shop.receivers.on_paid` (possibly dead)" in text
    assert "- Status: possibly never sent" in text


def test_the_scan_json_marks_possibly_dead_receivers_and_the_possible_senders(
    scan_tree: ScanTree,
) -> None:
    data = json.loads(render_scan_json(scan_tree(PROJECT)))
    (receiver,) = data["receivers"]
    assert (receiver["dead"], receiver["possibly_dead"]) == (False, True)
    paid = next(s for s in data["signals"] if s["signal"] == "shop.signals.order_paid")
    assert paid["status"] == "possibly_never_sent"
    assert paid["possible_senders"] == [
        {"path": SITE.path, "line": SITE.line, "method": "send", "expression": "sig"}
    ]
    assert data["senders"][0]["signal_candidates"] == []
