"""The trace corrects what the scan could not resolve, and uncertain verdicts say so.

The project sends through a class attribute, as django-oscar does (``add_signal =
basket_addition`` in a view, then ``self.add_signal.send(...)``), and through a function parameter
(``sig.send(...)``), which no scan can resolve. The assertions are on the merged report only, so
they hold whether or not the scan learns to resolve the class attribute.
"""

from __future__ import annotations

import re

import pytest
from e2e_project import SIGNALS, DjangoProject, line_of
from report_samples import report_from_json

from pytest_signaltrace.report.graph import SENDERS, layout_graph
from pytest_signaltrace.report.graph import SIGNALS as SIGNAL_COLUMN

ADDED = "shop.signals.basket_addition"

VIEWS = """
from shop.signals import basket_addition


class BasketAddView:
    add_signal = basket_addition

    def post(self, product):
        self.add_signal.send(
            sender=self.__class__,
            product=product,
        )


def fire(sig, **kwargs):
    sig.send(sender=None, **kwargs)
"""

RECEIVERS = """
from django.dispatch import receiver

from shop.signals import basket_addition, order_refunded


@receiver(basket_addition)
def on_added(sender, product, **kwargs):
    pass


@receiver(order_refunded)
def on_refund(sender, **kwargs):
    pass
"""

TESTS = """
from shop.views import BasketAddView


def test_adding_to_the_basket():
    BasketAddView().post("book")
    BasketAddView().post("pen")
"""


@pytest.fixture
def basket(django_project: DjangoProject) -> DjangoProject:
    django_project.write(
        **{
            "shop/signals": SIGNALS + "basket_addition = Signal()\n",
            "shop/views": VIEWS,
            "shop/receivers": RECEIVERS,
            "test_basket": TESTS,
        }
    )
    return django_project


def test_the_trace_names_the_signal_of_a_class_attribute_send_site(basket: DjangoProject) -> None:
    result, report = basket.run_json("--signal-report=html:html")
    result.assert_outcomes(passed=1)
    line = line_of(VIEWS, "self.add_signal.send(")
    rows = [s for s in report.senders if s["path"] == "shop/views.py" and s["line"] == line]
    assert [(s["signal"], s["calls"], s["declared"]) for s in rows] == [(ADDED, 2, True)]
    assert rows[0]["evidence"] in ("runtime", "static+runtime")
    assert report.signal(ADDED)["status"] == "ok"
    on_added = report.receiver("shop.receivers.on_added")
    assert (on_added["status"], on_added["calls"]) == ("exercised", 2)

    # The graph joins the site to its signal: from the JSON report, and in the HTML page.
    layout = layout_graph(report_from_json(report.data))
    (site,) = [n for n in layout.column(SENDERS) if n.label == f"shop/views.py:{line} send"]
    (signal,) = [n for n in layout.column(SIGNAL_COLUMN) if n.signal == ADDED]
    assert any(e.source == site.id and e.target == signal.id for e in layout.edges)
    page = (basket.pytester.path / "html" / "index.html").read_text("utf-8")
    node = rf'<g id="g-{site.id}" class="node leaf-node st-ran" data-signal="{ADDED}"'
    assert re.search(node, page)
    assert re.search(rf'<path class="edge st-ran" data-signal="{ADDED}"', page)


def test_a_receiver_only_an_unresolved_site_might_reach_is_possibly_dead(
    basket: DjangoProject,
) -> None:
    result, report = basket.run_json("--signal-report=term-missing")
    row = report.receiver("shop.receivers.on_refund")
    assert (row["status"], row["evidence"]) == ("possibly_dead", "static+runtime")
    fire = {"path": "shop/views.py", "line": line_of(VIEWS, "sig.send("), "method": "send"}
    assert {**fire, "expression": "sig"} in row["possible_senders"]
    assert report.signal("shop.signals.order_refunded")["status"] == "possibly_never_sent"
    result.stdout.fnmatch_lines(
        [
            "Send sites: 1 of 2 ran (50.00%). dead receivers: 0, possibly dead: 1, *",
            "Receivers that never ran:",
            f"  possibly dead  S+R  shop/receivers.py:{line_of(RECEIVERS, 'order_refunded)')}"
            "  shop.receivers.on_refund  (shop.signals.order_refunded)",
            f"*might be sent by *shop/views.py:{fire['line']} sig.send*",
        ]
    )
