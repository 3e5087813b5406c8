"""Import statements read from their text: libcst parses a placeholder instead, same facts."""

from __future__ import annotations

import textwrap

import pytest

from pytest_signaltrace.scan.import_lines import PLACEHOLDER, Import, read_import
from pytest_signaltrace.scan.prune import outline
from pytest_signaltrace.scan.visitor import extract_facts


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("import a", Import(None, 0, (("a", None),))),
        ("import a.b as c, d\n", Import(None, 0, (("a.b", "c"), ("d", None)))),
        ("  from .x import y as z  # why\n", Import("x", 1, (("y", "z"),))),
        ("from . import x\r\n", Import("", 1, (("x", None),))),
        ("from ...a.b import *\n", Import("a.b", 3, (), star=True)),
        ("from x import(a)\n", Import("x", 0, (("a", None),))),
        (
            "from x import (\n    a,  # (not b)\n    b as c,\n)\n",
            Import("x", 0, (("a", None), ("b", "c"))),
        ),
    ],
)
def test_a_plain_import_statement_is_read_from_its_text(line: str, expected: Import) -> None:
    assert read_import(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "import as",  # a keyword
        "import a as as",
        "from None import a",
        "from x import a.b",  # not valid: a from-import imports names
        "from x import (*)",
        "from x import a,",
        "from x importa",
        "import a; b = 1",  # two statements
        "from x import \\\n    a",  # a continuation
        "import a . b",  # space around a dot: left to libcst
        "from .import x",
        "import café",  # not ASCII: left to libcst
        "x = 1  # import y",
    ],
)
def test_anything_but_the_plainest_import_is_left_to_libcst(line: str) -> None:
    assert read_import(line) is None


def source(text: str) -> bytes:
    return textwrap.dedent(text).encode()


CODE = """\
    from __future__ import annotations
    import os.path as osp, json
    from . import signals
    from .models import (
        Order,  # the order
        Line as OrderLine,
    )
    from .more import *
    try:
        from fast import send_it
    except ImportError:
        from slow import send_it

    @receiver(signals.placed, sender=OrderLine)
    def on_placed(sender, **kwargs):
        from .mail import notify as tell
        import shop.tasks
        tell(sender)
        signals.shipped.send(sender=Order)

    class Mailer:
        from .conf import hooks
        hooks.sent.connect(on_placed)
"""


def test_a_run_of_imports_is_one_placeholder_for_libcst() -> None:
    cut = outline(textwrap.dedent(CODE))
    text = "".join(chunk.text for chunk in cut.chunks)
    assert not [line for line in text.splitlines() if line.split()[0] in {"import", "from"}]
    # The header (6 statements), each ``try`` branch, the function's two, the class's one.
    assert [len(group) for group in cut.imports.values()] == [5, 1, 1, 2, 1]
    assert text.count(PLACEHOLDER) == 5


def test_the_facts_are_those_of_the_parsed_imports() -> None:
    read = extract_facts(source(CODE), "shop.receivers", "shop/receivers.py", is_package=False,
                         test_only=False)  # fmt: skip
    parsed = extract_facts(source(CODE), "shop.receivers", "shop/receivers.py", is_package=False,
                           test_only=False, prune=False)  # fmt: skip
    assert read.to_json() == parsed.to_json()
    assert read.bindings["osp"] == "os.path"
    assert read.bindings["OrderLine"] == "shop.models.Line"
    assert read.bindings["send_it"] == "slow.send_it"
    assert read.star_imports == ["shop.more"]
    assert [r.sender for r in read.receivers] == ["OrderLine", None]
    assert [s.signal.target for s in read.senders] == ["shop.signals.shipped"]


def test_a_file_that_names_the_placeholder_keeps_its_imports_as_text() -> None:
    code = f"import a\n{PLACEHOLDER}0 = 1\nx.send()\n"
    cut = outline(code)
    assert not cut.imports
    assert "import a" in cut.chunks[0].text
