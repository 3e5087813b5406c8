"""Cut and parse one file with the standard library's :mod:`ast`, when the running Python can.

The same cut as :mod:`.parse` (:func:`.prune.outline`) and the same chunks, parsed by CPython's
own parser: several times cheaper than libcst's, and :mod:`ast` gives line numbers for free.
The answer is ``None`` whenever :mod:`ast` cannot parse every chunk (a grammar newer than the
running Python, Python 2 code, a cut that does not parse): the caller then reads the file with
libcst (:mod:`.parse`), which stays the parser of record.
"""

from __future__ import annotations

import ast
import bisect
import keyword
import warnings

from pytest_signaltrace.scan.cut import decode, guard
from pytest_signaltrace.scan.prune import Chunk, Outline, line_starts, outline, split_lines

_MAX_TEXT = 160
_BLANK = frozenset(" \t\f\r\n")
_ENDS = ("\r", "\n")
#: libcst's recursive code (its parser's tree building, our line pass) hits Python's recursion
#: limit somewhere past 400 nested nodes; :mod:`ast` does not. Such a file is left to libcst, so
#: that it is skipped with libcst's reason, as it was: a statement that nests deeper than
#: :data:`_DEEP` nodes is one, and only a logical line longer than :data:`_LONG` can hold one.
_DEEP = 250
_LONG = 200


