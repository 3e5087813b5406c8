"""Byte-level prefilter: decide which files are worth parsing, without parsing them.

Three questions, all answered with substring and regex searches over raw bytes:

1. Might the file *define* a signal? (``Signal(`` appears: ``Signal()``, ``ModelSignal(...)``;
   or ``Signal)``: a subclass of a signal class, instantiated in the same file.)
2. Might it *use* one? A ``@receiver(`` decorator, or a ``.send(``/``.connect(``-like call on a
   name that is a known signal name, a ``signals`` module, an alias made with ``as``, or a name
   imported from a module called ``signals``. Known names come from the definitions found in
   step 1 plus Django's and Celery's built-ins, so ``notifier.send(...)`` or ``engine.connect()``
   does not make a file a candidate; or a call with a keyword only a signal's methods take
   (``sender=``, ``weak=``, ``dispatch_uid=``), which the scan reports even when unresolved;
   or, in a project that has signals (:data:`UNKNOWN_SEND`), a ``send``-like call on an object
   not named as a look-alike (``sig.send(view)`` on a parameter, ``get_class(...).send()``):
   the scan reports it as a send site it cannot resolve.
3. Might it subclass a class whose attribute a send site uses (``self.add_signal.send()``)?

The answers that depend on other files (the known signal names, the classes) have a twin that
works from what one file's bytes say alone (:func:`use_profile`, :func:`class_base_words`), so
that the stat index can keep it and a warm scan need not read the file.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator

from pytest_signaltrace.scan import catalogue, lookalikes, shapes

#: In a use profile: the file sends on an object the bytes cannot name, or one not named as a
#: look-alike; it is a candidate when the project has signals (the engine knows this name).
UNKNOWN_SEND = b"(unknown send)"
_BEFORE_SEND = re.compile(rb"(\w+)?[ \t]*(\)|\])?[ \t]*\Z")
_SELF = (b"self", b"cls")
_SIGNAL_KEYWORDS = (b"sender=", b"dispatch_uid=", b"weak=")
#: The dotted name before ``.send``: its head and its last name (``events`` and ``placed``).
_TRAILING_NAME = re.compile(rb"(\w+)(?:\.(\w+))*\s*\Z")
#: ``from x import ...`` only: ``import x`` binds a module, and a module is never a signal
#: (``import pymysql; pymysql.connect()`` must not make a file a candidate).
#: :func:`_imported_names` keeps the matches that start a statement.
_IMPORT = re.compile(rb"from[ \t]+[\w.]+[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)")
#: What may come before a statement's first word, past spaces: a line's start, the ``;`` of
#: ``x = 1; from a import b``, the ``:`` of ``if TYPE_CHECKING: from a import b``.
_STATEMENT_STARTS = frozenset(b"\n;:")
_IMPORTED_NAME = re.compile(rb"(?:\bas[ \t]+)?(\w+)[ \t]*(?:[,)#\n\\;]|$)")
_FROM_SIGNALS_MODULE = re.compile(
    rb"from\s+[\w.]*signals?\b[\w.]*\s+import|import\s+[\w.]*signals?\b"
)


def may_define(data: bytes) -> bool:
    """Whether the file may define a signal: ``Signal(`` (a signal is made) or ``Signal)`` (a
    signal class is subclassed, ``class Hook(Signal):``, whose instances are signals too), for
    each signal class name of :mod:`.shapes`."""
    current = shapes.current()
    # Every define trigger holds a probe: a file without one (most) is searched 2-3 times, not
    # once per trigger.
    return any(probe in data for probe in current.define_probes) and any(
        text in data for text in current.define_triggers
    )


def may_use(data: bytes) -> bool:
    """Whether the file has any text a receiver or send site needs (a cheap first cut)."""
    return any(trigger in data for trigger in shapes.current().use_triggers)


def builtin_names() -> set[bytes]:
    """The bare names of Django's and Celery's built-in signals."""
    return {signal.rpartition(".")[2].encode() for signal in catalogue.builtin_signals()}


#: What :func:`use_profile` says of a file: ``False`` (it uses no signal), ``True`` (it may use
#: one whatever signals are known), or the names that make it a candidate when one is known.
UseProfile = bool | frozenset[bytes]


def uses_known_signal(data: bytes, known_names: Iterable[bytes] | set[bytes]) -> bool:
    """Whether a file that passed :func:`may_use` really touches a signal, as far as bytes tell."""
    return profile_uses(use_profile(data), known_names)


def use_profile(data: bytes) -> UseProfile:
    """What :func:`uses_known_signal` needs of a file's bytes, whatever signals are known.

    Everything but the known names is read from the file alone, so the answer can be kept
    with the file (the stat index) and judged later by :func:`profile_uses`.
    """
    current = shapes.current()
    if any(text in data for text in current.decorator_uses) or any(
        call in data and module in data for call, module in current.decorator_calls
    ):
        return True
    names = _used_names(data)
    if _unknown_send(data):
        names.add(UNKNOWN_SEND)
    if not names:
        return False
    if b"signals" in names or b"signal" in names:
        return True
    if _FROM_SIGNALS_MODULE.search(data):
        return True
    if any(keyword in data for keyword in _SIGNAL_KEYWORDS):
        # ``self.other.send(sender=...)``: only a signal's methods take these keywords, so the
        # scan reports such a call even when it cannot name the signal.
        return True
    # A name imported from elsewhere (``from shop.events import shipped``) may be a signal
    # under another name: let the resolver decide.
    if names & _imported_names(data):
        return True
    return frozenset(names)


def profile_uses(profile: UseProfile, known_names: Iterable[bytes] | set[bytes]) -> bool:
    """:func:`uses_known_signal`'s answer from a file's :func:`use_profile`."""
    if isinstance(profile, bool):
        return profile
    known = known_names if isinstance(known_names, set) else set(known_names)
    return not profile.isdisjoint(known)


def _used_names(data: bytes) -> set[bytes]:
    """The names before ``.send``/``.connect``-like attributes (``order_placed``, and the head
    ``events`` of ``events.placed.send``)."""
    # Anchoring the regex on the literal and looking back is ~20x faster than ``(\w+)\.send``,
    # which tries a match at every byte of the file.
    names = set()
    for match in shapes.current().use.finditer(data):
        start = match.start()
        before = _TRAILING_NAME.search(data, max(0, start - 100), start)
        if before:
            # The last name may be a signal (``order_placed.send``); the head may be a module
            # that holds one (``from shop import events`` then ``events.placed.send``).
            names.add(before.group(2) or before.group(1))
            names.add(before.group(1))
    return names


def _unknown_send(data: bytes) -> bool:
    """Whether a ``send``-like call is made on an object that is not named as a look-alike
    (:mod:`.lookalikes`): a call's or a subscript's result, or any other name."""
    for match in shapes.current().send_call.finditer(data):
        start = match.start()
        before = _BEFORE_SEND.search(data, max(0, start - 100), start)
        if before is None:
            continue
        name, closing = before.groups()
        if closing:
            return True
        # ``self.send()`` sends a signal only in a signal class, whose file defines one anyway.
        if name and name not in _SELF and not lookalikes.is_not_signal_name(name.decode()):
            return True
    return False


def _imported_names(data: bytes) -> set[bytes]:
    """The names a ``from`` import binds in the file (``y`` and ``z`` of ``from x import
    y, w as z``), read from bytes."""
    names: set[bytes] = set()
    # Searched from the literal ``from`` and checked backwards: a pattern anchored on ``^`` or
    # ``;`` is tried at every byte (7 to 20 times slower).
    position = 0
    while (match := _IMPORT.search(data, position)) is not None:
        before = match.start() - 1
        while before >= 0 and data[before] in b" \t":
            before -= 1
        if before < 0 or data[before] in _STATEMENT_STARTS:
            names.update(_IMPORTED_NAME.findall(match.group(1)))
            position = match.end()
        else:  # ``"from a import b"; from c import d``: the real one may follow on the line
            position = match.start() + 1
    return names


def subclasses_any(data: bytes, owners: set[str]) -> bool:
    """Whether a file's bytes may define a subclass of one of ``owners``."""
    if not owners or b"class" not in data:
        return False
    # A substring test first: the regex is slow on large files, and most name no owner.
    named = tuple(sorted(o for o in owners if o.encode() in data))
    return bool(named) and _subclass_pattern(named).search(data) is not None


