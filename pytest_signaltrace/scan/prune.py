"""Cut a module down to the statements the scan needs, before libcst parses it.

libcst builds a Python object for every token and every run of whitespace, which makes it
tens of times slower than :mod:`ast` per byte. Most of a candidate file says nothing about
signals, so the file is first split into logical lines by a small regex tokenizer (strings,
comments, brackets and line continuations; no grammar) and only these are kept, whole:

* statements whose text has trigger text (``.send``, ``.connect``, ``receiver``, ``Signal``
  ...), recursively: a compound statement keeps its header, and its body is pruned by the same
  rules; a ``def`` without trigger text is dropped (its name and line are recorded here);
* imports (a run of plain ones as one placeholder, :mod:`.import_lines`), and assignments
  whose value starts with a name (``x = y.z``, ``x = Hook()``, ``x = None``): the bindings;
* ``class`` headers and bodies, and compound headers outside functions (``try: import x``);
* a line with statements after a ``;`` (``pass; from . import match``), whatever its first word.

A body left empty becomes ``...``. The kept text comes in :class:`Chunk` s: one per top-level
statement with trigger text, one per run of statements without; each maps its lines back to
the file's lines. The cut never decides alone: when a chunk does not parse, the caller parses
the whole file (see :mod:`.parse`).
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass, field

from pytest_signaltrace.scan import triggers
from pytest_signaltrace.scan.import_lines import IMPORT_WORDS, PLACEHOLDER, Import, read_import

#: Leaves a receiver out of the coverage numbers, like coverage.py's ``# pragma: no cover``.
PRAGMA = re.compile(r"#\s*pragma:\s*no\s+signal\s+cover", re.IGNORECASE)

#: Characters that start no token, then the token (or a lone backslash, or the end): skipped in
#: one class loop, not by trying each alternative (each starts with a group) at each character.
_TOKENS = re.compile(
    r"""
    [^'"\#()\[\]{}\\\r\n]*
    (?:(?P<s>'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*(?:'''|\Z)
      |\"\"\"[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*(?:\"\"\"|\Z)
      |'[^'\\\r\n]*(?:\\(?:\r\n|.)[^'\\\r\n]*)*'?
      |"[^"\\\r\n]*(?:\\(?:\r\n|.)[^"\\\r\n]*)*"?)
    |(?P<c>\#[^\r\n]*)
    |(?P<p>\([^()\[\]{}'"\#\\\r\n]*\)|\[[^()\[\]{}'"\#\\\r\n]*\])
    |(?P<o>[(\[{])
    |(?P<x>[)\]}])
    |(?P<b>\\(?:\r\n|\r|\n))
    |(?P<n>\r\n|\r|\n)
    |\\|\Z)
    """,
    re.VERBOSE | re.DOTALL,
)
_NEWLINE = re.compile(r"\r\n|\r|\n")
#: The first word of a logical line (``@`` for a decorator), or another first character.
_FIRST_WORD = re.compile(r"[ \t\f]*(?:(@|[^\W\d]\w*)|[^\s#])")
_DEF_NAME = re.compile(r"(?:async[ \t]+)?(?:def|class)[ \t]+(\w+)")
_DEF_WORDS = frozenset({"async", "def", "class"})
#: ``name = <name>...`` / ``self.name: T = <name>...``: a binding the resolver may follow.
_BINDING = re.compile(r"[ \t\f]*[^\W\d][\w.]*[ \t]*(?::[^=\r\n]*)?=[ \t]*[^\W\d]")
#: ``self.sig = placed`` in a method: the class attribute a ``self.sig.send()`` may use (also
#: before a ``;``; :func:`_binds_self` checks what comes before it).
_SELF_BINDING = re.compile(r"self\.\w+[ \t]*=[ \t]*[^\W\d][\w.]*[ \t]*(?:[#;][^\r\n]*)?\r?$", re.M)
#: A binding longer than this is data (a table, a settings dict), never a signal alias.
_MAX_BINDING = 2000
_CLAUSES = frozenset({"else", "elif", "except", "finally"})

#: One-line compound statements are kept whole: dropping ``try: x`` but keeping its
#: ``except: y`` would leave text that does not parse.
_ONE_LINERS = _CLAUSES | {"if", "try", "for", "while", "with", "match", "case", "async", "class"}


@dataclass(slots=True)
class Line:
    """One logical line: its span (from the start of its first physical line)."""

    start: int
    end: int
    indent: int
    word: str
    #: The deepest bracket nesting inside it.
    depth: int
    children: list[Line] = field(default_factory=list)

    @property
    def span_end(self) -> int:
        """The end of this line's text, its nested block included."""
        return self.children[-1].span_end if self.children else self.end


@dataclass
class Chunk:
    """Kept text to parse as one module, and the file's line of each of its lines."""

    text: str
    lines: list[int]
    #: Whether it holds trigger text (only such chunks need positions).
    triggers: bool


@dataclass
class Outline:
    """What the cut learnt about a file."""

    chunks: list[Chunk]
    #: Every ``def`` and ``class`` (qualified name) with the line of its ``def``/``class``.
    functions: dict[str, int]
    #: Lines of ``# pragma: no signal cover`` comments (comment tokens, never strings).
    pragma_lines: list[int]
    #: The logical lines, as a tree by indentation.
    lines: list[Line]
    #: The logical lines kept in the chunks (the parser's size guard checks these).
    kept: list[Line]
    #: Whether anything was left out.
    pruned: bool
    #: Functions that may be connect wrappers (:func:`.triggers.wrapper_names`): their calls are
    #: kept.
    wrappers: frozenset[str] = frozenset()
    #: Placeholder name -> the import statements it stands for in the chunks' text.
    imports: dict[str, tuple[Import, ...]] = field(default_factory=dict)


def line_starts(text: str) -> list[int]:
    """The offset where each line starts, splitting lines the way the parser does."""
    if "\r" in text:
        return [0, *(m.end() for m in _NEWLINE.finditer(text))]
    # Each line's length plus its "\n", summed (no Python code per line).
    starts = list(itertools.accumulate(map((1).__add__, map(len, text.split("\n"))), initial=0))
    starts.pop()
    return starts


def split_lines(text: str) -> list[str]:
    """The file's physical lines without their ends, split the way the parser does."""
    return _NEWLINE.split(text) if "\r" in text else text.split("\n")


def outline(text: str, *, prune: bool = True, imported: tuple[str, ...] = ()) -> Outline:
    """Cut ``text`` (see the module's docstring); ``prune=False`` keeps everything.

    ``imported``: names of connect wrappers the file imports (its calls of them are kept)."""
    starts = line_starts(text)
    flat: list[tuple[int, int, int]] = []
    pragmas: list[int] = []
    depth = deepest = 0
    start = 0
    for match in _TOKENS.finditer(text):
        kind = match.lastgroup
        if kind == "o":
            depth += 1
            deepest = max(deepest, depth)
        elif kind == "x":
            depth = max(0, depth - 1)
        elif kind == "p":  # a bracket pair on one line, with nothing nested: one level
            deepest = max(deepest, depth + 1)
        elif kind == "n" and depth == 0:
            flat.append((start, match.end(), deepest))
            start = match.end()
            deepest = 0
        elif kind == "c" and PRAGMA.match(match.group("c")):
            pragmas.append(bisect.bisect_right(starts, match.start("c")))
    if start < len(text):
        flat.append((start, len(text), deepest))
    roots = _tree(text, flat)
    wrappers = triggers.wrapper_names(text) | triggers.aliased(text, imported)
    trigger_at = None
    if prune:
        calls = frozenset(triggers.bound_send_names(text)) | wrappers
        trigger_at = triggers.trigger_starts(text, calls)
    cutter = _Cutter(text, starts, trigger_at)
    cutter.module(roots)
    cut = (cutter.chunks, cutter.functions, pragmas, roots, cutter.kept, cutter.dropped)
    return Outline(*cut, wrappers, {name: tuple(i) for name, i in cutter.imports.items()})


def _tree(text: str, flat: list[tuple[int, int, int]]) -> list[Line]:
    roots: list[Line] = []
    stack: list[Line] = []
    for begin, end, deepest in flat:
        word = _FIRST_WORD.match(text, begin, end)
        if word is None:
            continue  # a blank line or a comment
        first = word.start(1) if word.group(1) else word.end() - 1
        indent = text[begin:first].rpartition("\f")[2]
        line = Line(begin, end, len(indent.expandtabs(8)), word.group(1) or "", deepest)
        while stack and stack[-1].indent >= line.indent:
            stack.pop()
        (stack[-1].children if stack else roots).append(line)
        stack.append(line)
    return roots


def _binds_self(text: str, start: int, end: int) -> bool:
    """Whether a :data:`_SELF_BINDING` between ``start`` and ``end`` starts a line (or follows a
    ``;`` or a one-line header's ``:``). Searched from its literal ``self.``, not tried at
    every character of the method."""
    match = _SELF_BINDING.search(text, start, end)
    while match is not None:
        before = match.start()
        while before > 0 and text[before - 1] in " \t":
            before -= 1
        if before == 0 or text[before - 1] in "\n;:":
            return True
        match = _SELF_BINDING.search(text, match.start() + 1, end)
    return False


class _Cutter:
    """Emits the kept lines into chunks, and records every ``def``/``class``."""

    def __init__(self, text: str, starts: list[int], trigger_at: list[int] | None) -> None:
        """``trigger_at``: where trigger text starts (:func:`.triggers.trigger_starts`); no
        trigger text crosses a logical line's ends, so a line or block has trigger text exactly
        when one of these lies in it. ``None``: keep everything."""
        self.text = text
        self._trigger_at = trigger_at or []
        self.starts = starts
        self.prune = trigger_at is not None
        self.chunks: list[Chunk] = []
        self.functions: dict[str, int] = {}
        self.dropped = False
        self.kept: list[Line] = []
        self._pieces: list[str] = []
        self._lines: list[int] = []
        #: Placeholder name -> the import statements it stands for (:mod:`.import_lines`).
        self.imports: dict[str, list[Import]] = {}
        #: The placeholder last emitted while nothing else followed: its indentation, imports.
        self._group: tuple[str, list[Import]] | None = None
        self._placeholders = self.prune and PLACEHOLDER not in text

    def module(self, roots: list[Line]) -> None:
        """Cut the top level into chunks: a statement group with triggers is its own chunk."""
        index = 0
        while index < len(roots):
            group = [roots[index]]
            index += 1
            while index < len(roots) and (group[-1].word == "@" or roots[index].word in _CLAUSES):
                group.append(roots[index])
                index += 1
            triggers = any(self._triggers(line) for line in group)
            if triggers or not self.chunks or self.chunks[-1].triggers:
                self._flush()
                self.chunks.append(Chunk("", [], triggers))
                self._group = None
            self._block(group, "module", "", top=True)
            self._flush()

    def _flush(self) -> None:
        if self._pieces and self.chunks:
            chunk = self.chunks[-1]
            chunk.text += "".join(self._pieces)
            chunk.lines += self._lines
        self._pieces, self._lines = [], []

    def _line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)

    def _emit(self, line: Line) -> None:
        self.kept.append(line)
        piece = self.text[line.start : line.end]
        first = self._line_of(line.start)
        if self._placeholders and line.word in IMPORT_WORDS:
            imported = read_import(piece)
            if imported is not None:
                self._import(imported, piece[: len(piece) - len(piece.lstrip(" \t"))], first)
                return
        self._group = None
        count = len(_NEWLINE.findall(piece))
        if not piece.endswith(("\n", "\r")):
            piece += "\n"  # the last line of a file without a line end
            count += 1
        self._pieces.append(piece)
        self._lines.extend(range(first, first + count))

    def _import(self, imported: Import, indent: str, first: int) -> None:
        """An import read from its text: into the placeholder just emitted here, or a new one."""
        if self._group is not None and self._group[0] == indent:
            self._group[1].append(imported)
            return
        name = f"{PLACEHOLDER}{len(self.imports)}"
        self._group = (indent, [imported])
        self.imports[name] = self._group[1]
        self._pieces.append(f"{indent}{name}\n")
        self._lines.append(first)

    def _ellipsis(self, first: Line) -> None:
        self._group = None
        head = self.text[first.start : first.end]
        self._pieces.append(head[: len(head) - len(head.lstrip(" \t\f"))] + "...\n")
        self._lines.append(self._line_of(first.start))

    def _triggers(self, line: Line) -> bool:
        if not self.prune:
            return True
        found = bisect.bisect_left(self._trigger_at, line.start)
        return found < len(self._trigger_at) and self._trigger_at[found] < line.span_end

    def _block(self, block: list[Line], scope: str, prefix: str, top: bool = False) -> None:
        before = len(self._pieces)
        decorators: list[Line] = []
        for line in block:
            if line.word == "@":
                decorators.append(line)
                continue
            self._statement(line, decorators, scope, prefix)
            decorators = []
        for line in decorators:  # decorators with nothing after them: let the parser say so
            self._emit(line)
        if len(self._pieces) == before and not top:
            self._ellipsis(block[0])

    def _statement(self, line: Line, decorators: list[Line], scope: str, prefix: str) -> None:
        word = line.word
        named = self._named(line)
        if named is not None:
            qualname = prefix + named.group(1)
            self.functions[qualname] = self._line_of(named.start())
            is_class = named.group().startswith("class")
            self._definition(line, decorators, qualname, is_class, scope)
            return
        for decorator in decorators:
            self._emit(decorator)
        if not line.children:
            if (
                word in _ONE_LINERS
                or word in {"import", "from"}
                or self._triggers(line)
                or (
                    line.end - line.start <= _MAX_BINDING
                    and _BINDING.match(self.text, line.start, line.end)
                )
                or self._compound(line)
            ):
                self._emit(line)
            else:
                self.dropped = True
            return
        # Inside a function that has trigger text, a block without any still binds names the
        # function may use (``with atomic(): from .signals import changed``): keep its imports
        # and bindings.
        self._emit(line)
        self._block(line.children, scope, prefix)

    def _compound(self, line: Line) -> bool:
        """Whether ``line`` holds statements after a ``;`` (``pass; from . import match``): its
        first word says nothing of what they bind, so it is kept whole."""
        text = self.text
        if text.find(";", line.start, line.end) < 0:
            return False
        for token in _TOKENS.finditer(text, line.start, line.end):
            kind = token.lastgroup
            code_end = token.start(kind) if kind in ("s", "c") else token.end()
            if text.find(";", token.start(), code_end) >= 0:
                return True
        return False

    def _definition(
        self, line: Line, decorators: list[Line], qualname: str, is_class: bool, scope: str
    ) -> None:
        triggers = self._triggers(line) or any(self._triggers(d) for d in decorators)
        if not triggers and scope == "class" and self.prune:
            triggers = _binds_self(self.text, line.start, line.span_end)
        if not is_class and not triggers:
            # Still walk the body: nested ``def``s are handler ids too.
            self._names(line.children, f"{qualname}.<locals>.")
            self.dropped = True
            return
        for decorator in decorators:
            self._emit(decorator)
        self._emit(line)
        if line.children:
            if is_class:
                self._block(line.children, "class", f"{qualname}.")
            else:
                self._block(line.children, "function", f"{qualname}.<locals>.")

    def _names(self, block: list[Line], prefix: str) -> None:
        for line in block:
            named = self._named(line)
            if named is not None:
                qualname = prefix + named.group(1)
                self.functions[qualname] = self._line_of(named.start())
                inner = "." if named.group().startswith("class") else ".<locals>."
                self._names(line.children, qualname + inner)
            elif line.children:
                self._names(line.children, prefix)

    def _named(self, line: Line) -> re.Match[str] | None:
        """The ``def``/``class`` name of ``line``, if it is one (most lines start otherwise)."""
        if line.word not in _DEF_WORDS:
            return None
        return _DEF_NAME.match(self.text, line.start + len(self._indent(line)), line.end)

    def _indent(self, line: Line) -> str:
        head = self.text[line.start : line.end]
        return head[: len(head) - len(head.lstrip(" \t\f"))]
