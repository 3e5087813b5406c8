"""``--signal-durations=N``: each receiver's time (own time apart from the sends it makes) and
queries, the N slowest after the report, every one in the JSON report and the data file, exact
under xdist and ``signaltrace combine``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from e2e_project import DjangoProject, signaltrace

RECEIVERS = """
import time

from django.db import connection
from django.dispatch import receiver

from shop.signals import order_placed, order_refunded, order_shipped


@receiver(order_placed)
def reserve_stock(sender, **kwargs):
    time.sleep(0.02)
    order_shipped.send(sender=None)


@receiver(order_shipped)
def book_courier(sender, **kwargs):
    time.sleep(0.03)


@receiver(order_refunded)
def write_ledger(sender, **kwargs):
    with connection.cursor() as cursor:
        for _ in range(3):
            cursor.execute("SELECT 1")


@receiver(order_refunded)
def refuse_refund(sender, **kwargs):
    raise ValueError("closed")
"""

TESTS = """
import pytest

from shop.signals import order_placed, order_refunded


def test_place():
    result = order_placed.send(sender=None)
    from shop.receivers import reserve_stock
    assert result == [(reserve_stock, None)]


@pytest.mark.django_db
def test_refund():
    from shop.receivers import refuse_refund, write_ledger
    result = order_refunded.send_robust(sender=None)
    assert [pair[0] for pair in result] == [write_ledger, refuse_refund]
"""

MORE_TESTS = """
import pytest

from shop.signals import order_placed, order_refunded


def test_place_again():
    order_placed.send(sender=None)


@pytest.mark.django_db
def test_refund_again():
    order_refunded.send_robust(sender=None)