class AstChunk:
    """One chunk parsed by :mod:`ast`; positions are the chunk's, mapped to the file's lines.

    libcst keeps an expression's own parentheses in the expression (``( Hooks )``); :mod:`ast`
    leaves them out of its positions. :meth:`span` puts them back, so that texts and lines are
    libcst's.
    """

    __slots__ = ("_comments", "_lines", "_starts", "chunk", "module")

    def __init__(self, chunk: Chunk, module: ast.Module) -> None:
        self.chunk = chunk
        self.module = module
        # Split on first use: most chunks (imports, bindings) report nothing.
        self._lines: list[str] = []
        self._starts: list[int] = []
        self._comments: list[int] | None = None

    def file_line(self, line: int) -> int:
        """The file's line of the chunk's line ``line``."""
        lines = self.chunk.lines
        return lines[min(line, len(lines)) - 1]

    def _offset(self, line: int, column: int) -> int:
        """The offset in the chunk's text of a position of :mod:`ast` (a UTF-8 byte column)."""
        if not self._starts:
            self._lines = split_lines(self.chunk.text)
            self._starts = line_starts(self.chunk.text)
        text = self._lines[line - 1]
        if not text.isascii():
            column = len(text.encode("utf-8")[:column].decode("utf-8", "replace"))
        return self._starts[line - 1] + column

    def span(self, node: ast.AST) -> tuple[int, int]:
        """``node``'s start and end offsets in the chunk's text, its own parentheses included."""
        start = self._offset(node.lineno, node.col_offset)  # type: ignore[attr-defined]
        end = self._offset(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
        text = self.chunk.text
        while True:
            before = self._back(start)
            if before < 0 or text[before] != "(" or not _grouping(self, before):
                return start, end
            after = _forward(text, end)
            if after >= len(text) or text[after] != ")":
                return start, end
            start, end = before, after + 1

    def _back(self, offset: int) -> int:
        """The offset of the last character before ``offset`` that is not blank or a comment
        (-1: none)."""
        text = self.chunk.text
        offset -= 1
        while offset >= 0:
            char = text[offset]
            if char in "\r\n":
                offset = self._before_comment(offset)
            elif char in _BLANK or (char == "\\" and text[offset + 1 : offset + 2] in _ENDS):
                offset -= 1
            else:
                return offset
        return offset

    def _before_comment(self, newline: int) -> int:
        """The offset just before the comment that ends at ``newline``, else before it."""
        line_start = self._starts[bisect.bisect_right(self._starts, newline) - 1]
        if "#" not in self.chunk.text[line_start:newline]:
            return newline - 1
        if self._comments is None:
            self._comments = _comment_starts(self.chunk.text, self._starts)
        index = bisect.bisect_left(self._comments, newline) - 1
        if index >= 0 and self._comments[index] >= line_start:
            return self._comments[index] - 1
        return newline - 1

    def _line_at(self, offset: int) -> int:
        return self.file_line(bisect.bisect_right(self._starts, offset))

    def start_line(self, node: ast.AST) -> int:
        """The file's line where ``node`` starts, as libcst's leftmost atom says (see
        :func:`.cst.leftmost`)."""
        while True:
            if isinstance(node, ast.Attribute | ast.Subscript):
                node = node.value
            elif isinstance(node, ast.Call):
                node = node.func
            else:
                return self._line_at(self.span(node)[0])

    def end_line(self, node: ast.AST) -> int:
        """The file's line where ``node`` ends, its closing parenthesis included."""
        return self._line_at(self.span(node)[1] - 1)

    def own_start_line(self, node: ast.AST) -> int:
        """The file's line where ``node`` itself starts, its opening parenthesis included."""
        return self._line_at(self.span(node)[0])

    def text(self, node: ast.AST) -> str:
        """The source of ``node`` on one line, shortened (as :func:`.cst.text`)."""
        start, end = self.span(node)
        segment = " ".join(self.chunk.text[start:end].split())
        return segment if len(segment) <= _MAX_TEXT else segment[: _MAX_TEXT - 3] + "..."

    def starts_with(self, node: ast.AST, word: str) -> bool:
        """Whether the source at ``node``'s start begins with ``word``."""
        start = self._offset(node.lineno, node.col_offset)  # type: ignore[attr-defined]
        return self.chunk.text.startswith(word, start)


def _forward(text: str, offset: int) -> int:
    """The offset of the first character from ``offset`` that is not blank or a comment."""
    size = len(text)
    while offset < size:
        char = text[offset]
        if char in _BLANK or char == "\\":
            offset += 1
        elif char == "#":
            while offset < size and text[offset] not in "\r\n":
                offset += 1
        else:
            return offset
    return offset


def _comment_starts(text: str, starts: list[int]) -> list[int]:
    """The offsets where the comments of ``text`` start (read only for a comment inside a pair
    of parentheses, seldom: :mod:`tokenize` is not cheap)."""
    import io
    import tokenize

    found: list[int] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                found.append(starts[token.start[0] - 1] + token.start[1])
    except (tokenize.TokenError, SyntaxError):
        pass
    return found


def _grouping(chunk: AstChunk, paren: int) -> bool:
    """Whether the ``(`` at ``paren`` groups an expression (not a call's arguments)."""
    text = chunk.chunk.text
    before = chunk._back(paren)
    if before < 0:
        return True
    if "\n" in text[before:paren] or "\r" in text[before:paren]:
        return True  # the start of a statement (a call's ``(`` on the next line: never seen)
    char = text[before]
    if char in ")]}'\"":
        return False  # ``f(x)(y)``, ``a[0](y)``, ``"s"(y)``: a call
    if not (char.isalnum() or char == "_"):
        return True
    word_start = before
    while word_start > 0 and (text[word_start - 1].isalnum() or text[word_start - 1] == "_"):
        word_start -= 1
    return keyword.iskeyword(text[word_start : before + 1])  # ``return (x)``; ``f (x)``: a call


class AstFile:
    """A file's lines, its outline and its chunks parsed by :mod:`ast`."""

    __slots__ = ("chunks", "lines", "outline")

    def __init__(self, lines: list[str], cut: Outline, chunks: list[AstChunk]) -> None:
        self.lines = lines
        self.outline = cut
        self.chunks = chunks


def parse_with_ast(
    source: bytes, *, prune: bool = True, wrappers: tuple[str, ...] = ()
) -> AstFile | None:
    """Cut and parse ``source`` with :mod:`ast`; ``None`` when it cannot parse every chunk.

    Raises :class:`.cut.ScanError` as :func:`.parse.parse_file` does, before any parsing, when
    the file cannot be decoded or a kept statement is too deeply nested.
    """
    text = decode(source)
    cut = outline(text, prune=prune, imported=wrappers)
    guard(text, cut.kept)
    chunks: list[AstChunk] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ``"\d"``: CPython warns, libcst does not
        for chunk in cut.chunks:
            if not chunk.text:
                continue
            try:
                tree = ast.parse(chunk.text)
            except (SyntaxError, ValueError, MemoryError, RecursionError):
                return None
            chunks.append(AstChunk(chunk, tree))
    if any(line.end - line.start > _LONG for line in cut.kept) and any(
        _deeper_than(chunk.module, _DEEP) for chunk in chunks
    ):
        return None  # libcst may hit Python's recursion limit on it: libcst says what it says
    return AstFile(split_lines(text), cut, chunks)


def _deeper_than(tree: ast.AST, limit: int) -> bool:
    """Whether ``tree`` nests deeper than ``limit`` nodes."""
    pending = [(tree, 0)]
    while pending:
        node, depth = pending.pop()
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return False
