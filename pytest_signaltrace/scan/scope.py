"""The names bound in one scope of a file, as the visitor (``visitor.py``) and its mixins
(``visitor_defs.py``, ``visitor_calls.py``) track them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ScopeKind = Literal["module", "class", "function"]


@dataclass
class Scope:
    """Names bound in one module, class or function body."""

    kind: ScopeKind
    #: Qualified name prefix for things defined in this scope (``""``, ``C.``, ``f.<locals>.``).
    prefix: str
    #: Name -> dotted target; ``None`` for a local variable that names nothing we know.
    bindings: dict[str, str | None] = field(default_factory=dict)
    parent: Scope | None = None
    #: Dotted path of the class whose method this is, for ``self``/``cls``.
    self_target: str | None = None
    #: Parameters with a default that names something: the default is only a candidate.
    defaults: dict[str, str] = field(default_factory=dict)
    #: Names bound to a signal's method (``send_prerun = signals.task_prerun.send``).
    sends: dict[str, str] = field(default_factory=dict)
    #: Names whose value is only known to be one of these targets (``get_class("a.signals",
    #: "x")``): see :mod:`.visitor_maybe`.
    maybe: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: A function's positional parameters as its callers pass them (``self`` of a method left
    #: out): a ``param.connect(...)`` in its body makes it a connect wrapper.
    params: tuple[str, ...] = ()
