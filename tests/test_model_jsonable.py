"""``model.to_jsonable``: records to plain JSON values (the static map, the JSON report)."""

from __future__ import annotations

from dataclasses import dataclass

from pytest_signaltrace.model import (
    SignalCategory,
    SignalInfo,
    SignalStatus,
    SiteRef,
    to_jsonable,
)


@dataclass(frozen=True)
class _One:
    value: tuple[str, ...]


@dataclass(frozen=True)
class _Nested:
    site: SiteRef
    sites: tuple[SiteRef, ...]
    tags: frozenset[str]
    note: str | None = None


def test_it_turns_enums_into_their_values_and_keeps_field_order() -> None:
    info = SignalInfo("shop.signals.x", "django", SignalCategory.CUSTOM, SignalStatus.OK)

    row = to_jsonable(info)

    assert list(row) == [
        "signal", "framework", "category", "status", "definition_path", "definition_line",
        "receivers", "senders", "test_receivers", "test_senders",
    ]  # fmt: skip
    assert type(row["category"]) is str
    assert row["category"] == "custom"
    assert type(row["status"]) is str
    assert row["status"] == "ok"


def test_it_converts_nested_records_tuples_and_sets() -> None:
    site = SiteRef("shop/a.py", 3, "send", "sig")
    record = _Nested(site, (site, site), frozenset({"b", "a"}))

    assert to_jsonable(record) == {
        "site": {"path": "shop/a.py", "line": 3, "method": "send", "expression": "sig"},
        "sites": [to_jsonable(site), to_jsonable(site)],
        "tags": ["a", "b"],
        "note": None,
    }


def test_a_record_with_one_field_is_a_dict_of_one() -> None:
    assert to_jsonable(_One(("x", "y"))) == {"value": ["x", "y"]}
    assert to_jsonable([_One(())]) == [{"value": []}]
