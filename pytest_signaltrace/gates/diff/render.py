"""The diff result as terminal text, Markdown (a pull-request comment) or JSON."""

from __future__ import annotations

import json

from pytest_signaltrace.gates.diff.select import ChangedItem, DiffResult
from pytest_signaltrace.model import to_jsonable
from pytest_signaltrace.report.escape import for_display
from pytest_signaltrace.report.options import DEFAULT_PRECISION, shown_percent


def render_diff(result: DiffResult, fmt: str, precision: int = DEFAULT_PRECISION) -> str:
    """``result`` in one of :data:`~pytest_signaltrace.gates.diff.DIFF_FORMATS`, percentages
    with ``precision`` decimals (the JSON keeps two, as the JSON report does)."""
    if fmt == "json":
        return _json(result)
    result = for_display(result)  # a non-UTF-8 file name, a control character: escaped
    if fmt == "markdown":
        return _markdown(result, precision)
    return _terminal(result, precision)


def _summary(result: DiffResult, precision: int) -> str:
    totals = result.totals
    if not totals.total:
        return f"No receivers or send sites changed since {result.compare_branch}."
    what = "receiver or send site" if totals.total == 1 else "receivers and send sites"
    return (
        f"Changed since {result.compare_branch}: {totals.total} {what}, "
        f"{totals.exercised} ran ({shown_percent(totals, precision)}%)."
    )


def _describe(item: ChangedItem) -> str:
    signal = item.signal or "(unresolved signal)"
    return f"{item.kind:<8}  {item.path}:{item.line}  {item.name}  ({signal})"


def _terminal(result: DiffResult, precision: int) -> str:
    lines = [_summary(result, precision)]
    if result.missing:
        lines.append("Never ran:")
        lines += [f"  {_describe(item)}" for item in result.missing]
    return "".join(f"{line}\n" for line in lines)


def _markdown(result: DiffResult, precision: int) -> str:
    lines = ["## Signal coverage of this change", "", _summary(result, precision)]
    if result.missing:
        lines += ["", "| Kind | Location | Name | Signal |", "| --- | --- | --- | --- |"]
        for item in result.missing:
            signal = f"`{item.signal}`" if item.signal else "(unresolved)"
            lines.append(f"| {item.kind} | `{item.path}:{item.line}` | `{item.name}` | {signal} |")
    return "\n".join(lines) + "\n"


def _json(result: DiffResult) -> str:
    totals = result.totals
    document = {
        "compare_branch": result.compare_branch,
        "summary": {
            "total": totals.total,
            "exercised": totals.exercised,
            "percent": totals.percent,
        },
        "items": to_jsonable(result.items),
    }
    return json.dumps(document, indent=2) + "\n"
