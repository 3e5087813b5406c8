"""The call shapes the scan looks for, from the registered frameworks' names.

Which methods send (``sig.send(...)``), connect and disconnect, which decorators receive
(``@receiver(sig)``) and which class names make a signal (``Signal()``) are declared by each
framework (:class:`~pytest_signaltrace.frameworks.Framework`); this module turns their union into
the byte triggers of the pre-filter, the regexes of the pruner and the name sets of the visitor,
built once per registry (its :attr:`~pytest_signaltrace.frameworks.Catalogue.fingerprint`, which
also keys the caches of what these decide).
"""

from __future__ import annotations

import re

from pytest_signaltrace import frameworks
from pytest_signaltrace.record import Record


class Shapes(Record):
    """The names, texts and patterns of one registry's call shapes."""

    send_methods: frozenset[str]
    connect_methods: frozenset[str]
    #: Methods returning a connecting decorator (``@sig.connect_via(sender)``).
    connect_decorators: frozenset[str]
    disconnect_methods: frozenset[str]
    #: Last names of the signal classes (``Signal``, ``ModelSignal``).
    class_names: tuple[str, ...]
    #: Last names of the callables that make a signal by name (``signal`` of ``ns.signal("n")``).
    factory_names: frozenset[str]
    #: Bytes whose absence rules out a receiver or send site (``.send``, ``receiver(``).
    use_triggers: tuple[bytes, ...]
    #: Bytes whose absence rules out a definition (``Signal(``, and ``Signal)`` of a subclass;
    #: ``signal("`` of a signal made by name).
    define_triggers: tuple[bytes, ...]
    #: Fewer, shorter texts, one of which is in every define trigger (``Signal(``, ``signal(``):
    #: most files have none, and each is one search of the file instead of one per trigger.
    define_probes: tuple[bytes, ...]
    #: ``@receiver(``: a receiver decorator applied, whatever the file imports.
    decorator_uses: tuple[bytes, ...]
    #: ``(receiver(, dispatch)``: a decorator called where its module's name appears.
    decorator_calls: tuple[tuple[bytes, bytes], ...]
    #: ``.send``-like attribute of any method (bytes, for the pre-filter).
    use: re.Pattern[bytes]
    #: ``.send(``-like call of a send method (bytes, for the pre-filter's unknown sends).
    send_call: re.Pattern[bytes]
    #: Text that may make a statement interesting (the pruner).
    trigger: re.Pattern[str]
    #: :attr:`trigger` as searches each cheap on its own (one per literal, not one alternation
    #: tried at every ``.`` and space): see :func:`.triggers.trigger_starts`. Sources, compiled
    #: by the cut only (a warm scan has no cut).
    trigger_parts: tuple[str, ...]
    #: ``signal("`` of :attr:`trigger`'s ``ns.signal("n")``, without its first character (one
    #: of :data:`MADE_BEFORE`), which a search starting with it would try at every space.
    made_call: str
    #: ``send_prerun = signals.task_prerun.send``: later calls of the name are send sites too
    #: (at a line's start, after a ``;`` or a one-line header's ``:``).
    bound_send: re.Pattern[str]
    #: ``.send``-like attribute of a send method: a line without one binds no ``send`` (source).
    send_attribute: str


_built: dict[str, Shapes] = {}
#: What comes just before a signal made by name (``ns.signal``, `` signal``, ``=signal``).
MADE_BEFORE = (".", " ", "=")
_MADE_ARGUMENTS = ('"', "'", "\n", "\r", "name=")


def current() -> Shapes:
    """The shapes of the registry as it is now."""
    catalogue = frameworks.catalogue()
    shapes = _built.get(catalogue.fingerprint)
    if shapes is None:
        shapes = _built.setdefault(catalogue.fingerprint, _build(catalogue))
    return shapes


