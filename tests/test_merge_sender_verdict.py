"""A receiver connected for one sender whose signal was sent only for others: "unexercised: never
sent for its sender", with the senders seen; and how the senders seen travel in a trace."""

from __future__ import annotations

from pathlib import Path

from pytest_signaltrace.merge.merge import PathMapper, build_report
from pytest_signaltrace.merge.verdicts import senders_seen_instead
from pytest_signaltrace.model import Definition, ReceiverStatus, StaticMap
from pytest_signaltrace.trace.model import (
    CodeRef,
    ConnectKey,
    HandlerRef,
    ReceiverKey,
    SendKey,
    SignalRef,
    Trace,
)

APP = "<flask.app.Flask object>"
CLI = "shop.cli.Cli"

UNEXERCISED = ReceiverStatus.UNEXERCISED


def test_only_a_receiver_for_senders_never_seen_is_never_sent_for_its_sender() -> None:
    assert senders_seen_instead(UNEXERCISED, [CLI], [APP, "None"]) == (APP, "None")
    assert senders_seen_instead(UNEXERCISED, [CLI, APP], [APP]) == ()  # one of them was sent
    assert senders_seen_instead(UNEXERCISED, [CLI, None], [APP]) == ()  # also for any sender
    assert senders_seen_instead(UNEXERCISED, [], [APP]) == ()  # never connected at run time
    assert senders_seen_instead(UNEXERCISED, [CLI], []) == ()  # no sender noted: never sent
    assert senders_seen_instead(ReceiverStatus.EXERCISED, [CLI], [APP]) == ()
    assert senders_seen_instead(ReceiverStatus.DEAD, [CLI], [APP]) == ()


def _trace(root: Path, sender: str | None, seen: frozenset[str], calls: int = 0) -> Trace:
    signal = SignalRef("shop.signals.placed", str(root / "shop/signals.py"), 3)
    handler = HandlerRef("shop.receivers.on_placed", str(root / "shop/receivers.py"), 5)
    site = CodeRef(str(root / "shop/receivers.py"), 4)
    send_site = CodeRef(str(root / "shop/service.py"), 9)
    return Trace(
        sends={SendKey(signal, "send", send_site, send_site): 3},
        receiver_calls={ReceiverKey(signal, handler): calls} if calls else {},
        connects={ConnectKey(signal, handler, site, sender, None): 1},
        senders_seen={signal: seen} if seen else {},
    )


def _row(root: Path, trace: Trace) -> tuple[ReceiverStatus, tuple[str, ...]]:
    static = StaticMap(
        root=".",
        files_scanned=1,
        files_parsed=1,
        definitions=(Definition("shop.signals.placed", "shop/signals.py", 3, "blinker"),),
    )
    report = build_report(static, trace, PathMapper(root, [root]))
    (row,) = report.receivers
    return row.status, row.senders_seen


def test_the_merged_row_lists_the_senders_its_signal_was_sent_for(tmp_path: Path) -> None:
    assert _row(tmp_path, _trace(tmp_path, CLI, frozenset({APP}))) == (UNEXERCISED, (APP,))
    assert _row(tmp_path, _trace(tmp_path, APP, frozenset({APP}))) == (UNEXERCISED, ())
    assert _row(tmp_path, _trace(tmp_path, None, frozenset())) == (UNEXERCISED, ())
    ran = _trace(tmp_path, CLI, frozenset({APP, CLI}), calls=2)
    assert _row(tmp_path, ran) == (ReceiverStatus.EXERCISED, ())


def test_the_senders_seen_are_written_read_merged_and_mapped(tmp_path: Path) -> None:
    first = _trace(tmp_path, CLI, frozenset({APP}))
    second = _trace(tmp_path, CLI, frozenset({"None"}))
    merged = first.merge(second)
    assert list(merged.senders_seen.values()) == [frozenset({APP, "None"})]
    document = merged.to_json()
    assert document["senders_seen"] == [
        {"signal": 0, "senders": ["<flask.app.Flask object>", "None"]}
    ]
    assert Trace.from_json(document) == merged
    assert not merged.is_empty()
    assert Trace(senders_seen=merged.senders_seen).is_empty() is False
    mapped = merged.map_paths(lambda path: path.replace(str(tmp_path), "/elsewhere"))
    assert [ref.path for ref in mapped.senders_seen] == ["/elsewhere/shop/signals.py"]
    # a trace without it (every trace before, and any without a receiver for one sender)
    plain = Trace(sends=dict(first.sends)).to_json()
    assert "senders_seen" not in plain
    assert Trace.from_json(plain).senders_seen == {}
