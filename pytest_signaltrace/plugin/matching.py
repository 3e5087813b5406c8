"""How the ``signals`` fixture matches a send to what a test expects, and shows values in its
failure messages.

An expected ``sender=`` or keyword value matches the value sent when it is

1. the same object, or equal to it (``unittest.mock.ANY`` and matcher objects that define
   ``__eq__``, such as dirty-equals', work this way);
2. a class the value is an instance of (``sender=BasketAddView`` for a view that sends
   ``sender=self``);
3. a plain function (``def`` or ``lambda``) that returns true for the value (a predicate:
   ``sender=lambda view: view.request.user.is_staff``).

A sender that is itself a function or a class is matched by rule 1 first, so passing the
sender itself always matches. A comparison or a predicate that raises counts as no match, and
the failure message says what raised; a ``repr`` that raises is shown as the type's name.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

#: How long a value's ``repr`` may be in a failure message.
_MAX_REPR = 200


class Matcher:
    """Matches values to expectations, and remembers the comparisons that raised (for the
    failure message)."""

    def __init__(self) -> None:
        #: ``"what: ExceptionType: message"`` for each comparison that raised, in order.
        self.errors: list[str] = []

    def matches(self, actual: Any, expected: Any, what: str) -> bool:
        """Whether ``actual`` matches ``expected`` by the rules of the module docstring."""
        if actual is expected:
            return True
        try:
            if actual == expected:
                return True
            if isinstance(expected, type):
                return isinstance(actual, expected)
            if inspect.isfunction(expected):
                return bool(expected(actual))
        except Exception as exc:
            self._note(what, exc)
        return False

    def has_kwargs(self, sent: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
        """Whether ``sent`` holds every keyword of ``wanted``, each matching."""
        return all(
            name in sent and self.matches(sent[name], value, name) for name, value in wanted.items()
        )

    def _note(self, what: str, exc: Exception) -> None:
        note = f"comparing {what} raised {type(exc).__name__}: {safe_text(exc)}"
        if note not in self.errors:
            self.errors.append(note)


def safe_repr(value: Any) -> str:
    """``repr(value)``, shortened; the type's name when that ``repr`` raises."""
    try:
        text = repr(value)
    except Exception as exc:
        return f"<{_type_name(value)} object (repr raised {type(exc).__name__})>"
    if len(text) > _MAX_REPR:
        text = text[: _MAX_REPR - 3] + "..."
    return text


def safe_text(value: Any) -> str:
    """``str(value)``, or its safe ``repr`` when ``str`` raises."""
    try:
        return str(value)
    except Exception:
        return safe_repr(value)


def describe_expected(value: Any) -> str:
    """An expected value as a failure message shows it: a class and a predicate by name."""
    if isinstance(value, type):
        return f"{safe_repr(value)} (or an instance)"
    if inspect.isfunction(value):
        return f"a value for which {qualified_name(value)}() is true"
    return safe_repr(value)


def qualified_name(value: Any) -> str:
    """``module.QualifiedName`` of a function, method or class (two apps may each have a
    ``receive_product_view``); the safe ``repr`` of anything else."""
    function = getattr(value, "__func__", value)  # a bound method: its function
    qualname = getattr(function, "__qualname__", None)
    module = getattr(function, "__module__", None)
    if not isinstance(qualname, str):
        return safe_repr(value)
    return f"{module}.{qualname}" if isinstance(module, str) and module else qualname


def _type_name(value: Any) -> str:
    cls = type(value)
    return f"{cls.__module__}.{cls.__qualname__}"
