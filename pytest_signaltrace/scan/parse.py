"""Decode, cut and parse one file with libcst; map node positions back to the file's lines.

libcst's native parser reads the grammar of Python 3.0 to 3.15 whatever interpreter runs the
scan (``except A, B:``, ``type X = int``, PEP 695 generics), and keeps comments. It costs
tens of times more than :mod:`ast` per byte, so a file is first cut down (:mod:`.prune`), and
line numbers come from a light code generation pass over only the chunks that hold something
to report, instead of libcst's ``PositionProvider`` (about twice a parse).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import libcst
from libcst._nodes.internal import CodegenState

from pytest_signaltrace.scan.cut import ScanError, decode, every_line, guard
from pytest_signaltrace.scan.prune import Chunk, Outline, outline, split_lines

__all__ = ["ParsedChunk", "ParsedFile", "ScanError", "decode", "parse_file"]

_NEWLINE = re.compile(r"\r\n|\r|\n")


@dataclass
class ParsedChunk:
    """One parsed chunk, with its line positions computed on first use."""

    chunk: Chunk
    module: libcst.Module
    _starts: dict[int, int] | None = None
    _ends: dict[int, int] = field(default_factory=dict)

    def lines_of(self, node: libcst.CSTNode) -> tuple[int, int]:
        """The file's first and last line of ``node``."""
        if self._starts is None:
            state = _LineState(self.module)
            self.module._codegen(state)
            self._starts, self._ends = state.starts, state.ends
        key = id(node)
        lines = self.chunk.lines
        start = self._starts.get(key, 1)
        end = self._ends.get(key, start)
        return lines[min(start, len(lines)) - 1], lines[min(end, len(lines)) - 1]


@dataclass
class ParsedFile:
    """A file's text, its outline, and its parsed chunks in order."""

    lines: list[str]
    outline: Outline
    chunks: list[ParsedChunk]
    #: The whole file was parsed (the cut did not parse): ``def`` lines come from the tree.
    whole: bool


def parse_file(source: bytes, *, prune: bool = True, wrappers: tuple[str, ...] = ()) -> ParsedFile:
    """Cut and parse ``source``; raises :class:`ScanError` when it cannot be scanned.

    ``prune=False`` parses every statement (the tests compare both ways); ``wrappers``: see
    :func:`.prune.outline`.
    """
    text = decode(source)
    cut = outline(text, prune=prune, imported=wrappers)
    lines = split_lines(text)
    try:
        guard(text, cut.kept)
        chunks = [_parse(chunk) for chunk in cut.chunks if chunk.text]
    except libcst.ParserSyntaxError:
        whole = Chunk(text if text.endswith(("\n", "\r")) else text + "\n", [], True)
        whole.lines = list(range(1, len(lines) + 2))
        guard(text, every_line(cut.lines))
        try:
            chunks = [_parse(whole)]
        except libcst.ParserSyntaxError as exc:
            raise ScanError(f"syntax error at line {exc.raw_line}: {_message(exc)}") from None
        return ParsedFile(lines, cut, chunks, whole=True)
    return ParsedFile(lines, cut, chunks, whole=False)


def _parse(chunk: Chunk) -> ParsedChunk:
    try:
        return ParsedChunk(chunk, libcst.parse_module(chunk.text))
    except RecursionError:
        raise ScanError("too deeply nested: parsing it hit Python's recursion limit") from None
    except libcst.CSTValidationError as exc:
        # Valid Python that libcst's tree refuses (``"a" b"b"``: CPython refuses it only when
        # compiling): the file cannot be scanned, the rest of the tree still can.
        raise ScanError(f"the parser cannot handle it: {exc}") from None


def _message(exc: libcst.ParserSyntaxError) -> str:
    return str(exc.message).splitlines()[0] if exc.message else "invalid syntax"


class _LineState(CodegenState):
    """Code generation that only counts lines: each node's first and last line in its chunk."""

    def __init__(self, module: libcst.Module) -> None:
        super().__init__(module.default_indent, module.default_newline)
        self.line = 1
        self.starts: dict[int, int] = {}
        self.ends: dict[int, int] = {}
        self._stack: list[int] = []

    def add_indent_tokens(self) -> None:
        pass  # indentation holds no line ends

    def add_token(self, value: str) -> None:
        if "\n" in value or "\r" in value:
            self.line += len(_NEWLINE.findall(value))

    def before_codegen(self, node: libcst.CSTNode) -> None:
        self._stack.append(self.line)

    def after_codegen(self, node: libcst.CSTNode) -> None:
        key = id(node)
        self.starts[key] = self._stack.pop()
        self.ends[key] = self.line

    def pop_trailing_newline(self) -> None:
        pass
