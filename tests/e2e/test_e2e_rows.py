"""Each kind of receiver row and each status, in the JSON report and in the terminal table."""

from __future__ import annotations

import pytest
from e2e_project import DjangoProject, line_of

RECEIVERS = """
from django.core.signals import setting_changed
from django.dispatch import receiver

from shop import signals


@receiver(signals.order_placed)
def notify_warehouse(sender, **kwargs):
    pass


@receiver(signals.order_shipped)
def notify_customer(sender, **kwargs):
    pass


@receiver(signals.order_refunded)
def confirm_refund(sender, **kwargs):
    pass


@receiver(setting_changed)
def reload_prices(sender, setting, **kwargs):
    pass


def audit(sender, **kwargs):
    pass


for name in ["order_placed"]:
    getattr(signals, name).connect(audit)
"""

SERVICES = """
from shop.signals import order_placed, order_shipped


def place_order():
    order_placed.send(sender=None)


def ship_order():
    order_shipped.send(sender=None)
"""

TESTS = """
from django.dispatch import receiver
from django.test import override_settings

from shop.services import place_order
from shop.signals import order_placed

placed = []


@receiver(order_placed)
def remember_placed(sender, **kwargs):
    placed.append(sender)


def test_place_order():
    place_order()
    assert placed


def test_a_receiver_connected_in_the_test_body():
    calls = []

    def spy(sender, **kwargs):
        calls.append(sender)

    order_placed.connect(spy)
    try:
        place_order()
    finally:
        order_placed.disconnect(spy)
    assert calls == [None]


def test_changing_a_setting():
    with override_settings(USE_TZ=False):
        pass
"""


@pytest.fixture
def shop(django_project: DjangoProject) -> DjangoProject:
    """A shop with an exercised, an unexercised, a dead, a framework-signal, a runtime-only
    and two test-only receivers."""
    django_project.write(
        **{"shop/receivers": RECEIVERS, "shop/services": SERVICES, "test_shop": TESTS}
    )
    return django_project


def test_a_receiver_that_ran_is_exercised_with_its_calls_and_tests(shop: DjangoProject) -> None:
    result, report = shop.run_json()
    result.assert_outcomes(passed=3)
    row = report.receiver("shop.receivers.notify_warehouse")
    assert row["signal"] == "shop.signals.order_placed"
    assert (row["path"], row["line"]) == ("shop/receivers.py", line_of(RECEIVERS, "order_placed)"))
    assert row["declared"] is True
    assert row["test_only"] is False
    assert row["calls"] == 2
    assert row["status"] == "exercised"
    assert row["tests"] == [
        "test_shop.py::test_a_receiver_connected_in_the_test_body",
        "test_shop.py::test_place_order",
    ]


def test_a_receiver_that_never_ran_though_its_signal_has_a_sender_is_unexercised(
    shop: DjangoProject,
) -> None:
    _, report = shop.run_json()
    row = report.receiver("shop.receivers.notify_customer")
    assert (row["calls"], row["status"], row["tests"]) == (0, "unexercised", [])
    assert report.signal("shop.signals.order_shipped")["sends"] == 0


def test_a_receiver_of_a_signal_sent_nowhere_is_dead(shop: DjangoProject) -> None:
    _, report = shop.run_json()
    assert report.receiver("shop.receivers.confirm_refund")["status"] == "dead"
    assert report.signal("shop.signals.order_refunded")["status"] == "never_sent"


def test_a_receiver_the_scan_cannot_see_is_reported_as_not_declared(shop: DjangoProject) -> None:
    _, report = shop.run_json()
    row = report.receiver("shop.receivers.audit")
    assert row["declared"] is False
    assert row["test_only"] is False
    assert row["signal"] == "shop.signals.order_placed"
    connect_line = line_of(RECEIVERS, ".connect(audit)")
    assert (row["path"], row["line"]) == ("shop/receivers.py", connect_line)
    assert (row["status"], row["calls"]) == ("exercised", 2)


