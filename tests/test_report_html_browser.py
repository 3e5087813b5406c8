"""The HTML report in a real browser: Debian's headless Chromium, driven by Playwright.

Never downloads a browser: Playwright is pointed at ``/usr/bin/chromium`` (Debian's ``chromium``
package). Skipped, with the reason, where that binary or the ``playwright`` module is missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from report_samples import PAYLOAD, XSS_HANDLER, synthetic_report, xss_report
from scale_project import write_scale_project

from pytest_signaltrace.model import Report
from pytest_signaltrace.report.html import write_html

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

sync_api = pytest.importorskip(
    "playwright.sync_api",
    reason="the browser test needs the playwright module (pip install -e '.[test]')",
)
pytestmark = [
    pytest.mark.slow,  # a real browser, and a generated project at scale
    pytest.mark.skipif(
        shutil.which(CHROMIUM) is None,
        reason=f"the browser test needs Debian's Chromium at {CHROMIUM} (apt-get install chromium)",
    ),
]

VISIBLE_RECEIVERS = 'table[data-table="receivers"] tbody tr:not([hidden])'


class OpenedPage:
    """A report opened in the browser, with every console message, error and request seen."""

    def __init__(self, page: Any, url: str) -> None:
        self.page = page
        self.url = url
        self.console: list[str] = []
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("dialog", self._dialog)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def count(self, selector: str) -> int:
        """How many elements match ``selector``."""
        return int(self.page.locator(selector).count())


OpenReport = Callable[[Report, Path], OpenedPage]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_report(browser: Any) -> Iterator[OpenReport]:
    contexts: list[Any] = []

    def open_(report: Report, directory: Path) -> OpenedPage:
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        contexts.append(context)
        url = write_html(report, directory).as_uri()
        opened = OpenedPage(context.new_page(), url)
        opened.page.goto(url)
        opened.page.wait_for_load_state("load")
        return opened

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def xss_page(open_report: OpenReport, tmp_path: Path) -> OpenedPage:
    return open_report(xss_report(), tmp_path / "xss")


def test_the_page_loads_from_a_file_url_without_errors(
    xss_page: OpenedPage, tmp_path: Path
) -> None:
    xss_page.page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert xss_page.errors == []
    assert [m for m in xss_page.console if m.startswith(("error", "warning"))] == []
    assert all(url.startswith("file://") for url in xss_page.requests), xss_page.requests
    assert (tmp_path / "report.png").stat().st_size > 10_000
    # The script ran (the CSP let it): the row counts are filled in.
    assert xss_page.page.text_content('[data-count-for="receivers"]') == "6 in all"


def test_the_status_checkboxes_change_the_visible_rows(xss_page: OpenedPage) -> None:
    assert xss_page.count(VISIBLE_RECEIVERS) == 6
    xss_page.page.locator('fieldset[data-table="receivers"] input[value="exercised"]').uncheck()
    assert xss_page.count(VISIBLE_RECEIVERS) == 4
    xss_page.page.locator('fieldset[data-table="receivers"] input[value="test-only"]').uncheck()
    assert xss_page.count(VISIBLE_RECEIVERS) == 3
    assert xss_page.page.text_content('[data-count-for="receivers"]') == "3 of 6 shown"
    xss_page.page.locator('fieldset[data-table="senders"] input[value="never-ran"]').uncheck()
    assert xss_page.count('table[data-table="senders"] tbody tr:not([hidden])') == 1


def test_the_text_filter_changes_the_visible_rows(xss_page: OpenedPage) -> None:
    xss_page.page.fill("#filter-text", "notify_")
    assert xss_page.count(VISIBLE_RECEIVERS) == 2
    xss_page.page.fill("#filter-text", "shop/tests.py")
    assert xss_page.count(VISIBLE_RECEIVERS) == 1
    xss_page.page.fill("#filter-text", "no such thing")
    assert xss_page.count(VISIBLE_RECEIVERS) == 0
    assert xss_page.page.is_visible('[data-empty-for="receivers"]')
    xss_page.page.click("#filter-reset")
    assert xss_page.count(VISIBLE_RECEIVERS) == 6


def test_a_summary_count_shows_only_that_status(xss_page: OpenedPage) -> None:
    xss_page.page.click('[data-show-status="dead"]')
    statuses = xss_page.page.eval_on_selector_all(
        VISIBLE_RECEIVERS, "rows => rows.map(r => r.dataset.status)"
    )
    assert statuses == ["dead"]


def test_clicking_a_column_heading_sorts_the_rows(xss_page: OpenedPage) -> None:
    calls = 'table[data-table="receivers"] td[data-col="calls"]'
    heading = 'table[data-table="receivers"] th[data-key="calls"] button'
    xss_page.page.click(heading)
    ascending = [int(t) for t in xss_page.page.locator(calls).all_text_contents()]
    assert ascending == sorted(ascending)
    xss_page.page.click(heading)
    descending = [int(t) for t in xss_page.page.locator(calls).all_text_contents()]
    assert descending == sorted(ascending, reverse=True)


def test_the_graph_has_one_node_per_signal(xss_page: OpenedPage) -> None:
    assert xss_page.count(".signal-node") == len(xss_report().signals)


def test_clicking_a_signal_node_filters_the_tables(xss_page: OpenedPage) -> None:
    xss_page.page.click('.signal-node[data-signal="shop.signals.order_shipped"]')
    signals = xss_page.page.eval_on_selector_all(
        VISIBLE_RECEIVERS, "rows => rows.map(r => r.dataset.signal)"
    )
    assert signals == ["shop.signals.order_shipped"] * 2
    assert xss_page.page.text_content("#signal-chip-name") == "order_shipped"
    xss_page.page.click("#signal-chip-clear")
    assert xss_page.count(VISIBLE_RECEIVERS) == 6


def test_markup_in_a_handler_or_sender_is_shown_as_text(xss_page: OpenedPage) -> None:
    page = xss_page.page
    handlers = page.locator('td[data-col="handler"]').all_text_contents()
    assert XSS_HANDLER in handlers
    senders = page.locator('table[data-table="receivers"] td[data-col="sender"]')
    assert PAYLOAD in senders.all_text_contents()
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    titles = page.locator("svg.graph .leaf-node title").all_text_contents()
    assert any(XSS_HANDLER in t for t in titles)
    assert xss_page.dialogs == []
    assert xss_page.errors == []


def test_a_big_report_renders_one_node_per_signal(open_report: OpenReport, tmp_path: Path) -> None:
    report = synthetic_report()
    opened = open_report(report, tmp_path / "big")
    opened.page.screenshot(path=str(tmp_path / "synthetic.png"), full_page=True)
    opened.page.evaluate("document.querySelector('.graph-scroll').style.maxHeight = 'none'")
    opened.page.locator("svg.graph").screenshot(path=str(tmp_path / "synthetic-graph.png"))
    assert opened.count(".signal-node") == len(report.signals) == 30
    assert opened.count(".leaf-node") == len(report.receivers) + len(report.senders)
    assert opened.count("table[data-table='receivers'] tbody tr") == 100
    assert opened.errors == []
    assert [m for m in opened.console if m.startswith("error")] == []
    assert (tmp_path / "synthetic-graph.png").stat().st_size > 50_000


# The page at the scale of issue 10: a generated project of 134 signals and 453 receivers,
# traced by a real pytest run, its HTML report opened at 1,400 px.

LINK = "https://example.test/repo/blob/main/{path}#L{line}"
SCALE_VIEWPORT = {"width": 1400, "height": 900}
WIDER_THAN_THE_PAGE = """() => {
  const width = document.documentElement.clientWidth;
  return Array.from(document.querySelectorAll("body *"))
    .filter(e => e.getClientRects().length && e.getBoundingClientRect().right > width + 0.5)
    .map(e => e.tagName + "." + e.className);
}"""


@pytest.fixture(scope="module")
def scale_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("scale")
    write_scale_project(root)
    (root / "pyproject.toml").write_text(f'[tool.signaltrace]\nhtml_link_template = "{LINK}"\n')
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            "-p",
            "no:xdist",
            "--signal-report=html:out",
            "--signal-report=json:report.json",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return root


@pytest.fixture
def scale_page(browser: Any, scale_report: Path) -> Iterator[OpenedPage]:
    context = browser.new_context(viewport=SCALE_VIEWPORT)
    url = (scale_report / "out" / "index.html").as_uri()
    opened = OpenedPage(context.new_page(), url)
    opened.page.goto(url)
    opened.page.wait_for_load_state("load")
    yield opened
    context.close()


def _visible(page: Any, selector: str) -> int:
    return int(
        page.eval_on_selector_all(
            selector, "els => els.filter(e => e.getClientRects().length > 0).length"
        )
    )


def test_the_generated_project_is_at_the_scale_of_the_issue(scale_report: Path) -> None:
    data = json.loads((scale_report / "report.json").read_text())
    assert len(data["receivers"]) == 453
    assert len([s for s in data["signals"] if s["category"] == "custom"]) == 134
    assert {r["status"] for r in data["receivers"]} == {"exercised", "unexercised", "dead"}
    assert data["files_skipped"] == []  # twelve empty models.py are not skipped files


def test_at_scale_the_page_is_short_with_its_groups_collapsed(scale_page: OpenedPage) -> None:
    page = scale_page.page
    assert scale_page.errors == []
    assert page.evaluate("document.documentElement.scrollHeight") < 4_000  # it was 42,000
    assert page.text_content('[data-count-for="receivers"]') == "453 in all"
    assert scale_page.count("details.group[open]") == 0
    page.click('[data-expand="receivers"]')
    assert scale_page.count("#receivers details.group[open]") == 12
    assert page.evaluate("document.documentElement.scrollHeight") > 20_000


def test_at_scale_nothing_is_wider_than_1400_px_even_with_everything_open(
    scale_page: OpenedPage,
) -> None:
    page = scale_page.page
    for name in ("receivers", "senders", "signals"):
        page.click(f'[data-expand="{name}"]')
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    assert page.evaluate(WIDER_THAN_THE_PAGE) == []
    overflowing = page.eval_on_selector_all(
        "table.data, table.data td",
        "els => els.filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)",
    )
    assert overflowing == []


def test_at_scale_the_status_filters_hide_rows_and_graph_boxes_and_edges(
    scale_page: OpenedPage,
) -> None:
    page = scale_page.page
    leaves = "svg.graph .leaf-node"
    assert _visible(page, leaves) == 453 + 114
    full_height = float(page.get_attribute("svg.graph", "height") or 0)
    for status in ("exercised", "unexercised"):
        page.locator(f'fieldset[data-table="receivers"] input[value="{status}"]').uncheck()
    for status in ("ran", "never-ran"):
        page.locator(f'fieldset[data-table="senders"] input[value="{status}"]').uncheck()
    dead_rows = page.eval_on_selector_all(
        'table[data-table="receivers"] tbody tr:not([hidden])', "rows => rows.map(r => r.id)"
    )
    assert len(dead_rows) == 65
    shown = page.eval_on_selector_all(
        "svg.graph .leaf-node",
        "els => els.filter(e => e.getClientRects().length > 0).map(e => e.dataset.row)",
    )
    assert sorted(shown) == sorted(dead_rows)
    assert _visible(page, "svg.graph .leaf-node.st-exercised") == 0
    assert _visible(page, "svg.graph .edge") == 65
    assert _visible(page, "svg.graph .edge.st-exercised") == 0
    # Only the signals with a dead receiver are left, moved up: the graph is much shorter.
    assert _visible(page, "svg.graph .signal-node") == len(
        set(
            page.eval_on_selector_all(
                'table[data-table="receivers"] tbody tr:not([hidden])',
                "rows => rows.map(r => r.dataset.signal)",
            )
        )
    )
    assert float(page.get_attribute("svg.graph", "height") or 0) < full_height / 4
    # The groups the filter emptied are hidden; the others say how many rows they show.
    assert scale_page.count("#senders details.group:not([hidden])") == 0
    page.click("#filter-reset")
    assert _visible(page, leaves) == 453 + 114


def test_at_scale_the_text_filter_hides_graph_boxes_too(scale_page: OpenedPage) -> None:
    page = scale_page.page
    page.fill("#filter-text", "order_placed_0")
    rows = page.eval_on_selector_all(
        'table.data[data-table="receivers"] tbody tr:not([hidden]), '
        'table.data[data-table="senders"] tbody tr:not([hidden])',
        "rows => rows.map(r => r.id)",
    )
    assert rows
    shown = page.eval_on_selector_all(
        "svg.graph .leaf-node",
        "els => els.filter(e => e.getClientRects().length > 0).map(e => e.dataset.row)",
    )
    assert sorted(shown) == sorted(rows)
    # The groups it found something in opened.
    assert scale_page.count("#receivers details.group[open]") >= 1


def test_at_scale_every_location_links_by_the_template_and_shows_its_full_path(
    scale_page: OpenedPage, scale_report: Path
) -> None:
    page = scale_page.page
    data = json.loads((scale_report / "report.json").read_text())
    hrefs = set(page.eval_on_selector_all("a.loc-link", "links => links.map(a => a.href)"))
    for row in data["receivers"] + data["senders"]:
        assert LINK.format(path=row["path"], line=row["line"]) in hrefs
    long = next(r for r in data["receivers"] if "/integrations/webhooks/" in r["path"])
    cell = page.locator(f'td[data-col="location"] a[href$="{long["path"]}#L{long["line"]}"]')
    assert cell.first.get_attribute("title") == f"{long['path']}:{long['line']}"
    handler = page.locator(f'td[data-col="handler"][title="{long["handler"]}"]')
    assert handler.count() == 1
    titles = page.locator("svg.graph .leaf-node title").all_text_contents()
    assert any(f"{long['path']}:{long['line']}" in t for t in titles)


def test_at_scale_a_receivers_tests_are_grouped_by_file(scale_page: OpenedPage) -> None:
    page = scale_page.page
    page.click('[data-expand="receivers"]')
    cell = page.locator('td[data-col="tests"]:has(details.tests)').first
    assert cell.locator("code").count() == 0  # listed when opened, from the page's table
    cell.locator("details.tests > summary").click()
    assert cell.locator("details.tests > summary").text_content() == "5 tests in 2 files"
    folded = cell.locator("details.test-file")
    assert folded.count() == 1  # the 4 parametrised tests of the app's file fold
    assert not folded.first.evaluate("d => d.open")
    assert cell.locator("div.test-file").text_content() == "tests/test_smoke.py"
    names = cell.locator("code")
    assert names.count() == 5
    for index in range(5):  # the name shown, the whole id on hover
        title = names.nth(index).get_attribute("title") or ""
        assert title.endswith("::" + (names.nth(index).text_content() or "?"))
    cell.locator("details.tests > summary").click()
    cell.locator("details.tests > summary").click()
    assert names.count() == 5  # opened again: listed once
