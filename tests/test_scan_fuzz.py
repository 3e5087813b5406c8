"""The scanner on generated programs: it never raises, and every row's code is its own line."""

from __future__ import annotations

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_signaltrace.scan.prune import split_lines
from pytest_signaltrace.scan.visitor import extract_facts

#: Appended to every program, so that each has rows to check.
TAIL = (
    "\nfrom shop.signals import order_placed\n"
    "order_placed.send(sender=None)\n"
    "@receiver(order_placed)\n"
    "def on_placed(sender, **kwargs): order_placed.disconnect(on_placed)\n"
)


def _check(source: str) -> None:
    data = source.encode("utf-8", "surrogatepass")
    facts = extract_facts(data, "shop.gen", "shop/gen.py", is_package=False, test_only=False)
    if facts.error is not None:
        return  # skipped with a reason: allowed, raising is not
    lines = split_lines(data.decode("utf-8", "replace"))
    rows = [*facts.senders, *facts.receivers, *facts.disconnects]
    assert len(rows) >= 3
    for row in rows:
        assert row.code == lines[row.line - 1].strip()
    whole = extract_facts(
        data, "shop.gen", "shop/gen.py", is_package=False, test_only=False, prune=False
    )
    if whole.error is not None:
        # A statement the cut left out may hold what the parser refuses (``"" b""``): the cut
        # scan is the one that runs, and it must not have raised.
        return
    assert facts == whole


@pytest.mark.slow
@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(hypothesmith.from_grammar())
def test_generated_programs_never_break_the_scan(program: str) -> None:
    _check(program + TAIL)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "x = 1\n", "if x:\n    y = 2\n", "s = '''a\nb'''\n", "t = (1,\n2)\n",
                "def f(a=(1,\n 2)):\n    return a\n", "# comment\n", "\f\n", "u = 'a\\\nb'\n",
                "class C:\n    z = order_placed\n", "v = \\\n  3\n", "w = f'{x!r:>{y}}'\n",
                "order_placed.send(sender=1)\n",
                "async def g():\n    await order_placed.asend(1)\n",
            ]
        ),
        max_size=12,
    )
)  # fmt: skip
def test_generated_statement_mixes_never_break_the_scan(parts: list[str]) -> None:
    _check("".join(parts) + TAIL)


#: String and bytes literals in every prefix and quoting, and odd numbers: joined implicitly in
#: any order, ``str`` and ``bytes`` mix, which Python's grammar has and libcst's tree refuses
#: (issue 22, item 10).
_LITERALS = st.sampled_from(
    [
        '""', "''", 'b""', "B''", r'rb"\d"', 'Rb"x"', 'br"x"', 'u"x"', r'r"\\"', 'f"{x}"',
        'rf"{x!r:>{y}}"', 'f"{{}}"', '"""a\nb"""', "b'''\n'''", r'"\N{BULLET}"', r'"\x00"',
        r'b"\xff"', '"a\\\nb"', 'f"{b"" ""}"', "0x_1", "1_000.5e-3j", "0o7", "0b1", "...",
        "1e309",
    ]
)  # fmt: skip


@settings(max_examples=80, deadline=None)
@given(
    st.lists(_LITERALS, min_size=1, max_size=4),
    st.sampled_from(
        ["order_placed.send(sender={})\n", "x = {}\n", "order_placed.send({})\n", "@receiver({})\n"]
    ),
    st.sampled_from([" ", "\n    ", " \\\n "]),
)
def test_implicit_concatenation_and_odd_literals_never_break_the_scan(
    literals: list[str], statement: str, joiner: str
) -> None:
    expression = "(" + joiner.join(literals) + ")"
    _check(statement.format(expression).replace("@receiver(", "x = (") + TAIL)
