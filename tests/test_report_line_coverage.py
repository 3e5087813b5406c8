"""Cobertura XML and LCOV: receivers and send sites as coverage lines with hit counts."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from report_samples import synthetic_report, totals

from pytest_signaltrace.model import ReceiverRow, ReceiverStatus, SenderRow
from pytest_signaltrace.report import render_text
from pytest_signaltrace.report.cobertura import render_cobertura
from pytest_signaltrace.report.lcov import render_lcov

DTD = Path(__file__).parent / "fixtures" / "cobertura-coverage-04.dtd"


def _receiver(
    path: str, line: int, handler: str, signal: str, calls: int, **kw: object
) -> ReceiverRow:
    status = ReceiverStatus.EXERCISED if calls else ReceiverStatus.UNEXERCISED
    return ReceiverRow(
        path=path,
        line=line,
        signal=signal,
        handler=handler,
        sender=None,
        declared=True,
        test_only=bool(kw.get("test_only", False)),
        calls=calls,
        status=status,
        excluded=bool(kw.get("excluded", False)),
    )


def _sender(path: str, line: int, signal: str, calls: int, test_only: bool = False) -> SenderRow:
    return SenderRow(path, line, signal, "send", True, test_only, calls, end_line=line)


REPORT = totals(
    (
        _receiver("shop/receivers.py", 10, "shop.receivers.on_placed", "shop.signals.a", 3),
        # One decorator line, two signals: one ran, one did not.
        _receiver("shop/receivers.py", 20, "shop.receivers.both", "shop.signals.a", 2),
        _receiver("shop/receivers.py", 20, "shop.receivers.both", "shop.signals.b", 0),
        _receiver("shop/receivers.py", 30, "shop.receivers.never", "shop.signals.b", 0),
        _receiver(
            "shop/receivers.py", 40, "shop.receivers.skip", "shop.signals.b", 0, excluded=True
        ),
        _receiver("shop/tests.py", 5, "shop.tests.spy", "shop.signals.a", 1, test_only=True),
    ),
    (
        _sender("shop/services.py", 7, "shop.signals.a", 5),
        _sender("shop/services.py", 9, "shop.signals.b", 0),
        _sender("shop/tests.py", 12, "shop.signals.a", 1, test_only=True),
    ),
)


def _parse(xml: str) -> etree._Element:
    return etree.fromstring(xml.encode())


def test_the_cobertura_report_is_valid_against_the_cobertura_dtd() -> None:
    dtd = etree.DTD(str(DTD))
    for report in (REPORT, synthetic_report(), totals((), ())):
        root = _parse(render_cobertura(report))
        assert dtd.validate(root), dtd.error_log.filter_from_errors()


def test_cobertura_lines_carry_hits_and_leave_out_test_and_excluded_rows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    root = _parse(render_cobertura(REPORT))
    assert root.get("timestamp") == "1700000000000"
    lines = {
        (cls.get("filename"), int(line.get("number"))): line.attrib
        for cls in root.iter("class")
        for line in cls.iter("line")
    }
    assert sorted(lines) == [
        ("shop/receivers.py", 10),
        ("shop/receivers.py", 20),
        ("shop/receivers.py", 30),
        ("shop/services.py", 7),
        ("shop/services.py", 9),
    ]
    assert lines["shop/receivers.py", 10]["hits"] == "3"
    assert lines["shop/receivers.py", 30]["hits"] == "0"
    assert lines["shop/services.py", 7]["hits"] == "5"
    partial = lines["shop/receivers.py", 20]
    assert (partial["hits"], partial["branch"], partial["condition-coverage"]) == (
        "2",
        "true",
        "50% (1/2)",
    )
    assert root.get("lines-valid") == "5"
    assert root.get("lines-covered") == "3"
    assert (root.get("branches-valid"), root.get("branches-covered")) == ("2", "1")
    assert root.get("line-rate") == "0.6"
    assert [p.get("name") for p in root.iter("package")] == ["shop"]


def test_cobertura_escapes_markup_in_paths() -> None:
    report = totals((_receiver('a&b/<x>".py', 1, "m.h", "s", 1),), ())
    root = _parse(render_cobertura(report))
    assert [c.get("filename") for c in root.iter("class")] == ['a&b/<x>".py']


def test_lcov_has_a_record_per_file_with_functions_and_lines() -> None:
    assert render_lcov(REPORT) == (
        "TN:signaltrace\n"
        "SF:shop/receivers.py\n"
        "FN:10,shop.receivers.on_placed\n"
        "FN:20,shop.receivers.both\n"
        "FN:30,shop.receivers.never\n"
        "FNDA:2,shop.receivers.both\n"
        "FNDA:0,shop.receivers.never\n"
        "FNDA:3,shop.receivers.on_placed\n"
        "FNF:3\n"
        "FNH:2\n"
        "DA:10,3\n"
        "DA:20,2\n"
        "DA:30,0\n"
        "LF:3\n"
        "LH:2\n"
        "end_of_record\n"
        "TN:signaltrace\n"
        "SF:shop/services.py\n"
        "FNF:0\n"
        "FNH:0\n"
        "DA:7,5\n"
        "DA:9,0\n"
        "LF:2\n"
        "LH:1\n"
        "end_of_record\n"
    )


def test_both_formats_are_text_formats_of_the_registry() -> None:
    assert render_text(REPORT, "lcov") == render_lcov(REPORT)
    assert render_text(REPORT, "xml").startswith('<?xml version="1.0" ?>\n<!DOCTYPE coverage')