#: ``class X(``: the start of a class statement with bases (as :func:`_subclass_pattern`), but
#: for the ``\b`` before ``class``, which :func:`_class_opens` checks: a pattern that starts
#: with ``\b`` cannot skip ahead to its literal ``class`` (ten times slower).
_CLASS_OPEN = re.compile(rb"class\s+\w+\s*\(")
_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_WORD = re.compile(rb"\w+")
#: A class statement's bases, from after its ``(`` to the first ``)`` outside a comment: a
#: multi-line header may hold comments, and their brackets (``# see (docs)``) close nothing.
_HEADER = re.compile(rb"(?:[^)#]+|#[^\n]*)*")
_COMMENT = re.compile(rb"#[^\n]*")
#: A file whose class statements name more words than this keeps none (the check reads it).
MAX_BASE_WORDS = 512


def class_base_words(data: bytes) -> frozenset[str] | None:
    """The words :func:`subclasses_any` can match in a file, so that it needs no bytes later.

    Each class statement's text from its ``(`` to the first ``)`` outside a comment (or the end
    of the file), split into words: an owner whose name is a word (ASCII letters, digits, ``_``,
    as ``\\w`` is for bytes) matches the file exactly when it is one of these. ``None`` when
    there are more than :data:`MAX_BASE_WORDS` (a file with an unclosed bracket after
    ``class X(``).
    """
    words: set[bytes] = set()
    if b"class" in data:
        for match in _class_opens(data):
            header = _HEADER.match(data, match.end())
            text = _COMMENT.sub(b" ", header.group(0)) if header else b""
            words.update(_WORD.findall(text))
            if len(words) > MAX_BASE_WORDS:
                return None
    return frozenset(word.decode("ascii") for word in words)


def _class_opens(data: bytes) -> Iterator[re.Match[bytes]]:
    """The matches of ``_CLASS_OPEN`` after a word boundary, as ``finditer`` of the pattern with
    a leading ``\\b`` would give them."""
    position = 0
    while (match := _CLASS_OPEN.search(data, position)) is not None:
        start = match.start()
        if start and data[start - 1] in _WORD_BYTES:
            position = start + 1  # ``subclass X(``: no word boundary; look further on
            continue
        yield match
        position = match.end()


def subclasses_any_of(words: frozenset[str], owners: set[str]) -> bool | None:
    """:func:`subclasses_any` from a file's :func:`class_base_words`; ``None`` when an owner's
    name is not a plain word (then only the bytes can tell)."""
    if not owners:
        return False
    if not all(_WORD.fullmatch(owner.encode()) for owner in owners):
        return None
    return not words.isdisjoint(owners)


@functools.lru_cache(maxsize=256)
def _subclass_pattern(owners: tuple[str, ...]) -> re.Pattern[bytes]:
    names = b"|".join(re.escape(name.encode()) for name in owners)
    return re.compile(rb"\bclass\s+\w+\s*\((?:[^)#]|#[^\n]*)*?\b(?:" + names + rb")\b")
