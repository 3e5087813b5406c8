"""How reports are shown: coverage.py's ``precision``, ``skip_covered`` and ``sort``, and the
HTML report's link template.

Pure functions on plain values: the settings (``settings/``) and ``signaltrace report`` parse
the values, the reporters take a :class:`ReportOptions`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pytest_signaltrace.record import Record

if TYPE_CHECKING:  # the settings import this module whenever the plugin loads: keep it light
    from pytest_signaltrace.model import ReceiverRow, SignalRow, Totals

#: Decimal places of percentages when nothing says otherwise (coverage's default is 0; this
#: report has always shown two, as pytest-cov's gate message does).
DEFAULT_PRECISION = 2
MAX_PRECISION = 10

#: The columns of the terminal table a report can be sorted by (``sort``), as coverage's
#: ``Name``, ``Stmts``, ``Miss``, ``Cover``: ``-`` in front sorts in reverse.
SORT_KEYS = ("name", "receivers", "ran", "miss", "sends", "status", "cover")

#: ``status`` sorts the signals that need a look first (the order of the statuses' severity).
_STATUS_RANK = {
    "never_sent": 0,
    "possibly_never_sent": 1,
    "ok": 2,
    "test_receivers_only": 3,
    "no_receivers": 4,
    "possibly_unused": 5,
    "unused": 6,
}


class ReportOptions(Record):
    """The settings that shape what a report shows (not what it counts)."""

    #: Decimal places of every percentage shown and of the fail-under comparison.
    precision: int = DEFAULT_PRECISION
    #: Leave out of the tables the signals whose receivers all ran.
    skip_covered: bool = False
    #: A :data:`SORT_KEYS` key, ``-`` in front for descending.
    sort: str = "name"
    #: The HTML report's link for each location: ``{path}``, ``{abspath}``, ``{line}``.
    link_template: str | None = None


def sort_error(value: str) -> str | None:
    """Why ``value`` is not a sort key (``None`` when it is one)."""
    key = value.strip().lower().removeprefix("-")
    if key in SORT_KEYS:
        return None
    return (
        f"unknown sort key {value!r}; choose from {', '.join(SORT_KEYS)} "
        "(a leading - sorts in reverse)"
    )


def precision_error(value: object) -> str | None:
    """Why ``value`` is not a precision: an integer from 0 to :data:`MAX_PRECISION`."""
    if isinstance(value, bool) or not isinstance(value, int):
        return f"{value!r} is not an integer (decimal places, 0 to {MAX_PRECISION})"
    if not 0 <= value <= MAX_PRECISION:
        return f"{value!r} is not between 0 and {MAX_PRECISION}"
    return None


#: The fields a link template may use.
LINK_FIELDS = ("path", "abspath", "line")
#: URL schemes a link may not have: they run code or inline content instead of opening a file.
_REFUSED_SCHEMES = ("javascript:", "data:", "vbscript:")


def link_template_error(template: object) -> str | None:
    """Why ``template`` is not a link template (``None`` when it is one).

    A template is a URL with ``{path}`` (relative to the rootdir, POSIX) or ``{abspath}``, and
    usually ``{line}``: ``https://github.com/org/repo/blob/main/{path}#L{line}``,
    ``vscode://file{abspath}:{line}``. Literal braces are written ``{{`` and ``}}``.
    """
    if not isinstance(template, str):
        return f"{template!r} is not a string"
    control = next((char for char in template if _is_control(char)), None)
    if control is not None:
        # A tab or a U+0001 hides a scheme from the check below (``java\tscript:``) while a
        # browser drops it and runs the link; no URL needs one.
        return f"{template!r} holds a control character ({control!r}): write it percent-encoded"
    import string  # here: every process that reads the settings imports this module

    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        return f"{template!r} is not a valid template ({exc})"
    for _text, name, spec, conversion in parsed:
        if name is not None and (spec or conversion):
            # ``{path:>99999999999}`` would fill memory, ``{line:s}`` fails on an int: the
            # fields are plain substitutions.
            suffix = (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            shown = "{" + name + suffix + "}"
            return (
                f"{shown} in {template!r}: a field takes no format spec or conversion; "
                f"write {{{name}}}"
            )
    used = [name for _text, name, _spec, _conv in parsed if name is not None]
    for name in used:
        if name not in LINK_FIELDS:
            return f"unknown field {{{name}}} in {template!r}; use " + ", ".join(
                f"{{{f}}}" for f in LINK_FIELDS
            )
    if not {"path", "abspath"} & set(used):
        return f"{template!r} names no file: put {{path}} or {{abspath}} in it"
    if template.strip().lower().startswith(_REFUSED_SCHEMES):
        return f"{template!r}: a link must open a location, not run code"
    return None


def _is_control(char: str) -> bool:
    """C0 and C1 controls, DEL, and the invisible formatting characters (bidirectional
    overrides, zero-width ones: Unicode category Cf)."""
    import unicodedata

    return unicodedata.category(char) in ("Cc", "Cf", "Cs")


def shown_percent(totals: Totals, precision: int = DEFAULT_PRECISION) -> str:
    """``totals`` as a percentage with ``precision`` decimals, as coverage displays it.

    Never rounds up to 100 while something is missing, nor down to 0 while something ran:
    199 of 200 at precision 0 is ``99``, not ``100`` (coverage's ``display_covered``).
    """
    if not totals.total:
        return f"{100.0:.{precision}f}"
    exact = 100.0 * totals.exercised / totals.total
    step = 1.0 / 10**precision
    if 0 < exact < step:
        exact = step
    elif 100.0 - step < exact < 100.0:
        exact = 100.0 - step
    else:
        exact = round(exact, precision)
    return f"{exact:.{precision}f}"


def below(totals: Totals, fail_under: float, precision: int = DEFAULT_PRECISION) -> bool:
    """Whether ``totals`` misses ``fail_under``, compared at the precision shown, as coverage
    does: the message never says a figure is below the threshold it shows as reached, and 100
    means every receiver."""
    return float(shown_percent(totals, precision)) < fail_under


def signal_rows(
    per_signal: dict[str, list[ReceiverRow]],
    signals: dict[str, SignalRow],
    options: ReportOptions,
) -> tuple[list[str], int]:
    """The signals of a table, in the order ``options.sort`` asks, and how many
    ``options.skip_covered`` left out (the signals with receivers that all ran; one without
    receivers is not "covered", it is listed)."""
    names = sorted(per_signal)
    skipped = 0
    if options.skip_covered:
        kept = [n for n in names if not all(r.calls for r in per_signal[n]) or not per_signal[n]]
        skipped, names = len(names) - len(kept), kept
    key = options.sort.strip().lower()
    reverse = key.startswith("-")
    key = key.removeprefix("-")
    if key != "name":
        # Python's sort is stable: rows that tie stay in name order, whatever the direction.
        names.sort(key=lambda n: _sort_value(key, per_signal[n], signals.get(n)), reverse=reverse)
    elif reverse:
        names.reverse()
    return names, skipped


def _sort_value(key: str, rows: Sequence[ReceiverRow], info: SignalRow | None) -> float:
    ran = sum(1 for r in rows if r.calls)
    if key == "receivers":
        return len(rows)
    if key == "ran":
        return ran
    if key == "miss":
        return len(rows) - ran
    if key == "sends":
        return info.sends if info else 0
    if key == "status":
        return _STATUS_RANK.get(info.status.value, 9) if info else 9
    return ran / len(rows) if rows else 1.0  # cover
