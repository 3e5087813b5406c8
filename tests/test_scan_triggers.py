"""The cut's trigger search (:mod:`pytest_signaltrace.scan.triggers`) gives every logical line
the answer the one alternation of :attr:`.shapes.Shapes.trigger` gave, in fewer instructions.

The references here are the searches as they were (one alternation; ``findall`` with ``\\b`` and
``^``); the package's own source is a corpus of real code full of trigger text.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pytest_signaltrace.scan import prune, shapes, triggers
from pytest_signaltrace.scan.cut import every_line

PACKAGE = Path(prune.__file__).resolve().parent.parent
TRICKY = [
    "from shop import signals\nsignals.placed.send(sender=1)\n",
    "x = ModelSignal()\ny = NamedSignal('n')\n@receiver(post_save)\ndef f(): ...\n",
    "ns = Namespace()\nplaced = ns.signal('placed')\nmade = signal(\n 'made')\n",
    'other =signal("o")\nx = 1\n',
    "a = ns.signal(name='x')\nb = signal.signal(SIGTERM, h)\nc = emit_signal(\n 1)\n",
    "# ns.signal(\nx = 1\nsig . connect (handler)\ny = 2\n",
    "send_prerun = signals.task_prerun.send\ndef f():\n    send_prerun(sender=1)\n",
    "notify = sig.send\rdef g():\r    notify (1)\r    other_notify(2)\r",
    "def listen_to(signal):\n    signal.connect(h)\n\ndef setup():\n    listen_to(placed)\n",
    "class A:\n    s = Signal()\n    def m(self):\n        self.s.send_robust(1)\n",
    "s = '''x.send(\n'''\nt = 1\n",
]


def _corpus() -> list[str]:
    texts = list(TRICKY)
    for path in sorted(PACKAGE.rglob("*.py")):
        texts.append(path.read_text(encoding="utf-8"))
    return texts


CORPUS = _corpus()


def _reference_starts(text: str, calls: frozenset[str]) -> list[int]:
    """The starts of the one alternation the cut searched before."""
    pattern = shapes.current().trigger
    if calls:
        names = "|".join(re.escape(name) for name in sorted(calls))
        pattern = re.compile(f"{pattern.pattern}|\\b(?:{names})[ \\t]*\\(")
    return [match.start() for match in pattern.finditer(text)]


def _holds(starts: list[int], begin: int, end: int) -> bool:
    return any(begin <= start < end for start in starts)


def test_every_logical_line_and_block_has_trigger_text_as_the_one_pattern_says() -> None:
    lines_checked = with_triggers = 0
    for text in CORPUS:
        calls = frozenset(triggers.bound_send_names(text)) | triggers.wrapper_names(text)
        mine = triggers.trigger_starts(text, calls)
        reference = _reference_starts(text, calls)
        assert mine == sorted(mine)
        for line in every_line(prune.outline(text, prune=False).lines):
            expected = _holds(reference, line.start, line.span_end)
            assert _holds(mine, line.start, line.span_end) == expected, text[line.start : line.end]
            lines_checked += 1
            with_triggers += expected
    assert lines_checked > 10_000
    assert with_triggers > 500


@pytest.mark.parametrize("text", TRICKY)
def test_each_kind_of_trigger_text_is_found(text: str) -> None:
    calls = frozenset(triggers.bound_send_names(text)) | triggers.wrapper_names(text)
    mine = triggers.trigger_starts(text, calls)
    reference = _reference_starts(text, calls)
    lines = every_line(prune.outline(text, prune=False).lines)
    expected = [_holds(reference, x.start, x.span_end) for x in lines]
    assert any(expected)
    assert [_holds(mine, x.start, x.span_end) for x in lines] == expected


def test_bound_send_names_are_the_names_the_multiline_pattern_finds() -> None:
    texts = [
        *CORPUS,
        "a = x.send\r\nb = y.send_robust\r\n",
        "a = 1; b = x.send\nc = x.send\n  d = y . asend\n",
        "e = x.send\rf = y.send\n",  # a lone CR is no line start for ``^``
    ]
    for text in texts:
        assert triggers.bound_send_names(text) == set(shapes.current().bound_send.findall(text))
    assert triggers.bound_send_names("a = x.send\r\nb = y.send_robust\r\n") == {"a", "b"}
    assert triggers.bound_send_names("e = x.send\rf = y.send\n") == {"e"}


_REFERENCE_DEF = re.compile(r"\bdef[ \t]+(\w+)[ \t]*\(([^()]*)")


@pytest.mark.parametrize(
    "text",
    [
        "def listen(signal):\n    signal.connect(h)\n",
        "undef f(signal):\n    signal.connect(h)\n",  # no word boundary before ``def``
        "def a(x, defb, def c(signal):\n    signal.connect(h)\n",
        "defdef g(signal): signal.connect(1)\ndef h(\n  signal): signal.connect(1)\n",
    ],
)
def test_wrapper_names_read_every_def_the_reference_pattern_reads(text: str) -> None:
    objects = {"signal"}
    expected = {
        name
        for name, params in _REFERENCE_DEF.findall(text)
        if objects & set(re.findall(r"\w+", params))
    }
    assert triggers.wrapper_names(text) == frozenset(expected)


def test_matches_at_a_literal_are_finditers_matches() -> None:
    pattern = re.compile(r"\bab[a-z]*")
    for text in ["ab abc xab ab_ ababab ab", "", "zab", "ab"]:
        expected = [m.span() for m in pattern.finditer(text)]
        assert [m.span() for m in triggers._matches_at(pattern, text, "ab")] == expected


@pytest.mark.parametrize(
    "text", ["a\nb\n", "a\nb", "", "\n\n", "a\r\nb\rc\n", "\r", "x\ny\r\n", "é\nü\n"]
)
def test_lines_split_as_the_parser_splits_them(text: str) -> None:
    newline = re.compile(r"\r\n|\r|\n")
    assert prune.line_starts(text) == [0, *(m.end() for m in newline.finditer(text))]
    assert prune.split_lines(text) == newline.split(text)
