"""Make ``docs/html-report.png``: the HTML report of ``example_project/``, in headless Chromium.

Run from the repository root with the project's virtualenv (Playwright installed, Debian's
``chromium`` at ``/usr/bin/chromium``; no browser is downloaded)::

    .venv/bin/python docs/make_html_screenshot.py

It runs example_project's tests with ``--signal-report=json``, reads the report back, renders
it with :func:`pytest_signaltrace.report.html.render_html` and photographs the top of the page
(summary and the whole signal graph).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from playwright.sync_api import sync_playwright  # noqa: E402
from report_samples import report_from_json  # noqa: E402

from pytest_signaltrace.report.html import write_html  # noqa: E402

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


def example_report_json(directory: Path) -> dict[str, object]:
    """Run example_project's tests and return their JSON signal report."""
    target = directory / "report.json"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--signal-report=json:{target}",
        ],
        cwd=ROOT / "example_project",
        check=True,
        stdout=subprocess.DEVNULL,
    )
    data: dict[str, object] = json.loads(target.read_text(encoding="utf-8"))
    return data


def main() -> None:
    """Write docs/html-report.png."""
    with tempfile.TemporaryDirectory() as tmp:
        page_path = write_html(report_from_json(example_report_json(Path(tmp))), Path(tmp))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
            )
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.goto(page_path.as_uri())
            page.evaluate("document.querySelector('.graph-scroll').style.maxHeight = 'none'")
            graph = page.locator("#graph").bounding_box()
            assert graph is not None
            height = graph["y"] + graph["height"] + 16
            page.screenshot(
                path=str(ROOT / "docs" / "html-report.png"),
                full_page=True,
                clip={"x": 0, "y": 0, "width": 1440, "height": height},
            )
            browser.close()
    print(ROOT / "docs" / "html-report.png")


if __name__ == "__main__":
    main()
