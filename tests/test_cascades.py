"""Cascades outside the trace: static edges from the scan, the graph's loops and chains, the
edge list's evidence, the HTML curves and filter, and the data file that carries them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from report_samples import receiver, totals, with_signals

from pytest_signaltrace.datafile.data import RunData, read_data, write_data
from pytest_signaltrace.merge.cascade_model import CascadeEdge, Cascades, SignalChain
from pytest_signaltrace.merge.cascades import cascades_of
from pytest_signaltrace.model import Report, StaticMap
from pytest_signaltrace.report import render_text
from pytest_signaltrace.report.html import render_html
from pytest_signaltrace.scan import scan
from pytest_signaltrace.scan.cascades import StaticEdge, static_edges
from pytest_signaltrace.trace.cascade_keys import CascadeKey, ChainKey
from pytest_signaltrace.trace.keys import CodeRef, HandlerRef, SignalRef
from pytest_signaltrace.trace.model import Trace

if TYPE_CHECKING:
    from conftest import WriteTree

SIGNALS = """
from django.dispatch import Signal

order_placed = Signal()
order_shipped = Signal()
order_paid = Signal()
"""

RECEIVERS = """
from django.dispatch import receiver

from shop.signals import order_paid, order_placed, order_shipped


@receiver(order_placed)
def reserve(sender, **kwargs):
    announce(sender)


def announce(sender):
    order_shipped.send(sender=sender)


def unrelated():
    order_paid.send(sender=None)


@receiver(order_paid)
def retry(sender, **kwargs):
    order_paid.send(sender=sender)


class Mailer:
    def on_shipped(self, sender, **kwargs):
        self.confirm()

    def confirm(self):
        order_paid.send(sender=None)


order_shipped.connect(Mailer().on_shipped)
"""


def shop_map(tree: WriteTree) -> tuple[StaticMap, Path]:
    root = tree(
        {
            "shop/__init__.py": "",
            "shop/signals.py": SIGNALS,
            "shop/receivers.py": RECEIVERS,
        }
    )
    return scan(root, relative_to=root), root


def test_static_edges_are_sends_in_a_receiver_or_a_function_it_calls(tree: WriteTree) -> None:
    static, root = shop_map(tree)
    found = {(e.handler, e.signal, e.via) for e in static_edges(static, root)}
    assert found == {
        ("shop.receivers.reserve", "shop.signals.order_shipped", "announce"),
        ("shop.receivers.retry", "shop.signals.order_paid", ""),
        ("shop.receivers.Mailer.on_shipped", "shop.signals.order_paid", "confirm"),
    }


class _Paths:
    def __init__(self, root: Path) -> None:
        self.rootdir = root

    def site(self, ref: CodeRef | None) -> tuple[str, int] | None:
        if ref is None or not ref.path.startswith(str(self.rootdir)):
            return None
        return Path(ref.path).relative_to(self.rootdir).as_posix(), ref.line


def _signal(name: str) -> SignalRef:
    return SignalRef(f"shop.signals.{name}", None, None)


def _handler(root: Path, name: str) -> HandlerRef:
    return HandlerRef(f"shop.receivers.{name}", str(root / "shop/receivers.py"), 1)


def test_edges_join_static_and_runtime_and_a_loop_needs_the_receivers_that_ran(
    tree: WriteTree,
) -> None:
    static, root = shop_map(tree)
    placed, shipped, paid = _signal("order_placed"), _signal("order_shipped"), _signal("order_paid")
    reserve, retry = _handler(root, "reserve"), _handler(root, "retry")
    trace = Trace(
        cascades={
            CascadeKey(reserve, shipped, placed, None): 2,
            CascadeKey(retry, paid, paid, None): 1,
            CascadeKey(retry, paid, paid, retry): 1,
        },
        cascade_tests={CascadeKey(reserve, shipped, placed, None): frozenset({"t::a"})},
        chains={ChainKey((paid, paid, paid), (retry, retry)): frozenset({"t::b"})},
    )
    rows = (
        receiver("shop.signals.order_placed", "shop.receivers.reserve"),
        receiver("shop.signals.order_paid", "shop.receivers.retry"),
        receiver("shop.signals.order_shipped", "shop.receivers.Mailer.on_shipped"),
    )
    cascades = cascades_of(static, trace, _Paths(root), rows, lambda ref: ref.signal)
    by_pair = {(e.handler, e.signal): e for e in cascades.edges}
    first = by_pair[("shop.receivers.reserve", "shop.signals.order_shipped")]
    assert (first.evidence, first.calls, first.via, first.tests) == (
        "static+runtime",
        2,
        "announce",
        ("t::a",),
    )
    mailer = by_pair[("shop.receivers.Mailer.on_shipped", "shop.signals.order_paid")]
    assert (mailer.evidence, mailer.calls) == ("static", 0)
    assert [loop.chain for loop in cascades.loops] == [
        ("shop.signals.order_paid", "shop.receivers.retry", "shop.signals.order_paid")
    ]
    (deepest,) = cascades.deepest
    assert deepest.depth == 2
    assert deepest.tests == ("t::b",)
    assert cascades.longest[0].chain == (
        "shop.signals.order_placed",
        "shop.receivers.reserve",
        "shop.signals.order_shipped",
        "shop.receivers.Mailer.on_shipped",
        "shop.signals.order_paid",
        "shop.receivers.retry",
        "shop.signals.order_paid",
    )


def test_a_runtime_send_of_the_same_signal_is_no_loop_when_other_receivers_ran(
    tmp_path: Path,
) -> None:
    """A ``post_save`` receiver of one model saving another sends ``post_save`` again; only
    the other model's receivers run for it (none that sends): that is no loop."""
    save = SignalRef("django.db.models.signals.post_save", None, None)
    profile = HandlerRef("shop.receivers.create_profile", str(tmp_path / "shop/receivers.py"), 1)
    trace = Trace(cascades={CascadeKey(profile, save, save, None): 3})
    rows = (receiver("django.db.models.signals.post_save", "shop.receivers.create_profile"),)
    empty = StaticMap(root=str(tmp_path), files_scanned=0, files_parsed=0)
    cascades = cascades_of(empty, trace, _Paths(tmp_path), rows, lambda ref: ref.signal)
    assert len(cascades.edges) == 1
    assert cascades.loops == ()


