"""One file's facts: read with :mod:`ast` when the running Python parses it, else with libcst.

:mod:`ast` is CPython's own parser, several times cheaper than libcst's and already loaded, so a
typical cold scan never imports libcst (about 0.2 s of CPU before it parses anything). libcst
stays the extractor of record: a file :mod:`ast` rejects (a grammar newer than the running
Python, Python 2 code) is read by :mod:`.visitor`, which reads any Python 3 grammar whatever
runs it, and gives the error to report when nothing can parse it. Both extractors give the same
facts (``tests/test_scan_ast_equal.py``, ``benchmarks/ast_equal.py``).
"""

from __future__ import annotations

import functools

from pytest_signaltrace.scan.cut import ScanError
from pytest_signaltrace.scan.facts import ModuleFacts
from pytest_signaltrace.scan.paths import package_of


def extract_facts(
    source: bytes,
    module: str,
    relpath: str,
    *,
    is_package: bool,
    test_only: bool,
    prune: bool = True,
    wrappers: tuple[str, ...] = (),
) -> ModuleFacts:
    """The facts of ``source``, as :func:`.visitor.extract_facts` gives them."""
    facts = extract_with_ast(
        source, module, relpath, is_package=is_package, test_only=test_only, prune=prune,
        wrappers=wrappers,
    )  # fmt: skip
    if facts is not None:
        return facts
    from pytest_signaltrace.scan.visitor import extract_facts as extract_with_libcst

    return extract_with_libcst(
        source, module, relpath, is_package=is_package, test_only=test_only, prune=prune,
        wrappers=wrappers,
    )  # fmt: skip


def extract_with_ast(
    source: bytes,
    module: str,
    relpath: str,
    *,
    is_package: bool,
    test_only: bool,
    prune: bool = True,
    wrappers: tuple[str, ...] = (),
) -> ModuleFacts | None:
    """The facts of ``source`` read with :mod:`ast`, or ``None`` when libcst must read it.

    A file refused before any parsing (not decodable, too deeply nested) gives facts with
    ``error`` set, the very reason :mod:`.visitor` gives.
    """
    from pytest_signaltrace.scan.ast_parse import parse_with_ast
    from pytest_signaltrace.scan.ast_visitor import AstExtractor

    facts = ModuleFacts(module=module, relpath=relpath, test_only=test_only)
    try:
        parsed = parse_with_ast(source, prune=prune, wrappers=wrappers)
    except ScanError as exc:
        unparsed = functools.partial(
            ModuleFacts, module=module, relpath=relpath, test_only=test_only
        )
        return unparsed(error=str(exc), may_send=b"send" in source)
    if parsed is None:
        return None
    try:
        AstExtractor(facts, parsed, package_of(module, is_package)).run()
    except Exception:  # anything unexpected: the extractor of record decides
        return None
    return facts
