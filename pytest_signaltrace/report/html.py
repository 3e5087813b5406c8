"""The merged report as one self-contained HTML page (``--signal-report=html[:DIR]``).

The page is rendered with the Jinja2 templates in ``report/templates/``, with autoescaping on:
every handler id, sender expression, path and source line is HTML-escaped where it is written.
Data for the page's script goes in a ``<script type="application/json">`` block whose ``<``,
``>`` and ``&`` are written as ``\\u003c`` ... so it cannot close the block. The CSS and the script
are inlined, and a Content-Security-Policy allows only those two (by hash) and nothing from the
network, so the page works offline and a value that slipped through could still not run.

Jinja2 is imported here, not at plugin load, so it costs nothing unless an HTML report is asked for.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from pytest_signaltrace import __version__
from pytest_signaltrace.model import ReceiverRow, Report
from pytest_signaltrace.output import write_text
from pytest_signaltrace.report.graph import layout_graph
from pytest_signaltrace.report.graph_cascades import cascade_links, signal_chains
from pytest_signaltrace.report.html_rows import (
    FOLD_TESTS_PAST,
    OPEN_GROUPS_UP_TO,
    RECEIVER_HINTS,
    RECEIVER_STATUSES,
    SENDER_STATUSES,
    SIGNAL_HINTS,
    SIGNAL_STATUSES,
    Summary,
    folder,
    group_rows,
    page_data,
    receiver_rows,
    sender_rows,
    signal_rows,
    summarize,
    test_table,
)
from pytest_signaltrace.report.options import ReportOptions, shown_percent
from pytest_signaltrace.report.options import signal_rows as kept_signals
from pytest_signaltrace.report.signal_frameworks import frameworks_by_signal, several_frameworks
from pytest_signaltrace.report.words import EVIDENCE_HINTS

if TYPE_CHECKING:
    from jinja2 import Environment

__all__ = [
    "DEFAULT_TITLE",
    "FOLD_TESTS_PAST",
    "INDEX",
    "OPEN_GROUPS_UP_TO",
    "RECEIVER_STATUSES",
    "SENDER_STATUSES",
    "SIGNAL_STATUSES",
    "Summary",
    "folder",
    "group_rows",
    "location_link",
    "render_html",
    "script_json",
    "summarize",
    "test_table",
    "without_covered",
    "write_html",
]

#: The file written into the report folder.
INDEX = "index.html"
DEFAULT_TITLE = "Signal receiver coverage"


def render_html(
    report: Report,
    *,
    title: str = DEFAULT_TITLE,
    options: ReportOptions | None = None,
    rootdir: Path | None = None,
) -> str:
    """The whole report as one HTML page: no external resource, everything escaped.

    ``options`` gives the decimal places of the percentages and the link template of the
    locations (``{abspath}`` is ``rootdir`` joined with the row's path).
    """
    from markupsafe import Markup

    from pytest_signaltrace.report.escape import for_display

    report = for_display(report)  # a non-UTF-8 file name, a control character: escaped
    options = options or ReportOptions()
    # The summary counts everything; the tables and the graph show what skip_covered leaves.
    shown, skipped = without_covered(report) if options.skip_covered else (report, 0)
    frameworks = frameworks_by_signal(report)
    env = _environment()
    script = _asset(env, "report.js")
    style = _asset(env, "report.css")
    page = env.get_template("report.html")
    graph = layout_graph(shown)
    return page.render(
        title=title,
        version=__version__,
        summary=summarize(report),
        skipped_covered=skipped,
        percent=lambda totals: shown_percent(totals, options.precision),
        link=location_link(options.link_template, rootdir),
        receivers=group_rows(
            receiver_rows(shown.receivers, frameworks), "receivers", RECEIVER_STATUSES
        ),
        senders=group_rows(sender_rows(shown.senders, frameworks), "senders", SENDER_STATUSES),
        # Receivers and send sites show their signal's framework when there are several.
        framework_column=several_frameworks(frameworks),
        signals=group_rows(signal_rows(shown.signals), "signals", SIGNAL_STATUSES),
        graph=graph,
        cascades=cascade_links(graph, shown),
        chains=signal_chains(shown),
        report=report,
        receiver_hints=RECEIVER_HINTS,
        receiver_statuses=RECEIVER_STATUSES,
        signal_hints=SIGNAL_HINTS,
        evidence_hints=EVIDENCE_HINTS,
        data_json=Markup(script_json(page_data(report, shown))),
        script=Markup(script),
        style=Markup(style),
        csp=_content_security_policy(script, style),
    )


def write_html(
    report: Report,
    directory: Path,
    *,
    title: str = DEFAULT_TITLE,
    options: ReportOptions | None = None,
    rootdir: Path | None = None,
) -> Path:
    """Write the page as ``index.html`` in ``directory`` (created), atomically; return its path.

    The page goes to a temporary file in ``directory`` first, then replaces ``index.html``
    (``os.replace``), so a reader never sees half a page.
    """
    target = Path(directory) / INDEX
    write_text(target, render_html(report, title=title, options=options, rootdir=rootdir))
    return target


def without_covered(report: Report) -> tuple[Report, int]:
    """``report`` without the signals of complete coverage, and how many they are (coverage's
    ``skip_covered``, as its HTML report has it).

    A signal is left out, with its receivers and send sites, when it has receivers and every
    receiver and every send site of it that counts ran: the terminal and Markdown tables skip
    the signals whose receivers all ran, and this page also lists their send sites, so one that
    never ran keeps its signal. The totals stay those of the whole report.
    """
    counted: dict[str, list[ReceiverRow]] = {}
    for row in report.receivers:
        if row.signal and not row.test_only and not row.excluded:
            counted.setdefault(row.signal, []).append(row)
    kept, _count = kept_signals(counted, {}, ReportOptions(skip_covered=True))
    covered = set(counted) - set(kept)
    covered -= {s.signal for s in report.senders if s.signal and not s.test_only and not s.calls}
    if not covered:
        return report, 0
    shown = replace(
        report,
        signals=tuple(s for s in report.signals if s.signal not in covered),
        receivers=tuple(r for r in report.receivers if r.signal not in covered),
        senders=tuple(s for s in report.senders if s.signal not in covered),
    )
    return shown, len(covered)


def location_link(template: str | None, rootdir: Path | None) -> Callable[[str, int | None], str]:
    """A function from a row's path and line to its URL by ``template`` (``""`` without one).

    ``{path}`` is the path relative to the rootdir, ``{abspath}`` the absolute path (POSIX),
    ``{line}`` the line; paths are URL-quoted (a space is ``%20``), ``/`` kept.
    """

    def link(path: str, line: int | None) -> str:
        if not template or not path:
            return ""
        absolute = Path(path) if rootdir is None else rootdir / path
        return template.format(
            path=quote(path, safe="/"),
            abspath=quote(absolute.as_posix(), safe="/:"),
            line="" if line is None else line,
        )

    return link


def script_json(data: Any) -> str:
    """``data`` as JSON that is safe inside a ``<script>`` element: no ``<``, ``>`` or ``&``."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for char, escape in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escape)
    return text


def _environment() -> Environment:
    from jinja2 import Environment, PackageLoader, StrictUndefined

    return Environment(
        loader=PackageLoader("pytest_signaltrace", "report/templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _asset(env: Environment, name: str) -> str:
    """A static asset (CSS or script) as it will be inlined; it may not close its element."""
    assert env.loader is not None
    source = env.loader.get_source(env, name)[0]
    if "</" in source:
        raise ValueError(f"{name} must not contain '</': it is inlined into the page")
    return source


def _content_security_policy(script: str, style: str) -> str:
    """Allow the inlined script and style (by hash) and nothing else: no network at all."""
    return (
        "default-src 'none'; "
        f"script-src '{_sha256(script)}'; "
        f"style-src '{_sha256(style)}'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


def _sha256(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")