"""

MS = 1_000_000


def _costs(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["receiver"]: row for row in data["durations"]}


def test_the_slowest_receivers_are_printed_and_every_one_is_in_the_json_report(
    django_project: DjangoProject,
) -> None:
    django_project.write(**{"shop/receivers": RECEIVERS, "test_shop": TESTS})
    result, report = django_project.run_json("--signal-report=term", "--signal-durations=2")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "*signal receiver coverage*",
            "*slowest 2 signal receiver durations*",
            "*total*own*calls*max*queries*receiver (signal)",
            "*ms*ms*1*ms*0*shop.receivers.reserve_stock (shop.signals.order_placed)",
            "*ms*ms*1*ms*0*shop.receivers.book_courier (shop.signals.order_shipped)",
            "(2 more: --signal-durations=0 shows every receiver)",
        ]
    )
    assert report.data["format"] == 5
    costs = _costs(report.data)
    assert set(costs) == {
        "shop.receivers.reserve_stock",
        "shop.receivers.book_courier",
        "shop.receivers.write_ledger",
        "shop.receivers.refuse_refund",
    }
    parent, child = costs["shop.receivers.reserve_stock"], costs["shop.receivers.book_courier"]
    # own time: the parent's, without the nested send (whose receiver slept 30 ms)
    assert parent["total_ns"] >= 50 * MS
    assert 20 * MS <= parent["own_ns"] <= parent["total_ns"] - 30 * MS
    assert child["own_ns"] == child["total_ns"] >= 30 * MS
    assert parent["max_test"] == "test_shop.py::test_place"
    assert parent["path"] == "shop/receivers.py"
    assert parent["signal"] == "shop.signals.order_placed"
    assert costs["shop.receivers.write_ledger"]["queries"] == 3
    assert costs["shop.receivers.write_ledger"]["calls"] == 1
    # a receiver that raised is timed too
    assert costs["shop.receivers.refuse_refund"]["calls"] == 1


def test_durations_zero_shows_every_receiver_and_the_ini_key_turns_it_on(
    django_project: DjangoProject,
) -> None:
    django_project.write(**{"shop/receivers": RECEIVERS, "test_shop": TESTS})
    django_project.ini("signaltrace_durations = 0\n")
    result = django_project.run()
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*- signal receiver durations -*"])
    assert "more: --signal-durations=0" not in result.stdout.str()
    for name in ("reserve_stock", "book_courier", "write_ledger", "refuse_refund"):
        result.stdout.fnmatch_lines([f"*shop.receivers.{name} (*"])


def test_without_the_option_nothing_is_timed(django_project: DjangoProject) -> None:
    django_project.write(**{"shop/receivers": RECEIVERS, "test_shop": TESTS})
    result, report = django_project.run_json()
    result.assert_outcomes(passed=2)
    assert "durations" not in report.data
    assert "signal receiver durations" not in result.stdout.str()
    data = json.loads((django_project.pytester.path / ".signaltrace").read_text("utf-8"))
    assert "durations" not in data["trace"]


def test_xdist_workers_add_up_as_a_serial_run(django_project: DjangoProject) -> None:
    django_project.write(
        **{"shop/receivers": RECEIVERS, "test_shop": TESTS, "test_more": MORE_TESTS}
    )
    _, serial = django_project.run_json("--signal-durations=0", "-n", "0")
    result, parallel = django_project.run_json("--signal-durations=0", "-n", "2")
    result.assert_outcomes(passed=4)
    counts = {name: (row["calls"], row["queries"]) for name, row in _costs(serial.data).items()}
    assert counts == {
        name: (row["calls"], row["queries"]) for name, row in _costs(parallel.data).items()
    }
    assert counts["shop.receivers.write_ledger"] == (2, 6)
    # the data file holds the same figures as the report, to the nanosecond
    data = json.loads((django_project.pytester.path / ".signaltrace").read_text("utf-8"))
    assert data["version"] == 3
    handlers = data["trace"]["handlers"]
    stored = {handlers[row["handler"]]["handler"]: row for row in data["trace"]["durations"]}
    for name, row in _costs(parallel.data).items():
        assert (stored[name]["total_ns"], stored[name]["own_ns"]) == (
            row["total_ns"],
            row["own_ns"],
        )


def test_combine_adds_the_costs_of_the_data_files_exactly(
    django_project: DjangoProject, tmp_path: Path
) -> None:
    django_project.write(**{"shop/receivers": RECEIVERS, "test_shop": TESTS})
    root = django_project.pytester.path
    parts = []
    for name in ("one", "two"):
        result = django_project.run("--signal-durations=1", f"--signal-data-file={name}.data")
        result.assert_outcomes(passed=2)
        parts.append(json.loads((root / f"{name}.data").read_text("utf-8")))
    combined = signaltrace("combine", "one.data", "two.data", "-o", "both.data", cwd=root)
    assert combined.returncode == 0, combined.stderr
    both = json.loads((root / "both.data").read_text("utf-8"))

    def by_name(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
        handlers = data["trace"]["handlers"]
        return {handlers[r["handler"]]["handler"]: r for r in data["trace"]["durations"]}

    one, two, summed = by_name(parts[0]), by_name(parts[1]), by_name(both)
    assert set(summed) == set(one) == set(two)
    for name, row in summed.items():
        for field in ("calls", "total_ns", "own_ns", "queries"):
            assert row[field] == one[name][field] + two[name][field], (name, field)
        assert row["max_ns"] == max(one[name]["max_ns"], two[name]["max_ns"])


def test_signaltrace_report_prints_the_runs_durations_from_its_data_file(
    django_project: DjangoProject,
) -> None:
    django_project.write(**{"shop/receivers": RECEIVERS, "test_shop": TESTS})
    result, _ = django_project.run_json("--signal-report=term", "--signal-durations=0")
    result.assert_outcomes(passed=2)
    root = django_project.pytester.path
    cli = signaltrace("report", "--durations", "0", cwd=root)
    assert cli.returncode == 0, cli.stderr
    title, *table = cli.stdout.split("\n\n")[-1].splitlines()
    assert title == "signal receiver durations"
    assert len(table) == 5, "a header and the four receivers"
    # the same block as the run's, its title on the run's separator line
    start = next(i for i, line in enumerate(result.outlines) if f" {title} " in line)
    assert result.outlines[start].strip("- ") == title
    assert result.outlines[start + 1 : start + 1 + len(table)] == table
    # and the JSON report of the data file is the run's, durations included
    as_json = signaltrace("report", "--format", "json", cwd=root)
    assert as_json.returncode == 0, as_json.stderr
    assert as_json.stdout == (root / "report.json").read_text("utf-8")
    assert '"durations": [' in as_json.stdout
