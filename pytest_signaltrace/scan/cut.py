"""The parser-free half of reading a file: its text, and the size guard every parser passes.

Shared by the two fact extractors (:mod:`.parse` with libcst, :mod:`.ast_parse` with the
standard library's :mod:`ast`), so that both refuse the same files with the same reasons.
"""

from __future__ import annotations

import re

from pytest_signaltrace.scan.files import declared_encoding
from pytest_signaltrace.scan.prune import Line, split_lines

#: Deeper bracket nesting than this is refused (CPython itself stops at 200).
MAX_DEPTH = 100
#: A statement with more operators than this is refused: libcst's parser slows down faster
#: than linearly on such chains and may overflow its stack (100,000 unary minus crash it).
MAX_OPERATORS = 1500
_OPERATOR = re.compile(r"[-+~*/%@&|^<>.(\[{,]|\b(?:not|and|or|if|lambda|await)\b")
#: Only statements longer than this are counted (shorter ones cannot hold that many).
_COUNT_FROM = 1000


class ScanError(Exception):
    """The file cannot be scanned; the message says why."""


def decode(source: bytes) -> str:
    """The file's text, in its PEP 263 encoding."""
    encoding = declared_encoding(source)
    try:
        text = source.decode(encoding)
    except (LookupError, UnicodeDecodeError) as exc:
        raise ScanError(f"cannot decode as {encoding}: {exc}") from None
    return text.removeprefix("\ufeff") if encoding == "utf-8-sig" else text


def every_line(roots: list[Line]) -> list[Line]:
    every: list[Line] = []
    pending = list(roots)
    while pending:
        line = pending.pop()
        every.append(line)
        pending.extend(line.children)
    return every


def guard(text: str, lines: list[Line]) -> None:
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
