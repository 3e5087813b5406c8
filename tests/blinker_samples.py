"""The blinker project the scan tests of blinker receivers share: an ``app`` package whose
``app/signals.py`` makes two signals in a ``Namespace`` of its own, ``placed`` and ``paid``.
A test adds the modules it is about (its snippet) and checks the rows the scan finds in them."""

from __future__ import annotations

SIGNALS = """
    from blinker import Namespace

    _signals = Namespace()

    placed = _signals.signal("placed")
    paid = _signals.signal("paid")
"""
PLACED = "app.signals.placed"
PAID = "app.signals.paid"


def project(**files: str) -> dict[str, str]:
    """The signals module and ``files``, named by their path without ``.py``, the first ``__``
    for a ``/`` (``tests__helpers``: ``tests/helpers.py``; ``tests____init__``:
    ``tests/__init__.py``)."""
    return {
        "app/__init__.py": "",
        "app/signals.py": SIGNALS,
        **{f"{name.replace('__', '/', 1)}.py": text for name, text in files.items()},
    }


def app(**modules: str) -> dict[str, str]:
    """The signals module and ``modules`` of the ``app`` package (``receivers``:
    ``app/receivers.py``)."""
    return project(**{f"app__{name}": text for name, text in modules.items()})
