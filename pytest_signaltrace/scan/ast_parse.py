"""Cut and parse one file with the standard library's :mod:`ast`, when the running Python can.

The same cut as :mod:`.parse` (:func:`.prune.outline`) and the same chunks, parsed by CPython's
own parser: several times cheaper than libcst's, and :mod:`ast` gives line numbers for free.
The answer is ``None`` whenever :mod:`ast` cannot parse every chunk (a grammar newer than the
running Python, Python 2 code, a cut that does not parse): the caller then reads the file with
libcst (:mod:`.parse`), which stays the parser of record.
"""

from __future__ import annotations

import ast
import warnings

from pytest_signaltrace.scan.cut import decode, guard
from pytest_signaltrace.scan.prune import Chunk, Outline, outline, split_lines

_MAX_TEXT = 160


class AstChunk:
    """One chunk parsed by :mod:`ast`; positions are the chunk's, mapped to the file's lines."""

    __slots__ = ("_lines", "chunk", "module")

    def __init__(self, chunk: Chunk, module: ast.Module) -> None:
        self.chunk = chunk
        self.module = module
        self._lines: list[str] | None = None

    def file_line(self, line: int) -> int:
        """The file's line of the chunk's line ``line``."""
        lines = self.chunk.lines
        return lines[min(line, len(lines)) - 1]

    def source_lines(self) -> list[str]:
        """The chunk's physical lines, split as CPython's parser splits them."""
        if self._lines is None:
            self._lines = split_lines(self.chunk.text)
        return self._lines

    def segment(self, node: ast.AST) -> str:
        """The source of ``node`` (its columns are UTF-8 byte offsets)."""
        lines = self.source_lines()
        first: int = node.lineno - 1  # type: ignore[attr-defined]
        last: int = node.end_lineno - 1  # type: ignore[attr-defined]
        start: int = node.col_offset  # type: ignore[attr-defined]
        end: int = node.end_col_offset  # type: ignore[attr-defined]
        if first == last:
            line = lines[first]
            if line.isascii():
                return line[start:end]
            return line.encode("utf-8")[start:end].decode("utf-8", "replace")
        head = lines[first].encode("utf-8")[start:].decode("utf-8", "replace")
        tail = lines[last].encode("utf-8")[:end].decode("utf-8", "replace")
        return "\n".join([head, *lines[first + 1 : last], tail])

    def text(self, node: ast.AST) -> str:
        """The source of ``node`` on one line, shortened (as :func:`.cst.text`)."""
        segment = " ".join(self.segment(node).split())
        return segment if len(segment) <= _MAX_TEXT else segment[: _MAX_TEXT - 3] + "..."

    def starts_with(self, node: ast.AST, word: str) -> bool:
        """Whether the source at ``node``'s start begins with ``word``."""
        line = self.source_lines()[node.lineno - 1]  # type: ignore[attr-defined]
        return line.encode("utf-8")[node.col_offset :].startswith(word.encode())  # type: ignore[attr-defined]


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
    return AstFile(split_lines(text), cut, chunks)
