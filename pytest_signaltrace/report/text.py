"""Text from source code, made safe for the outputs that show it.

Handler names, paths, expressions and code lines come from the scanned files, and a file can
hold anything: an ESC byte in a comment would be sent raw to the terminal by ``signaltrace
scan`` (colours, cursor moves, a terminal title), a carriage return would overwrite a line, a
bidirectional override would reorder what is shown. :func:`printable` (from :mod:`.escape`,
which every report's escaping comes from) shows each of them as an escape (``\\x1b``,
``\\u202e``) instead: terminal, Markdown and GitHub annotations.
"""

from __future__ import annotations

import re

from pytest_signaltrace.report.escape import printable

__all__ = ["HUMAN_FORMATS", "code_span", "for_people", "printable"]

_BACKTICK_RUNS = re.compile(r"`+")


def code_span(text: str) -> str:
    """A CommonMark code span holding ``text`` literally, whatever backticks it contains.

    The fence is one backtick longer than the longest run inside; the text is padded with a
    space when a backtick would otherwise touch the fence, or when it starts and ends with a
    space (which the parser would strip).
    """
    longest = max((len(run) for run in _BACKTICK_RUNS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    stripped_by_parser = text.startswith(" ") and text.endswith(" ") and text.strip() != ""
    pad = " " if longest or stripped_by_parser else ""
    return f"{fence}{pad}{text}{pad}{fence}"


#: Formats that people read (a terminal, a Markdown viewer, a CI log): :func:`for_people`
#: passes their text through :func:`printable`. JSON escapes control characters itself.
HUMAN_FORMATS = frozenset({"term", "term-missing", "markdown", "markdown-append", "github"})


def for_people(fmt: str, text: str) -> str:
    """``text`` rendered in ``fmt``, made safe to show when ``fmt`` is read by people."""
    return printable(text) if fmt in HUMAN_FORMATS else text