def cascade_report() -> Report:
    edges = (
        CascadeEdge("shop.receivers.reserve", "shop.signals.order_shipped", "runtime", 2),
        CascadeEdge("shop.receivers.retry", "shop.signals.order_paid", "static+runtime", 1),
    )
    loop = SignalChain(
        ("shop.signals.order_paid", "shop.receivers.retry", "shop.signals.order_paid"),
        "static+runtime",
    )
    chain = SignalChain(
        ("shop.signals.order_placed", "shop.receivers.reserve", "shop.signals.order_shipped"),
        "runtime",
        ("shop/tests.py::test_place",),
    )
    rows = (
        receiver("shop.signals.order_placed", "shop.receivers.reserve"),
        receiver("shop.signals.order_paid", "shop.receivers.retry"),
        receiver("shop.signals.order_shipped", "shop.receivers.ship"),
    )
    return with_signals(
        totals(rows, ()),
        cascades=Cascades(edges, (loop,), (chain,), (chain,)),
    )


def test_term_missing_warns_of_loops_and_term_only_counts_them() -> None:
    report = cascade_report()
    missing = render_text(report, "term-missing")
    assert "WARNING: 1 signal loop (a receiver's send leads back):" in missing
    assert (
        "  shop.signals.order_paid -> shop.receivers.retry -> shop.signals.order_paid"
        "  [static+runtime]" in missing
    )
    assert "  in shop/tests.py::test_place" in missing
    term = render_text(report, "term")
    assert "WARNING: 1 signal loop (--signal-report=term-missing lists them)." in term


def test_json_has_cascades_loops_and_chains() -> None:
    data = json.loads(render_text(cascade_report(), "json"))
    assert data["format"] == 5
    assert [(e["handler"], e["calls"]) for e in data["cascades"]] == [
        ("shop.receivers.reserve", 2),
        ("shop.receivers.retry", 1),
    ]
    assert data["loops"][0]["chain"][0] == "shop.signals.order_paid"
    assert data["chains"]["deepest"][0]["tests"] == ["shop/tests.py::test_place"]


def test_the_graph_draws_cascade_curves_and_knows_each_signals_chain() -> None:
    page = render_html(cascade_report())
    assert page.count('<path class="cascade') == 2
    assert 'id="follow-cascades"' in page
    assert 'data-chain="shop.signals.order_placed shop.signals.order_shipped"' in page


def test_a_page_without_cascades_has_no_cascade_layer() -> None:
    report = with_signals(totals((receiver("shop.signals.a", "shop.receivers.a"),), ()))
    page = render_html(report)
    assert 'id="follow-cascades"' not in page
    assert '<path class="cascade' not in page


def test_the_data_file_carries_the_edges_and_a_version_2_file_still_reads(
    tmp_path: Path,
) -> None:
    static = StaticMap(root=str(tmp_path), files_scanned=0, files_parsed=0)
    handler = HandlerRef("shop.receivers.reserve", "shop/receivers.py", 3)
    placed, shipped = _signal("order_placed"), _signal("order_shipped")
    key = CascadeKey(handler, shipped, placed, None)
    trace = Trace(
        cascades={key: 4},
        cascade_tests={key: frozenset({"t::x"})},
        chains={ChainKey((placed, shipped), (handler,)): frozenset({"t::x"})},
    )
    run = RunData(static=static, trace=trace, rootdir=str(tmp_path), sources=("shop",))
    path = tmp_path / ".signaltrace"
    write_data(path, run)
    document = json.loads(path.read_text())
    assert document["version"] == 3
    again = read_data(path)
    assert again.trace.cascades == {key: 4}
    assert again.trace.chains == trace.chains
    document["version"] = 2
    del document["trace"]["cascades"], document["trace"]["chains"]
    path.write_text(json.dumps(document))
    assert read_data(path).trace.cascades == {}


def test_static_edges_of_a_missing_file_are_none(tmp_path: Path) -> None:
    assert static_edges(StaticMap(root="", files_scanned=0, files_parsed=0), tmp_path) == []
    assert StaticEdge("h", "s", "p", 1) < StaticEdge("h", "s", "p", 2)
