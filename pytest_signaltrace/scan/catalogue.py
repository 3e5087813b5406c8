"""The registered frameworks' own signals, signal classes and re-exports, known by name.

The scan never imports a framework, so what each defines is declared by its adapter in
:mod:`pytest_signaltrace.frameworks`; this module answers the scan's questions from their merged
:func:`~pytest_signaltrace.frameworks.catalogue`.
"""

from __future__ import annotations

from typing import Final

from pytest_signaltrace import frameworks
from pytest_signaltrace.model import Framework

#: Dotted names of ``functools.partial``.
PARTIAL_FUNCTIONS: Final = frozenset({"functools.partial"})


def builtin_signals() -> dict[str, Framework]:
    """Signal id -> framework, for every built-in signal."""
    return frameworks.catalogue().builtin_signals


def signal_classes() -> dict[str, Framework]:
    """Classes whose instances are signals, mapped to their framework."""
    return frameworks.catalogue().signal_classes


def receiver_decorators() -> frozenset[str]:
    """Dotted names of the receiver decorators (``@receiver(sig)``)."""
    return frameworks.catalogue().receiver_decorators


def named_signals() -> dict[str, Framework]:
    """Callables returning the one signal of a name in the whole process (``blinker.signal``),
    mapped to their framework."""
    return frameworks.catalogue().named_signals


def signal_factories(method: str) -> dict[str, Framework]:
    """Classes whose instances make a signal by name with ``method`` (``Namespace`` for
    ``signal``), mapped to their framework."""
    return {
        cls: framework
        for cls, (made_by, framework) in frameworks.catalogue().signal_factories.items()
        if made_by == method
    }


def framework_packages() -> frozenset[str]:
    """Top-level packages of the frameworks: their signals are all in the catalogue."""
    return frozenset(frameworks.catalogue().packages)


def canonical_builtin(dotted: str) -> str:
    """Map a re-exported built-in signal name to its definition id; other names unchanged."""
    return frameworks.catalogue().aliases.get(dotted, dotted)


def builtin_framework(signal_id: str) -> Framework | None:
    """The framework of a built-in signal id, or ``None`` when it is not built in."""
    return frameworks.catalogue().builtin_signals.get(signal_id)


def framework_of_signal(signal_id: str) -> Framework:
    """The framework of a signal id no scanned definition names: built in, else by its
    top-level package, else the first registered framework."""
    return frameworks.catalogue().framework_of_signal(signal_id)


def looks_like_signals_module(module: str) -> bool:
    """Whether an external module is, by its name, a module of signals.

    For example ``allauth.account.signals``.
    """
    return any(part in {"signals", "signal", "dispatch"} for part in module.split("."))
