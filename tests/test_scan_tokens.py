"""The cut's tokenizer skips the text between tokens in one run: the same tokens as before."""

from __future__ import annotations

import re

import pytest

from pytest_signaltrace.scan import prune
from pytest_signaltrace.scan.prune import outline

#: The tokenizer as it was, trying every alternative at every character (the reference).
_REFERENCE = re.compile(
    r"""
    (?P<s>'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*(?:'''|\Z)
      |\"\"\"[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*(?:\"\"\"|\Z)
      |'[^'\\\r\n]*(?:\\(?:\r\n|.)[^'\\\r\n]*)*'?
      |"[^"\\\r\n]*(?:\\(?:\r\n|.)[^"\\\r\n]*)*"?)
    |(?P<c>\#[^\r\n]*)
    |(?P<p>\([^()\[\]{}'"\#\\\r\n]*\)|\[[^()\[\]{}'"\#\\\r\n]*\])
    |(?P<o>[(\[{])
    |(?P<x>[)\]}])
    |(?P<b>\\(?:\r\n|\r|\n))
    |(?P<n>\r\n|\r|\n)
    """,
    re.VERBOSE | re.DOTALL,
)

SNIPPETS = [
    "x = 1\n",
    "x = 1",  # no line end at the end of the file
    "",
    "a = f(b, [c])  # (comment)\nsig.send(sender=x)\n",
    "s = '''multi\nline ( [ '''\nt = \"unterminated\n",
    "x = a \\\n    + b\r\ny = {1: (2,\r\n 3)}\r",
    "weird = \\ 1\npath = 'C:\\\\'\n",  # a stray backslash before a space
    "u = '''never closed\n\n",
    "# pragma: no signal cover\n@receiver(sig)  # pragma: no signal cover\ndef f(): ...\n",
]


@pytest.mark.parametrize("text", SNIPPETS)
def test_the_tokens_are_those_of_the_reference_tokenizer(text: str) -> None:
    def tokens(pattern: re.Pattern[str]) -> list[tuple[str, int, int]]:
        found = []
        for match in pattern.finditer(text):
            kind = match.lastgroup
            if kind is not None:
                found.append((kind, match.start(kind), match.end()))
        return found

    assert tokens(prune._TOKENS) == tokens(_REFERENCE)


@pytest.mark.parametrize("text", SNIPPETS)
def test_the_cut_still_parses_its_pragmas_and_lines(text: str) -> None:
    cut = outline(text)
    assert all(chunk.text.endswith("\n") for chunk in cut.chunks if chunk.text)
