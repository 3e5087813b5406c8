"""The texts of the graph's boxes and of the HTML tables: shown statuses, short names, and
labels cut to fit a box."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

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


def unique_tails(paths: Iterable[str]) -> dict[str, int]:
    """How many of its last parts tell each path apart from the others: ``shop/views.py`` and
    ``blog/views.py`` need 2, ``shop/models.py`` 1; a path that ends another needs all its parts."""
    parts = {path: path.split("/") for path in set(paths)}
    seen = Counter(
        tuple(split[-count:]) for split in parts.values() for count in range(1, len(split) + 1)
    )
    return {
        path: next(
            (count for count in range(1, len(split)) if seen[tuple(split[-count:])] == 1),
            len(split),
        )
        for path, split in parts.items()
    }


def cut_path(path: str, rest: str, max_chars: int, keep: int = 1) -> str:
    """``path`` and ``rest`` (``:12 send``) in at most ``max_chars``: the whole path when it fits,
    else cut from the left to its last parts after ``…/``, as many as fit but never fewer than
    ``keep`` (:func:`unique_tails`: the parts that tell it apart), so that no two labels read
    the same; a label that still does not fit loses characters from the left."""
    split = path.split("/")
    keep = max(1, min(keep, len(split)))
    for count in range(len(split), keep - 1, -1):
        head = "" if count == len(split) else ELLIPSIS + "/"
        label = head + "/".join(split[-count:]) + rest
        if len(label) <= max_chars:
            return label
    return truncate(label, max_chars)


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
