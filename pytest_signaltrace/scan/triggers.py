"""Where a file's trigger text is, for the cut (:mod:`.prune`): the text that may make a
statement say something about signals (``.send``, ``.connect``, ``receiver``, ``Signal``, calls
of a name bound to a ``send`` or of a connect wrapper).

:attr:`.shapes.Shapes.trigger` is one alternation, which :mod:`re` tries at every ``.`` and every
space of the file (a third of the cut's cost on Celery); here each part is searched on its own,
most as a plain literal, and the starts are merged. The cut only asks whether a logical line (or
a block of them) holds a start, and no trigger text spans two logical lines, so these starts
answer it exactly as the alternation's do, though a part may start inside another's match
(``Signal`` in ``ModelSignal``).
"""

from __future__ import annotations

import re

from pytest_signaltrace.scan import shapes

_NAME_BEFORE = re.compile(r"\w+(?=[ \t]*\Z)")
#: A ``def``'s name and its parameters' text (up to a nested bracket: enough for a guess).
_DEF_PARAMS = re.compile(r"\bdef[ \t]+(\w+)[ \t]*\(([^()]*)")


def trigger_starts(text: str, calls: frozenset[str] = frozenset()) -> list[int]:
    """The sorted offsets where trigger text starts in ``text`` (see the module's docstring);
    ``calls``: names whose calls (``name(``) are trigger text too."""
    current = shapes.current()
    starts: list[int] = []
    for part in current.trigger_parts:  # re.finditer compiles each source once (re's cache)
        starts += [match.start() for match in re.finditer(part, text)]
    before = shapes.MADE_BEFORE
    starts += [
        match.start() - 1
        for match in re.finditer(current.made_call, text)
        if match.start() and text[match.start() - 1] in before
    ]
    for name in calls:
        call = re.compile(rf"\b{re.escape(name)}[ \t]*\(")
        starts += [match.start() for match in _matches_at(call, text, name)]
    starts.sort()
    return starts


def bound_send_names(text: str) -> set[str]:
    """The names ``text`` binds to a signal's ``send`` (``send_prerun = task_prerun.send``), as
    :attr:`.shapes.Shapes.bound_send` finds them, tried only on the lines that hold a ``send``."""
    current = shapes.current()
    found: set[str] = set()
    line_start = -1
    for match in re.finditer(current.send_attribute, text):
        start = text.rfind("\n", 0, match.start()) + 1  # ``^`` of re.MULTILINE: after "\n" only
        if start != line_start:
            line_start = start
            end = text.find("\n", match.end())
            found.update(current.bound_send.findall(text, start, len(text) if end < 0 else end))
    return found


def aliased(text: str, names: tuple[str, ...]) -> frozenset[str]:
    """``names`` and the names the file imports them as (``import listen_to as listening``)."""
    found = set(names)
    for name in names:
        found.update(re.findall(rf"\b{re.escape(name)}[ \t]+as[ \t]+(\w+)", text))
    return frozenset(found)


def wrapper_names(text: str) -> frozenset[str]:
    """The functions of ``text`` that may connect a signal they are given (``def
    listen_to(signal): ... signal.connect(...)``), told from the text alone: a ``def`` with a
    parameter named like an object whose ``connect`` is called. The visitor decides for sure."""
    current = shapes.current()
    if not current.connect_methods:
        return frozenset()
    methods = "|".join(re.escape(m) for m in sorted(current.connect_methods))
    # Anchored on the method, the object's name read backwards: a leading ``(\w+)`` would be
    # tried at every character of the file.
    objects = {
        found.group()
        for call in re.finditer(rf"\.[ \t]*(?:{methods})[ \t]*\(", text)
        for found in [_NAME_BEFORE.search(text, max(0, call.start() - 80), call.start())]
        if found is not None
    }
    if not objects:
        return frozenset()
    return frozenset(
        name
        for name, params in (match.groups() for match in _matches_at(_DEF_PARAMS, text, "def"))
        if not objects.isdisjoint(re.findall(r"\w+", params))
    )


def _matches_at(pattern: re.Pattern[str], text: str, literal: str) -> list[re.Match[str]]:
    """``pattern.finditer(text)``, for a pattern whose matches all start with ``literal``: tried
    only where ``literal`` is (a pattern starting with ``\\b`` is otherwise tried at every
    character, :mod:`re` finding no literal to search for)."""
    found: list[re.Match[str]] = []
    end = 0
    at = text.find(literal)
    while at >= 0:
        if at >= end:  # as finditer: the next match starts after the last one
            match = pattern.match(text, at)
            if match is not None:
                found.append(match)
                end = match.end()
        at = text.find(literal, at + 1)
    return found
