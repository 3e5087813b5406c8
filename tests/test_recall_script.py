"""``benchmarks/recall.py``: hand-judged lists read back, and a scan scored against them."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest
from script_modules import load_script

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "recall.py"


@pytest.fixture(scope="module")
def recall() -> ModuleType:
    return load_script(SCRIPT, "recall")


LIST = """\
# A small list.
# requirement: Demo==1.0
# archive: sdist
# root: Demo-1.0
definition\tdemo.signals.saved\tdemo/signals.py:3
send\tdemo.signals.saved\tdemo/models.py:10
receiver\tdemo.signals.saved\ttests/test_demo.py:7\ttest_demo.spy\ttest
"""


def test_a_list_is_read_with_its_header_and_test_rows(recall: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "demo.tsv"
    path.write_text(LIST, encoding="utf-8")
    expected = recall.read_expected(path)
    assert (expected.name, expected.requirement, expected.archive, expected.root) == (
        "demo",
        "Demo==1.0",
        "sdist",
        "Demo-1.0",
    )
    assert len(expected.rows) == 3
    spy = recall.Row("receiver", "demo.signals.saved", "tests/test_demo.py", 7)
    assert expected.test_rows == {spy}


def test_a_malformed_row_names_its_line(recall: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text(LIST + "sender\tx\ty.py:1\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.tsv:8"):
        recall.read_expected(path)


def test_a_scan_is_scored_per_kind_and_unresolved_rows_stay_out_of_precision(
    recall: ModuleType, tmp_path: Path
) -> None:
    path = tmp_path / "demo.tsv"
    path.write_text(LIST, encoding="utf-8")
    expected = recall.read_expected(path)
    document = {
        "definitions": [{"signal": "demo.signals.saved", "path": "demo/signals.py", "line": 3}],
        "senders": [
            {"signal": "demo.signals.saved", "path": "demo/models.py", "line": 10},
            {"signal": "demo.signals.other", "path": "demo/models.py", "line": 20},
            {"signal": None, "path": "demo/mail.py", "line": 5, "expression": "msg"},
        ],
        "receivers": [],
        "unresolved_connects": [{"path": "tests/test_demo.py", "line": 7, "expression": "sig"}],
    }
    score = recall.compare(expected.rows, document)
    assert score.recall() == (2, 3)
    assert score.recall("receiver") == (0, 1)
    assert score.precision() == (2, 3)
    assert score.precision("send") == (1, 2)
    assert [row[:3] for row in score.unresolved] == [
        ("connect?", "tests/test_demo.py", 7),
        ("send", "demo/mail.py", 5),
    ]
    report = "\n".join(recall.render(expected, score, verbose=True))
    assert "all         recall 2/3 (67%)" in report
    assert "missed  receiver   tests/test_demo.py:7  demo.signals.saved" in report


def test_the_shipped_lists_parse(recall: ModuleType) -> None:
    lists = sorted((SCRIPT.parent / "recall").glob("*.tsv"))
    assert len(lists) >= 2
    for path in lists:
        assert recall.read_expected(path).rows


def test_an_installed_dependency_is_read_and_importable_by_the_scan(
    recall: ModuleType, tmp_path: Path
) -> None:
    """A project that sends a signal of a package it depends on: the scan resolves it only
    with the dependency's source on the path, as in a user's venv (the ``installed`` line)."""
    path = tmp_path / "shop.tsv"
    path.write_text(
        "# requirement: Shop==1.0\n# archive: sdist\n# root: .\n"
        "# installed: Dep==2.0 Dep-2.0\n"
        "send\tdep.paid\tshop/pay.py:2\n",
        encoding="utf-8",
    )
    expected = recall.read_expected(path)
    assert expected.installed == [("Dep==2.0", "Dep-2.0")]
    dependency = tmp_path / "Dep-2.0" / "dep"
    dependency.mkdir(parents=True)
    (dependency / "__init__.py").write_text(
        "from blinker import Namespace\n\npaid = Namespace().signal('paid')\n"
    )
    root = tmp_path / "project"
    (root / "shop").mkdir(parents=True)
    (root / "shop" / "pay.py").write_text("from dep import paid\npaid.send('shop')\n")
    alone = recall.compare(expected.rows, recall.scan(root, tmp_path))
    assert alone.recall() == (0, 1)
    installed = recall.compare(expected.rows, recall.scan(root, tmp_path, [dependency.parent]))
    assert installed.recall() == (1, 1)
