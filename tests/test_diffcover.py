"""``signaltrace diff``: which lines a change touched, and the receivers and send sites on them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from report_samples import totals

from pytest_signaltrace.gates.diff.git import GitError, changed_lines, parse_unified_diff
from pytest_signaltrace.gates.diff.judge import judge_diff
from pytest_signaltrace.gates.diff.render import render_diff
from pytest_signaltrace.gates.diff.select import select_changed
from pytest_signaltrace.gates.fail_under import GateResult
from pytest_signaltrace.model import ReceiverRow, ReceiverStatus, SenderRow

DIFF = """\
diff --git a/shop/receivers.py b/shop/receivers.py
index 1111111..2222222 100644
--- a/shop/receivers.py
+++ b/shop/receivers.py
@@ -3,0 +4,2 @@ from shop.signals import order_placed
+@receiver(order_placed)
+def on_placed(sender, **kwargs):
@@ -10 +12 @@ def other():
-    return 1
+    return 2
@@ -20,3 +22,0 @@ def gone():
-    a
-    b
-    c
diff --git a/old.py b/old.py
deleted file mode 100644
--- a/old.py
+++ /dev/null
@@ -1,2 +0,0 @@
-x = 1
-y = 2
diff --git "a/caf\\303\\251.py" "b/caf\\303\\251.py"
--- "a/caf\\303\\251.py"
+++ "b/caf\\303\\251.py"
@@ -1 +1 @@
-a
+b
"""


def test_a_unified_diff_gives_the_added_lines_of_each_file() -> None:
    assert parse_unified_diff(DIFF.splitlines()) == {
        "shop/receivers.py": {4, 5, 12},
        "café.py": {1},
    }


def _receiver(line: int, handler: str, calls: int, def_line: int | None = None) -> ReceiverRow:
    status = ReceiverStatus.EXERCISED if calls else ReceiverStatus.UNEXERCISED
    return ReceiverRow(
        path="shop/receivers.py",
        line=line,
        signal="shop.signals.order_placed",
        handler=handler,
        sender=None,
        declared=True,
        test_only=False,
        calls=calls,
        status=status,
        def_path="shop/receivers.py" if def_line else None,
        def_line=def_line,
    )


REPORT = totals(
    (
        _receiver(4, "shop.receivers.on_placed", 0, def_line=5),
        _receiver(30, "shop.receivers.untouched", 0, def_line=31),
        # Its decorator did not change, its def line did (a rename): it counts.
        _receiver(40, "shop.receivers.renamed", 2, def_line=12),
    ),
    (
        SenderRow("shop/services.py", 7, "shop.signals.order_placed", "send", True, False, 1, 9),
        SenderRow("shop/services.py", 20, "shop.signals.order_placed", "send", True, False, 0, 20),
    ),
)


def test_only_rows_on_changed_lines_are_selected_with_the_repository_prefix() -> None:
    changed = {"app/shop/receivers.py": {4, 5, 12}, "app/shop/services.py": {9}}
    result = select_changed(REPORT, changed, "app/", "origin/main")
    assert [(item.kind, item.name) for item in result.items] == [
        ("receiver", "shop.receivers.on_placed"),
        ("receiver", "shop.receivers.renamed"),
        ("send", "send"),  # line 9 is inside the call spanning lines 7-9
    ]
    assert (result.totals.total, result.totals.exercised) == (3, 2)
    assert [item.name for item in result.missing] == ["shop.receivers.on_placed"]


def test_a_change_touching_no_signal_code_is_fully_covered() -> None:
    result = select_changed(REPORT, {"README.md": {1}}, "", "origin/main")
    assert result.totals.percent == 100.0
    assert render_diff(result, "term") == "No receivers or send sites changed since origin/main.\n"


def test_the_terminal_form_lists_what_never_ran() -> None:
    result = select_changed(REPORT, {"shop/receivers.py": {4}}, "", "main")
    assert render_diff(result, "term") == (
        "Changed since main: 1 receiver or send site, 0 ran (0.00%).\n"
        "Never ran:\n"
        "  receiver  shop/receivers.py:4  shop.receivers.on_placed  (shop.signals.order_placed)\n"
    )


def test_the_percentages_and_the_gate_follow_the_precision() -> None:
    changed = {"shop/receivers.py": {4, 12}, "shop/services.py": {7}}
    two_of_three = select_changed(REPORT, changed, "", "main")
    assert (two_of_three.totals.total, two_of_three.totals.exercised) == (3, 2)
    assert "2 ran (66.67%)" in render_diff(two_of_three, "term")
    assert "2 ran (67%)" in render_diff(two_of_three, "term", precision=0)
    assert "2 ran (66.667%)" in render_diff(two_of_three, "markdown", precision=3)
    assert json.loads(render_diff(two_of_three, "json", precision=0))["summary"]["percent"] == 66.67
    # The figure shown is the figure judged: 67% reaches 67 at precision 0, 66.67% does not.
    assert judge_diff(two_of_three, 67, precision=0) == GateResult(
        True, "Required diff signal coverage of 67% reached. Total coverage: 67%"
    )
    assert judge_diff(two_of_three, 67) == GateResult(
        False, "FAIL Required diff signal coverage of 67% not reached. Total coverage: 66.67%"
    )


def _repository(folder: Path) -> Path:
    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
            cwd=folder,
            check=True,
            capture_output=True,
        )

    git("init", "-q", "-b", "main")
    (folder / "a.py").write_text("x = 1\n")
    git("add", "a.py")
    git("commit", "-q", "-m", "base")
    git("checkout", "-q", "-b", "feature")
    (folder / "a.py").write_text("x = 1\ny = 2\n")
    git("commit", "-q", "-am", "y")
    (folder / "a.py").write_text("x = 1\ny = 2\nz = 3\n")  # not committed
    return folder


def test_the_lines_changed_since_a_branch_are_the_commits_and_the_work_tree(tmp_path: Path) -> None:
    assert changed_lines("main", _repository(tmp_path)) == {"a.py": {2, 3}}


@pytest.mark.parametrize(
    ("branch", "message"),
    [
        ("no-such-branch", "unknown compare branch 'no-such-branch': no such branch or commit"),
        ("--output=stolen", "'--output=stolen' is not a branch name"),
    ],
)
def test_a_branch_git_does_not_know_is_named_in_one_line(
    tmp_path: Path, branch: str, message: str
) -> None:
    with pytest.raises(GitError) as caught:
        changed_lines(branch, _repository(tmp_path))
    assert str(caught.value) == message
    assert not (tmp_path / "stolen").exists()


def test_a_folder_outside_any_repository_is_named_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    (tmp_path / "plain").mkdir()
    with pytest.raises(GitError) as caught:
        changed_lines("main", tmp_path / "plain")
    assert str(caught.value) == (
        "git rev-parse: not a git repository (or any of the parent directories): .git"
    )
