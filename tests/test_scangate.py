"""``signaltrace scan --fail-on``: the static gate for pre-commit, with a baseline."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_signaltrace.cli import ExitCode, main

SIGNALS = """\
from django.dispatch import Signal

order_placed = Signal()
order_refunded = Signal()
inventory_audited = Signal()
"""

RECEIVERS = """\
from django.dispatch import receiver

from shop.signals import order_placed, order_refunded


@receiver(order_placed)
def on_placed(sender, **kwargs):
    pass


@receiver(order_refunded)
def on_refunded(sender, **kwargs):
    pass


@receiver(order_refunded)  # pragma: no signal cover
def kept_on_purpose(sender, **kwargs):
    pass


def place():
    order_placed.send(sender=None)
"""

TESTS = """\
from django.dispatch import receiver

from shop.signals import order_refunded


@receiver(order_refunded)
def spy(sender, **kwargs):
    pass
"""

FINDINGS = [
    "shop/receivers.py:11: dead receiver shop.receivers.on_refunded: nothing sends "
    "shop.signals.order_refunded",
    "shop/signals.py:4: signal shop.signals.order_refunded is never sent, though it has receivers",
    "shop/signals.py:5: unused signal shop.signals.inventory_audited: no receivers and nothing "
    "sends it",
]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shop = tmp_path / "shop"
    shop.mkdir()
    (shop / "__init__.py").write_text("")
    (shop / "signals.py").write_text(SIGNALS)
    (shop / "receivers.py").write_text(RECEIVERS)
    (shop / "tests.py").write_text(TESTS)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _gate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], str]:
    status = main(["scan", "--no-cache", *args])
    out, err = capsys.readouterr()
    return status, out.splitlines(), err


def test_each_finding_is_one_line_and_the_gate_exits_1(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, lines, err = _gate(capsys, "--fail-on", "dead,unused,never-sent")
    assert status == ExitCode.FAILED
    # No map on stdout: only the findings; test code and the excluded receiver are left out.
    assert lines == FINDINGS
    assert err.strip().splitlines()[-1] == "signaltrace: 3 findings"


def test_only_the_kinds_asked_for_fail(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, lines, _ = _gate(capsys, "--fail-on", "unused")
    assert status == ExitCode.FAILED
    assert lines == [FINDINGS[2]]


def test_a_clean_tree_says_what_it_checked(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "shop" / "signals.py").write_text(SIGNALS.replace("inventory_audited", "# x"))
    (project / "shop" / "more.py").write_text(
        "from shop.signals import order_refunded\n\ndef refund():\n"
        "    order_refunded.send(sender=None)\n"
    )
    # The test-only receiver and the excluded one are not checked.
    assert _gate(capsys, "--fail-on", "dead,unused,never-sent") == (
        ExitCode.OK,
        [],
        "signaltrace: checked 2 receivers, 2 signals: nothing dead, unused or never sent\n",
    )
    assert _gate(capsys, "--fail-on", "dead")[2] == (
        "signaltrace: checked 2 receivers, 2 signals: nothing dead\n"
    )


def test_one_finding_is_one_finding(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, lines, err = _gate(capsys, "--fail-on", "unused")
    assert (status, len(lines)) == (ExitCode.FAILED, 1)
    assert err.strip().splitlines()[-1] == "signaltrace: 1 finding"
    baseline = project / "baseline.json"
    _gate(capsys, "--fail-on", "unused", "--write-baseline", str(baseline))
    status, lines, err = _gate(capsys, "--fail-on", "unused", "--baseline", str(baseline))
    assert (status, lines) == (ExitCode.OK, [])
    assert err == (
        "signaltrace: checked 2 receivers, 3 signals: nothing unused beyond the 1 finding of "
        "the baseline\n"
    )


def test_a_baseline_accepts_the_findings_it_holds_even_after_lines_move(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = project / "signaltrace-baseline.json"
    status, lines, err = _gate(capsys, "--write-baseline", str(baseline))
    assert (status, lines) == (ExitCode.OK, [])
    assert err == f"signaltrace: 3 findings written to {baseline}\n"
    assert [f["kind"] for f in json.loads(baseline.read_text())["findings"]] == [
        "dead",
        "never-sent",
        "unused",
    ]
    receivers = project / "shop" / "receivers.py"
    receivers.write_text("\n\n" + RECEIVERS)  # every line moves down by two
    assert _gate(capsys, "--fail-on", "dead", "--baseline", str(baseline))[0] == ExitCode.OK
    # A new dead receiver is not in the baseline.
    receivers.write_text(
        RECEIVERS + "\n\n@receiver(order_refunded)\ndef new_one(sender, **kwargs):\n    pass\n"
    )
    status, lines, err = _gate(capsys, "--fail-on", "dead", "--baseline", str(baseline))
    assert status == ExitCode.FAILED
    assert lines == [
        "shop/receivers.py:25: dead receiver shop.receivers.new_one: nothing sends "
        "shop.signals.order_refunded"
    ]
    assert "(1 more in the baseline)" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fail-on", "dead,zombie"], "--fail-on: unknown finding zombie"),
        (["--fail-on", "dead", "--baseline", "missing.json"], "cannot read the baseline"),
    ],
)
def test_bad_gate_options_are_one_line_usage_errors(
    project: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    status, _, err = _gate(capsys, *args)
    assert status == ExitCode.USAGE
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_a_damaged_baseline_is_refused(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    baseline = project / "baseline.json"
    baseline.write_text('{"format": "pytest-signaltrace-baseline", "version": 1, "findings": [1]}')
    status, _, err = _gate(capsys, "--fail-on", "dead", "--baseline", str(baseline))
    assert status == ExitCode.USAGE
    assert "damaged finding" in err


def test_the_pre_commit_hook_runs_the_gate(project: Path) -> None:
    hooks = (Path(__file__).resolve().parent.parent / ".pre-commit-hooks.yaml").read_text()
    entry = re.search(r"^  entry: (.+)$", hooks, re.M)
    assert entry
    argv = shlex.split(entry[1])
    assert argv[0] == "signaltrace"
    done = subprocess.run(
        [sys.executable, "-m", "pytest_signaltrace", *argv[1:]],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout.splitlines() == FINDINGS


def test_a_possibly_dead_receiver_is_not_a_finding(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A send on an object the scan cannot name might send order_refunded: not certain.
    (project / "shop" / "relay.py").write_text(
        "def relay(signal):\n    signal.send(sender=None)\n"
    )
    status, lines, err = _gate(capsys, "--fail-on", "dead,never-sent")
    assert status == ExitCode.OK, lines
    assert lines == []
    assert err == (
        "signaltrace: checked 2 receivers, 3 signals: nothing dead or never sent "
        "(1 receiver possibly dead: --fail-on possibly-dead)\n"
    )


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (
            "possibly-dead",
            "shop/receivers.py:11: possibly dead receiver shop.receivers.on_refunded: nothing "
            "certain sends shop.signals.order_refunded; might be sent by shop/relay.py:2 "
            "signal.send",
        ),
        (
            "possibly-never-sent",
            "shop/signals.py:4: signal shop.signals.order_refunded is possibly never sent, "
            "though it has receivers; might be sent by shop/relay.py:2 signal.send",
        ),
        (
            "possibly-unused",
            "shop/signals.py:5: possibly unused signal shop.signals.inventory_audited: no "
            "receivers and nothing certain sends it; might be sent by shop/relay.py:2 "
            "signal.send",
        ),
    ],
)
def test_a_gate_may_ask_for_uncertain_verdicts(
    project: Path, capsys: pytest.CaptureFixture[str], kind: str, expected: str
) -> None:
    (project / "shop" / "relay.py").write_text("def relay(signal):\n    signal.send(None)\n")
    status, lines, err = _gate(capsys, "--fail-on", kind)
    assert (status, lines) == (ExitCode.FAILED, [expected])
    assert err.strip().splitlines()[-1] == "signaltrace: 1 finding"
    # The certain kinds, the default of a baseline, leave them out.
    baseline = project / "baseline.json"
    _gate(capsys, "--write-baseline", str(baseline))
    assert [f["kind"] for f in json.loads(baseline.read_text())["findings"]] == []