def _build(catalogue: frameworks.Catalogue) -> Shapes:
    sends, connects, disconnects = (
        catalogue.send_methods,
        catalogue.connect_methods | catalogue.connect_decorators,
        catalogue.disconnect_methods,
    )
    methods = _alternation(sends | connects | disconnects)
    factories = frozenset(
        {d.rpartition(".")[2] for d in catalogue.named_signals}
        | {method for method, _ in catalogue.signal_factories.values()}
    )
    # ``ns.signal("n")``, ``= signal("n")``: made by name, the name a literal, maybe on the next
    # line or by keyword (``signal.signal(SIGTERM, ...)`` and ``emit_signal(\n`` are not).
    made = [
        f"{before}{name}({after}" for name in sorted(factories) for before in MADE_BEFORE
        for after in _MADE_ARGUMENTS
    ]  # fmt: skip
    send_names = _alternation(sends)
    class_names = tuple(sorted({c.rpartition(".")[2] for c in catalogue.signal_classes}))
    decorators = sorted({d.rpartition(".")[2] for d in catalogue.receiver_decorators})
    decorator_calls = sorted(
        {
            (name.encode() + b"(", module.rpartition(".")[2].encode())
            for dotted in catalogue.receiver_decorators
            for module, _, name in [dotted.rpartition(".")]
        }
    )
    words = "|".join(re.escape(word) for word in [*decorators, *class_names, *made])
    return Shapes(
        send_methods=sends,
        connect_methods=catalogue.connect_methods,
        connect_decorators=catalogue.connect_decorators,
        disconnect_methods=disconnects,
        class_names=class_names,
        factory_names=factories,
        # A file has one of these texts exactly when it has one of the fewest that are no
        # longer than another (``.send_robust`` holds ``.send``): searched for, not all.
        use_triggers=innermost(
            [b"." + m.encode() for m in sorted(sends | connects | disconnects)]
            + [name.encode() + b"(" for name in decorators]
        ),
        define_triggers=tuple(
            text for name in class_names for text in (f"{name}(".encode(), f"{name})".encode())
        )
        + tuple(text.encode() for text in made),
        define_probes=innermost(
            [f"{name}{bracket}".encode() for name in class_names for bracket in "()"]
            + [f"{name}(".encode() for name in sorted(factories)]
        ),
        decorator_uses=tuple(f"@{name}(".encode() for name in decorators),
        decorator_calls=tuple(decorator_calls),
        use=re.compile(rb"\.[ \t]*(?:" + methods.encode() + rb")\b"),
        send_call=re.compile(rb"\.[ \t]*(?:" + send_names.encode() + rb")[ \t]*\("),
        trigger=re.compile(rf"\.[ \t]*(?:{methods})\b" + (f"|{words}" if words else "")),
        trigger_parts=(
            rf"\.[ \t]*(?:{methods})\b",
            *(re.escape(word) for word in _innermost_words([*decorators, *class_names])),
        ),
        made_call=f"(?:{_alternation(factories)})\\((?:"
        + "|".join(re.escape(after) for after in _MADE_ARGUMENTS)
        + ")",
        bound_send=re.compile(
            rf"(?:^|[;:])[ \t]*(\w+)[ \t]*=[ \t]*[\w.]+\.[ \t]*(?:{send_names})\b", re.MULTILINE
        ),
        send_attribute=rf"\.[ \t]*(?:{send_names})\b",
    )


def innermost(texts: list[bytes]) -> tuple[bytes, ...]:
    """The texts that hold none of the others: a file has one of ``texts`` exactly when it has
    one of these (``.send_robust`` holds ``.send``)."""
    unique = sorted(set(texts))
    return tuple(t for t in unique if not any(o != t and o in t for o in unique))


def _innermost_words(words: list[str]) -> list[str]:
    """The words that hold none of the others (``Signal``, not ``ModelSignal``)."""
    return [text.decode() for text in innermost([word.encode() for word in words])]


def _alternation(names: frozenset[str]) -> str:
    """A regex alternative of ``names``, longest first (``send_robust`` before ``send``)."""
    ordered = sorted(names, key=lambda name: (-len(name), name))
    return "|".join(re.escape(name) for name in ordered) or r"(?!)"
