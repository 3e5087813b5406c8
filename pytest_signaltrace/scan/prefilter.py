"""Byte-level prefilter: decide which files are worth parsing, without parsing them.

Two questions, both answered with substring and regex searches over raw bytes:

1. Might the file *define* a signal? (``Signal(`` appears: ``Signal()``, ``ModelSignal(...)``;
   or ``Signal)``: a subclass of a signal class, instantiated in the same file.)
2. Might it *use* one? A ``@receiver(`` decorator, or a ``.send(``/``.connect(``-like call on a
   name that is a known signal name, a ``signals`` module, an alias made with ``as``, or a name
   imported from a module called ``signals``. Known names come from the definitions found in
   step 1 plus Django's and Celery's built-ins, so ``notifier.send(...)`` or ``engine.connect()``
   does not make a file a candidate; or a call with a keyword only a signal's methods take
   (``sender=``, ``weak=``, ``dispatch_uid=``), which the scan reports even when unresolved.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pytest_signaltrace.scan import catalogue

_TRIGGERS = (b".send", b".asend", b".connect", b".disconnect", b"receiver(")
#: ``Signal(``: a signal is made; ``Signal)``: a signal class is subclassed
#: (``class Hook(Signal):``), whose instances are signals too.
_DEFINES = (b"Signal(", b"Signal)")
_USE = re.compile(rb"\.[ \t]*(?:a?send(?:_robust)?|connect|disconnect)\b")
_SIGNAL_KEYWORDS = (b"sender=", b"dispatch_uid=", b"weak=")
#: The dotted name before ``.send``: its head and its last name (``events`` and ``placed``).
_TRAILING_NAME = re.compile(rb"(\w+)(?:\.(\w+))*\s*\Z")
#: ``from x import ...`` only: ``import x`` binds a module, and a module is never a signal
#: (``import pymysql; pymysql.connect()`` must not make a file a candidate).
_IMPORT = re.compile(rb"^[ \t]*from[ \t]+[\w.]+[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)", re.M)
_IMPORTED_NAME = re.compile(rb"(?:\bas[ \t]+)?(\w+)[ \t]*(?:[,)#\n\\]|$)")
_FROM_SIGNALS_MODULE = re.compile(
    rb"from\s+[\w.]*signals?\b[\w.]*\s+import|import\s+[\w.]*signals?\b"
)


def may_define(data: bytes) -> bool:
    """Whether the file may define a signal."""
    return any(text in data for text in _DEFINES)


def may_use(data: bytes) -> bool:
    """Whether the file has any text a receiver or send site needs (a cheap first cut)."""
    return any(trigger in data for trigger in _TRIGGERS)


def builtin_names() -> set[bytes]:
    """The bare names of Django's and Celery's built-in signals."""
    return {signal.rpartition(".")[2].encode() for signal in catalogue.BUILTIN_SIGNALS}


def uses_known_signal(data: bytes, known_names: Iterable[bytes] | set[bytes]) -> bool:
    """Whether a file that passed :func:`may_use` really touches a signal, as far as bytes tell."""
    if b"@receiver(" in data or (b"receiver(" in data and b"dispatch" in data):
        return True
    names = _used_names(data)
    if not names:
        return False
    known = known_names if isinstance(known_names, set) else set(known_names)
    if names & known or b"signals" in names or b"signal" in names:
        return True
    if _FROM_SIGNALS_MODULE.search(data):
        return True
    if any(keyword in data for keyword in _SIGNAL_KEYWORDS):
        # ``self.other.send(sender=...)``: only a signal's methods take these keywords, so the
        # scan reports such a call even when it cannot name the signal.
        return True
    # A name imported from elsewhere (``from shop.events import shipped``) may be a signal
    # under another name: let the resolver decide.
    return bool(names & _imported_names(data))


def _used_names(data: bytes) -> set[bytes]:
    """The names before ``.send``/``.connect``-like attributes (``order_placed``, and the head
    ``events`` of ``events.placed.send``)."""
    # Anchoring the regex on the literal and looking back is ~20x faster than ``(\w+)\.send``,
    # which tries a match at every byte of the file.
    names = set()
    for match in _USE.finditer(data):
        start = match.start()
        before = _TRAILING_NAME.search(data, max(0, start - 100), start)
        if before:
            # The last name may be a signal (``order_placed.send``); the head may be a module
            # that holds one (``from shop import events`` then ``events.placed.send``).
            names.add(before.group(2) or before.group(1))
            names.add(before.group(1))
    return names


def _imported_names(data: bytes) -> set[bytes]:
    """The names a ``from`` import binds in the file (``y`` and ``z`` of ``from x import
    y, w as z``), read from bytes."""
    names: set[bytes] = set()
    for match in _IMPORT.finditer(data):
        names.update(_IMPORTED_NAME.findall(match.group(1)))
    return names
