"""The :mod:`ast` extractor gives the very facts libcst's does, and leaves to libcst what only
libcst can read.

The cold scan reads a file with :mod:`ast` when the running Python parses it
(:mod:`pytest_signaltrace.scan.extract`), so that a typical scan never imports libcst; libcst
stays the extractor of record. Here both read: a corpus of tricky snippets
(``tests/ast_corpus``), every snippet of the scan's tests, and two real trees (the example
project and two folders of tests), cut and whole. ``benchmarks/ast_equal.py`` does the same over
whole sdists (Django, Celery, allauth, oscar, wagtail, django-cms).
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pytest_signaltrace.scan.extract import extract_facts, extract_with_ast
from pytest_signaltrace.scan.facts import ModuleFacts
from pytest_signaltrace.scan.visitor import extract_facts as extract_with_libcst

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
CORPUS = sorted((TESTS / "ast_corpus").glob("*.txt"))
_TRIGGERS = (".send", ".connect", "receiver", "Signal", "signal(", ".disconnect")


def _both(
    source: bytes, *, prune: bool, wrappers: tuple[str, ...] = ()
) -> tuple[ModuleFacts | None, ModuleFacts]:
    options = {"is_package": False, "test_only": False, "prune": prune, "wrappers": wrappers}
    mine = extract_with_ast(source, "shop.mod", "shop/mod.py", **options)  # type: ignore[arg-type]
    reference = extract_with_libcst(source, "shop.mod", "shop/mod.py", **options)  # type: ignore[arg-type]
    return mine, reference


def _snippets() -> list[tuple[str, str]]:
    """Every string literal of the scan's tests that is a Python module about signals."""
    found: dict[str, str] = {}
    for path in sorted(TESTS.glob("test_scan*.py")) + sorted(TESTS.glob("*samples*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                continue
            text = textwrap.dedent(node.value).lstrip("\n")
            if "\n" not in text or not any(t in text for t in _TRIGGERS):
                continue
            try:
                ast.parse(text)
            except SyntaxError:
                continue
            found.setdefault(text, f"{path.name}:{node.lineno}")
    return sorted((where, text) for text, where in found.items())


SNIPPETS = _snippets()


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
@pytest.mark.parametrize("prune", [True, False], ids=["cut", "whole"])
@pytest.mark.parametrize("wrappers", [(), ("listen", "listen_to")], ids=["", "wrappers"])
def test_the_tricky_corpus_gives_the_same_facts(
    path: Path, prune: bool, wrappers: tuple[str, ...]
) -> None:
    mine, reference = _both(path.read_bytes(), prune=prune, wrappers=wrappers)
    assert mine is not None, "ast parses the corpus on every supported Python"
    assert reference.error is None
    assert reference.senders
    assert reference.receivers
    assert mine == reference


HEAD = b"from shop import signals\n"
ODD_BYTES = {
    "lone CR line ends": b"from shop import signals\rsignals.placed.send(\r  sender='\xc3\xa9')\r",
    "CRLF, a comment in parentheses": (
        b"from shop import signals\r\nsignals.placed.send(\r\n  sender=(\r\n # c\r\n 'a'))\r\n"
    ),
    "form feeds": HEAD + b"\x0c\ndef f():\n\x0c    signals.placed.send(sender=1)\n",
    "tabs": b"from shop import signals\nif x:\n\tsignals.placed.send(sender=\t(1))\n",
    "a BOM": b"\xef\xbb\xbffrom shop import signals\nsignals.placed.send(sender='\xc3\xa9')\n",
    "latin-1": b"# -*- coding: latin-1 -*-\n" + HEAD + b"signals.placed.send(x='\xe9')\n",
    "backslash continuations": (
        b"from shop import signals\nx = \\\n  (signals.placed)\nx.send(sender \\\n = 1)\n"
    ),
    "a call inside a multi-line f-string": (
        HEAD + b"signals.placed.send(sender=f'''{\n signals.other.send(1)\n}''')\n"
    ),
}


@pytest.mark.parametrize("source", ODD_BYTES.values(), ids=ODD_BYTES.keys())
@pytest.mark.parametrize("prune", [True, False], ids=["cut", "whole"])
def test_odd_line_ends_encodings_and_columns_give_the_same_facts(
    source: bytes, prune: bool
) -> None:
    mine, reference = _both(source, prune=prune)
    assert reference.senders
    assert mine == reference


def test_a_nul_byte_leaves_the_file_to_libcst() -> None:
    source = b"from shop import signals\nsignals.placed.send(sender='\x00')\n"
    mine, reference = _both(source, prune=True)
    assert mine is None
    facts = extract_facts(source, "shop.mod", "shop/mod.py", is_package=False, test_only=False)
    assert facts == reference


def test_the_corpus_has_what_it_claims() -> None:
    # A guard on the corpus itself: parentheses libcst keeps, an ``elif``, a wrapper call.
    mine, reference = _both((TESTS / "ast_corpus" / "tricky.txt").read_bytes(), prune=True)
    assert mine == reference
    texts = {r.text for s in reference.receivers for r in s.signals}
    assert "(post_save)" in texts
    assert "( Hooks )" in {r.sender for r in reference.receivers}


def test_every_snippet_of_the_scan_tests_gives_the_same_facts() -> None:
    assert len(SNIPPETS) > 100
    compared = 0
    for where, text in SNIPPETS:
        for prune in (True, False):
            mine, reference = _both(text.encode(), prune=prune)
            if mine is None:
                continue
            compared += 1
            assert mine == reference, f"{where} (prune={prune})"
    assert compared > 200


@pytest.mark.parametrize("root", ["example_project", "tests/frameworks", "tests/trace"])
def test_a_real_tree_gives_the_same_facts(root: str) -> None:
    paths = sorted((REPO / root).rglob("*.py"))
    assert paths
    for path in paths:
        for prune in (True, False):
            mine, reference = _both(path.read_bytes(), prune=prune)
            if mine is not None:
                assert mine == reference, f"{path} (prune={prune})"


NEWER_GRAMMAR = {
    # PEP 695 (Python 3.12): a syntax error for ast on 3.11.
    (3, 11): """
        from django.dispatch import receiver
        from shop.signals import order_placed

        type Handler = Callable[..., None]

        class Box[T]:
            def put(self, item: T) -> None:
                order_placed.send(sender=Box, item=item)

        @receiver(order_placed)
        def on_placed[T](sender: type[T], **kwargs: object) -> None: ...
    """,
    # PEP 758 (Python 3.14): ``except A, B:`` without parentheses.
    (3, 12): """
        from django.dispatch import receiver
        from shop.signals import order_placed

        class Box:
            def put(self, item):
                try:
                    item.save()
                except ValueError, TypeError:
                    return
                order_placed.send(sender=Box, item=item)

        @receiver(order_placed)
        def on_placed(sender, **kwargs): ...
    """,
}


def _newer_grammar() -> str | None:
    for version in sorted(NEWER_GRAMMAR, reverse=True):
        if sys.version_info[:2] >= version and sys.version_info[:2] < (3, 14):
            return NEWER_GRAMMAR[version]
    return None


@pytest.mark.skipif(_newer_grammar() is None, reason="no grammar newer than this Python's")
def test_a_file_ast_cannot_parse_is_read_by_libcst() -> None:
    source = textwrap.dedent(_newer_grammar() or "").encode()
    mine, reference = _both(source, prune=True)
    assert mine is None
    facts = extract_facts(source, "shop.mod", "shop/mod.py", is_package=False, test_only=False)
    assert facts == reference
    assert facts.error is None
    assert [s.line for s in facts.senders] == [s.line for s in reference.senders]
    assert len(facts.senders) == 1
    assert len(facts.receivers) == 1


def test_a_file_neither_can_parse_is_skipped_with_libcsts_reason() -> None:
    source = (
        b"from shop.signals import order_placed\n\nprint 'sent', order_placed.send(sender=None)\n"
    )
    assert extract_with_ast(source, "m", "m.py", is_package=False, test_only=False) is None
    facts = extract_facts(source, "m", "m.py", is_package=False, test_only=False)
    assert facts.error is not None
    assert facts.error.startswith("syntax error at line 3")
    assert facts.may_send


def test_a_file_refused_before_parsing_gives_the_same_reason_without_libcst() -> None:
    source = (
        b"from shop.signals import order_placed\n\norder_placed.send(x="
        + b"(" * 150
        + b"1"
        + b")" * 150
        + b")\n"
    )
    mine, reference = _both(source, prune=True)
    assert mine is not None
    assert mine.error is not None
    assert mine == reference
    undecodable = b"# -*- coding: latin-1 -*-\nx = '\xe9'.send()\n"
    mine, reference = _both(undecodable.replace(b"latin-1", b"nope"), prune=True)
    assert mine is not None
    assert mine.error
    assert mine == reference


def test_a_cold_scan_of_a_typical_tree_never_imports_libcst(tmp_path: Path) -> None:
    code = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from pytest_signaltrace.scan import scan

        smap = scan(Path(sys.argv[1]), cache_dir=Path(sys.argv[2]))
        assert smap.receivers and smap.senders, smap
        print("libcst" in sys.modules)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(REPO / "example_project"), str(tmp_path / "cache")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "False"
