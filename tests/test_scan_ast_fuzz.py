"""The two fact extractors on generated programs: wherever :mod:`ast` parses one, its facts are
libcst's (see ``tests/test_scan_ast_equal.py`` for the curated cases)."""

from __future__ import annotations

import warnings

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings

from pytest_signaltrace.scan.extract import extract_with_ast
from pytest_signaltrace.scan.visitor import extract_facts

#: Appended to every program, so that each has facts to compare.
TAIL = (
    "\nfrom shop.signals import order_placed\n"
    "order_placed.send(sender=(None))\n"
    "@receiver(order_placed, sender = ( 'x' ))\n"
    "def on_placed(sender, **kwargs): order_placed.disconnect(on_placed)\n"
)


@pytest.mark.slow
@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(hypothesmith.from_grammar())
def test_generated_programs_give_the_same_facts_with_ast_and_libcst(program: str) -> None:
    data = (program + TAIL).encode("utf-8", "surrogatepass")
    for prune in (True, False):
        options = {"is_package": False, "test_only": False, "prune": prune}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # hypothesmith's programs make CPython warn
            mine = extract_with_ast(data, "shop.gen", "shop/gen.py", **options)  # type: ignore[arg-type]
        if mine is None:
            continue  # left to libcst: the scan reads it with libcst
        assert mine == extract_facts(data, "shop.gen", "shop/gen.py", **options)  # type: ignore[arg-type]
