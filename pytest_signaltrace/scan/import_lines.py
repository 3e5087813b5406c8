"""Import statements read from their text, so that libcst need not parse them.

A third of what a candidate file keeps for libcst is import statements (a module's header, the
imports inside receivers), and libcst builds a dozen objects for each name in them. Their
grammar is small and has not changed since Python 3.0, so the cut (:mod:`.prune`) reads a
logical line that is exactly one plain import statement here, and hands libcst a one-name
placeholder statement instead (one for a run of such lines); the visitor binds the names the
placeholder stands for as it binds an import it parsed (:meth:`Import.bound`).

Only the plainest form is read: ASCII names that are not keywords, no space around the dots
of a dotted name, no ``\\`` continuation, no ``;``, a comment only at the end or inside the
brackets of ``from x import (...)``. Anything else (valid or not) stays text for libcst, so
that a line libcst would refuse is still refused by libcst.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass

#: The name of a placeholder statement that stands for import statements read from their text
#: (a file that holds this text keeps its imports as text).
PLACEHOLDER = "__signaltrace_imports_"
#: The first words of the lines that may be import statements.
IMPORT_WORDS = frozenset({"import", "from"})

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_DOTTED = rf"{_NAME}(?:\.{_NAME})*"
_AS = r"[ \t]+as[ \t]+"
_ALIAS = rf"{_DOTTED}(?:{_AS}{_NAME})?"
_FROM_ALIAS = rf"{_NAME}(?:{_AS}{_NAME})?"
#: Space inside the brackets of ``from x import (...)``: line ends and comments too.
_SPACE = r"(?:[ \t\r\n]|\#[^\r\n]*)*"
_BRACKETED = rf"{_SPACE}{_FROM_ALIAS}(?:{_SPACE},{_SPACE}{_FROM_ALIAS})*{_SPACE},?{_SPACE}"
_END = r"[ \t]*(?:\#[^\r\n]*)?(?:\r\n|\r|\n)?\Z"
_IMPORT = re.compile(rf"[ \t]*import[ \t]+(?P<names>{_ALIAS}(?:[ \t]*,[ \t]*{_ALIAS})*){_END}")
_FROM = re.compile(
    rf"""[ \t]*from[ \t]+(?:(?P<dots>\.*)(?P<module>{_DOTTED})[ \t]+|(?P<only>\.+)[ \t]+)import
    (?:[ \t]*(?P<star>\*)
      |[ \t]+(?P<names>{_FROM_ALIAS}(?:[ \t]*,[ \t]*{_FROM_ALIAS})*)
      |[ \t]*\((?P<bracketed>{_BRACKETED})\)
    ){_END}""",
    re.VERBOSE,
)
_COMMENT = re.compile(r"#[^\r\n]*")


@dataclass(frozen=True)
class Import:
    """One plain import statement: ``import a.b as c, d`` or ``from ..x import y as z``."""

    #: ``None`` for ``import ...``; for ``from ... import``, the module named ("" for none).
    module: str | None
    #: How many dots start a ``from`` import's module (0: absolute).
    level: int
    #: ``(dotted name, alias or None)`` per imported name; empty for ``from x import *``.
    names: tuple[tuple[str, str | None], ...]
    star: bool = False


def read_import(line: str) -> Import | None:
    """The import statement that the logical line ``line`` is, in its plainest form, else
    ``None`` (see the module's docstring)."""
    if "import" not in line or ";" in line or "\\" in line:
        return None
    found = _IMPORT.match(line)
    if found is not None:
        names = _names(found["names"])
        return Import(None, 0, names) if names is not None else None
    found = _FROM.match(line)
    if found is None:
        return None
    module = found["module"] or ""
    level = len(found["dots"] or found["only"] or "")
    if any(keyword.iskeyword(word) for word in module.split(".") if word):
        return None
    if found["star"]:
        return Import(module, level, (), star=True)
    text = found["names"] or _COMMENT.sub(" ", found["bracketed"] or "")
    names = _names(text)
    return Import(module, level, names) if names is not None else None


def _names(text: str) -> tuple[tuple[str, str | None], ...] | None:
    """``a.b as c, d`` -> ``(("a.b", "c"), ("d", None))``; ``None`` if a name is a keyword."""
    names: list[tuple[str, str | None]] = []
    for item in text.split(","):
        words = item.split()
        if not words:
            continue  # the trailing comma of a bracketed list
        dotted, alias = words[0], words[2] if len(words) == 3 else None
        if any(keyword.iskeyword(word) for word in [*dotted.split("."), alias or "_"]):
            return None
        names.append((dotted, alias))
    return tuple(names)