def test_test_only_receivers_are_listed_but_not_counted(shop: DjangoProject) -> None:
    _, report = shop.run_json()
    declared = report.receiver("test_shop.remember_placed")
    in_body = report.receiver("test_shop.test_a_receiver_connected_in_the_test_body.<locals>.spy")
    assert (declared["test_only"], declared["declared"], declared["calls"]) == (True, True, 2)
    assert (in_body["test_only"], in_body["declared"], in_body["calls"]) == (True, True, 1)
    assert in_body["tests"] == ["test_shop.py::test_a_receiver_connected_in_the_test_body"]
    # notify_warehouse, notify_customer, confirm_refund, reload_prices, audit
    assert report.summary["receivers"] == {"total": 5, "exercised": 3, "percent": 60.0}


def test_third_party_receivers_are_left_out(shop: DjangoProject) -> None:
    _, report = shop.run_json()
    # Django's own setting_changed receivers ran too; only the project's one is reported.
    assert report.signal("django.core.signals.setting_changed")["sends"] == 2
    assert report.receiver("shop.receivers.reload_prices")["calls"] == 2
    assert {h for h in report.handlers() if not h.startswith(("shop.", "test_shop."))} == set()


def test_the_json_report_keeps_its_contract(shop: DjangoProject) -> None:
    _, report = shop.run_json()
    assert report.data["format"] == 5
    assert report.summary["senders"] == {"total": 2, "exercised": 1, "percent": 50.0}
    receiver_keys = {"signal", "handler", "path", "line", "sender", "declared", "test_only"}
    receiver_keys |= {"calls", "status", "tests", "evidence", "possible_senders"}
    receiver_keys |= {"senders_seen", "framework"}
    assert all(receiver_keys <= row.keys() for row in report.receivers)
    signal_keys = {"signal", "framework", "status", "sends", "evidence", "possible_senders"}
    assert all(signal_keys <= row.keys() for row in report.signals)
    sender_keys = {"signal", "path", "line", "method", "test_only", "calls", "evidence"}
    sender_keys |= {"signal_candidates", "runtime_signals", "expression", "framework"}
    assert all(sender_keys <= row.keys() for row in report.senders)
    assert report.data["missing_workers"] == []


def test_the_terminal_table_has_a_header_a_row_per_signal_and_a_total(
    shop: DjangoProject,
) -> None:
    result = shop.run("--signal-report")
    result.stdout.fnmatch_lines(
        [
            "*- signal receiver coverage -*",
            "Signal * Receivers * Ran * Sends * Status * Evidence",
            "django.core.signals.setting_changed * 1 * 1 * 2 * ok * S+R",
            "shop.signals.order_placed * 2 * 2 * 2 * ok * S+R",
            "shop.signals.order_refunded * 1 * 0 * 0 * never sent * S+R",
            "shop.signals.order_shipped * 1 * 0 * 0 * ok * S",
            "TOTAL * 5 * 3 * 60.00%",
            "Send sites: 1 of 2 ran (50.00%). dead receivers: 1, test-only receivers: 2 "
            "(not counted).",
            "Evidence: S = the static scan, R = the runtime trace, S+R = both.",
        ]
    )
    result.stdout.no_fnmatch_line("Receivers that never ran:")


def test_term_missing_lists_the_file_and_line_of_what_never_ran(shop: DjangoProject) -> None:
    result = shop.run("--signal-report=term-missing")
    shipped = line_of(RECEIVERS, "order_shipped)")
    refunded = line_of(RECEIVERS, "order_refunded)")
    send = line_of(SERVICES, "order_shipped.send")
    remember = line_of(TESTS, "@receiver(order_placed)")
    spy = line_of(TESTS, "order_placed.connect(spy)")
    result.stdout.fnmatch_lines(
        [
            "Receivers that never ran:",
            f"  unexercised  S    shop/receivers.py:{shipped}  shop.receivers.notify_customer"
            "  (shop.signals.order_shipped)",
            f"  dead         S+R  shop/receivers.py:{refunded}  shop.receivers.confirm_refund"
            "  (shop.signals.order_refunded)",
            "",
            "Send sites that never ran:",
            f"  shop/services.py:{send}  send  shop.signals.order_shipped",
            "",
            "Test-only receivers (not counted):",
            f"  exercised    R    test_shop.py:{remember}  test_shop.remember_placed"
            "  (shop.signals.order_placed)",
            f"  exercised    R    test_shop.py:{spy}  "
            "test_shop.test_a_receiver_connected_in_the_test_body.<locals>.spy"
            "  (shop.signals.order_placed)",
        ]
    )
