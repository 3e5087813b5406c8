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

from pytest_signaltrace.scan.files import declared_encoding
from pytest_signaltrace.scan.prune import Chunk, Line, Outline, outline, split_lines

#: Deeper bracket nesting than this is refused (CPython itself stops at 200).
MAX_DEPTH = 100
#: A statement with more operators than this is refused: libcst's parser slows down faster
#: than linearly on such chains and may overflow its stack (100,000 unary minus crash it).
MAX_OPERATORS = 1500
_OPERATOR = re.compile(r"[-+~*/%@&|^<>.(\[{,]|\b(?:not|and|or|if|lambda|await)\b")
#: Only statements longer than this are counted (shorter ones cannot hold that many).
_COUNT_FROM = 1000
_NEWLINE = re.compile(r"\r\n|\r|\n")


class ScanError(Exception):
    """The file cannot be scanned; the message says why."""


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


def decode(source: bytes) -> str:
    """The file's text, in its PEP 263 encoding."""
    encoding = declared_encoding(source)
    try:
        text = source.decode(encoding)
    except (LookupError, UnicodeDecodeError) as exc:
        raise ScanError(f"cannot decode as {encoding}: {exc}") from None
    return text.removeprefix("\ufeff") if encoding == "utf-8-sig" else text


def parse_file(source: bytes, *, prune: bool = True, wrappers: tuple[str, ...] = ()) -> ParsedFile:
    """Cut and parse ``source``; raises :class:`ScanError` when it cannot be scanned.

    ``prune=False`` parses every statement (the tests compare both ways); ``wrappers``: see
    :func:`.prune.outline`.
    """
    text = decode(source)
    cut = outline(text, prune=prune, imported=wrappers)
    lines = split_lines(text)
    try:
        _guard(text, cut.kept)
        chunks = [_parse(chunk) for chunk in cut.chunks if chunk.text]
    except libcst.ParserSyntaxError:
        whole = Chunk(text if text.endswith(("\n", "\r")) else text + "\n", [], True)
        whole.lines = list(range(1, len(lines) + 2))
        _guard(text, _every_line(cut.lines))
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


def _every_line(roots: list[Line]) -> list[Line]:
    every: list[Line] = []
    pending = list(roots)
    while pending:
        line = pending.pop()
        every.append(line)
        pending.extend(line.children)
    return every


def _guard(text: str, lines: list[Line]) -> None:
    """Refuse statements that would make the parser crawl or crash (see :data:`MAX_OPERATORS`)."""
    for line in lines:
        if line.depth > MAX_DEPTH:
            number = len(split_lines(text[: line.start]))
            raise ScanError(
                f"too deeply nested: brackets {line.depth} deep in the statement at line "
                f"{number} (the limit is {MAX_DEPTH})"
            )
        if line.end - line.start > _COUNT_FROM:
            count = len(_OPERATOR.findall(text, line.start, line.end))
            if count > MAX_OPERATORS:
                number = len(split_lines(text[: line.start]))
                raise ScanError(
                    f"too deeply nested: {count:,} operators in the statement at line {number} "
                    f"(the limit is {MAX_OPERATORS:,})"
                )


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
