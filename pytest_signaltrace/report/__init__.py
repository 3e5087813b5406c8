"""Reporters: one module per output format, and :func:`render_text` to pick one by name."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pytest_signaltrace.model import Report
    from pytest_signaltrace.report.durations import ReceiverCost
    from pytest_signaltrace.report.options import ReportOptions

#: The formats :func:`render_text` knows (``html`` is a folder: see ``report.html.write_html``).
TEXT_FORMATS = ("term", "term-missing", "markdown", "json", "github", "xml", "lcov")


def render_text(
    report: Report,
    fmt: str,
    options: ReportOptions | None = None,
    durations: Sequence[ReceiverCost] | None = None,
) -> str:
    """``report`` in one of :data:`TEXT_FORMATS`; each renderer is imported only when used.

    ``options`` (precision, sort, skip_covered) shape the terminal and Markdown reports; the
    machine-readable formats carry every row and the exact figures, JSON the receivers'
    ``durations`` too when the run timed them (``--signal-durations``). Every format but JSON
    (which escapes what it must itself) renders the report's texts escaped for display
    (:func:`~pytest_signaltrace.report.escape.for_display`).
    """
    if fmt != "json":
        from pytest_signaltrace.report.escape import for_display

        report = for_display(report)
    if fmt in ("term", "term-missing"):
        from pytest_signaltrace.report.terminal import render_terminal

        lines = render_terminal(report, show_missing=fmt == "term-missing", options=options)
        return "".join(f"{line}\n" for line in lines)
    if fmt == "markdown":
        from pytest_signaltrace.report.markdown import render_markdown

        return render_markdown(report, options=options)
    if fmt == "github":
        from pytest_signaltrace.report.github import render_github_annotations

        return render_github_annotations(report)
    if fmt == "xml":
        from pytest_signaltrace.report.cobertura import render_cobertura

        return render_cobertura(report)
    if fmt == "lcov":
        from pytest_signaltrace.report.lcov import render_lcov

        return render_lcov(report)
    from pytest_signaltrace.report.json_report import render_json

    return render_json(report, durations)
