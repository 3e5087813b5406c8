"""The texts of the graph's boxes and of the HTML tables: shown statuses, short names, and
labels cut to fit a box."""

from __future__ import annotations

from pytest_signaltrace.model import ReceiverRow, SenderRow
from pytest_signaltrace.report.graph_shapes import ELLIPSIS


def receiver_status(row: ReceiverRow) -> str:
    """The status a receiver is shown with: test-only, then excluded, win over the run status.

    The same split as the terminal report: neither kind is counted in the coverage. Statuses
    are written with hyphens, like CSS classes: ``possibly-dead``.
    """
    if row.test_only:
        return "test-only"
    if row.excluded:
        return "excluded"
    return row.status.value.replace("_", "-")


def sender_status(row: SenderRow) -> str:
    """The status a send site is shown with: ``ran``, ``never-ran`` or ``test-only``."""
    if row.test_only:
        return "test-only"
    return "ran" if row.calls else "never-ran"


def truncate(text: str, max_chars: int) -> str:
    """``text`` cut to ``max_chars`` characters, keeping its end (the informative part)."""
    if len(text) <= max_chars:
        return text
    if max_chars <= 1:
        return ELLIPSIS[:max_chars]
    return ELLIPSIS + text[-(max_chars - 1) :]


def truncate_path(text: str, max_chars: int) -> str:
    """A ``dir/sub/file.py:12 send`` label cut in the middle: ``dir/…/file.py:12 send``.

    Keeps the first folder (if it fits) and as many trailing parts as fit; else falls back to
    :func:`truncate`.
    """
    if len(text) <= max_chars:
        return text
    parts = text.split("/")
    if len(parts) < 3:
        return truncate(text, max_chars)
    tail = parts[-1]
    for part in reversed(parts[1:-1]):
        longer = f"{part}/{tail}"
        if len(parts[0]) + len(longer) + 3 > max_chars:
            break
        tail = longer
    for short in (f"{parts[0]}/{ELLIPSIS}/{tail}", f"{ELLIPSIS}/{tail}"):
        if len(short) <= max_chars:
            return short
    return truncate(text, max_chars)


def short_signal(signal: str) -> str:
    """The readable name of a signal id: what follows its ``signals`` module, else its last part.

    ``django.db.models.signals.post_save`` -> ``post_save``;
    ``shop.signals.PaymentEvents.captured`` -> ``PaymentEvents.captured``.
    """
    _head, sep, tail = signal.rpartition(".signals.")
    if sep and tail:
        return tail
    return signal.rpartition(".")[2] or signal


def signal_module(signal: str) -> str:
    """What :func:`short_signal` leaves out: ``django.db.models.signals``."""
    short = short_signal(signal)
    return signal[: -len(short) - 1] if signal.endswith("." + short) else ""


def short_handler(row: ReceiverRow) -> str:
    """The handler id without its module, when the module can be told from the file path."""
    path = row.def_path or row.path
    module = path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
    if module and row.handler.startswith(module + "."):
        return row.handler[len(module) + 1 :]
    return row.handler
